/**
 * The hint under a field where a new backup passphrase is chosen: how many characters are still
 * missing, then how strong it is (the core's rule, `backups.passphraseStrength`, asked a moment
 * after typing stops). Only a hint: the minimum is the one gate, and the core enforces it.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PassphraseStrengthInfo } from '../../../electron/shared/contract';
import { useApi } from '../store/context';

/** How long typing must pause before the strength is asked (ms). */
const SETTLE_MS = 250;

export function PassphraseHint(props: { passphrase: string }) {
  const { t } = useTranslation();
  const api = useApi();
  const [info, setInfo] = useState<(PassphraseStrengthInfo & { of: string }) | null>(null);
  const { passphrase } = props;

  useEffect(() => {
    if (passphrase === '') return undefined;
    let live = true;
    const timer = setTimeout(() => {
      api.call('backups.passphraseStrength', { passphrase }).then(
        (r) => live && setInfo({ ...r, of: passphrase }),
        () => live && setInfo(null), // no hint is better than a wrong one; the core still checks on save
      );
    }, SETTLE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, passphrase]);

  if (passphrase === '' || info === null || info.of !== passphrase) return null;
  const text =
    info.strength === 'too-short'
      ? t('passphraseHint.tooShort', { count: info.minLength - passphrase.length, min: info.minLength })
      : t(`passphraseHint.${info.strength}`);
  return (
    <p className={`passphrase-hint passphrase-${info.strength}`} data-testid="passphrase-hint" data-strength={info.strength} aria-live="polite">
      {text}
    </p>
  );
}
