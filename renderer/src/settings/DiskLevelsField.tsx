/**
 * The disk guard's levels in the settings screen: warn below so many GB (or so much of the disk,
 * whichever is smaller), critical below so many GB. Saved with a button (three numbers belong
 * together); a value out of the range is refused with the range, and nothing is saved.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppSettings } from '../../../electron/shared/contract';
import { DISK_DEFAULTS, parseDiskLevels } from './disk-levels';

export function DiskLevelsField(props: { value: AppSettings['disk']; onSave: (disk: NonNullable<AppSettings['disk']>) => void }) {
  const { t } = useTranslation();
  const current = props.value ?? DISK_DEFAULTS;
  const [fields, setFields] = useState({ warnGB: String(current.warnGB), warnPercent: String(current.warnPercent), criticalGB: String(current.criticalGB) });
  const [invalid, setInvalid] = useState(false);
  const set = (k: keyof typeof fields) => (e: React.ChangeEvent<HTMLInputElement>) => {
    setInvalid(false);
    setFields({ ...fields, [k]: e.target.value });
  };
  const save = () => {
    const levels = parseDiskLevels(fields);
    setInvalid(levels === null);
    if (levels !== null) props.onSave(levels);
  };
  return (
    <fieldset className="field disk-levels" data-testid="disk-levels">
      <legend>{t('settings.diskTitle')}</legend>
      <label htmlFor="disk-warn-gb">{t('settings.diskWarnGB')}</label>
      <input
        id="disk-warn-gb"
        type="number"
        inputMode="decimal"
        min={0.5}
        max={10000}
        step="any"
        value={fields.warnGB}
        onChange={set('warnGB')}
        aria-invalid={invalid}
      />
      <label htmlFor="disk-warn-percent">{t('settings.diskWarnPercent')}</label>
      <input
        id="disk-warn-percent"
        type="number"
        inputMode="decimal"
        min={1}
        max={50}
        step="any"
        value={fields.warnPercent}
        onChange={set('warnPercent')}
        aria-invalid={invalid}
      />
      <label htmlFor="disk-critical-gb">{t('settings.diskCriticalGB')}</label>
      <input
        id="disk-critical-gb"
        type="number"
        inputMode="decimal"
        min={0.5}
        max={10000}
        step="any"
        value={fields.criticalGB}
        onChange={set('criticalGB')}
        aria-invalid={invalid}
      />
      <p className="help">{t('settings.diskHelp')}</p>
      {invalid ? (
        <p className="notice notice-error" role="alert" data-testid="disk-levels-invalid">
          {t('settings.diskInvalid')} {t('settings.diskRange')}
        </p>
      ) : (
        <p className="help">{t('settings.diskRange')}</p>
      )}
      <div className="actions">
        <button type="button" className="button" onClick={save} data-testid="disk-levels-save">
          {t('settings.diskSave')}
        </button>
      </div>
    </fieldset>
  );
}
