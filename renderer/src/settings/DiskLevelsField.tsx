/**
 * The disk guard's levels in the settings screen: warn below so many GB (or so much of the disk,
 * whichever is smaller), critical below so many GB. Saved with a button (three numbers belong
 * together); a value out of the range is refused with the range, and nothing is saved.
 */
import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppSettings } from '../../../electron/shared/contract';
import { DISK_DEFAULTS, parseDiskLevels } from './disk-levels';

/** The three numbers, each with its field id, label and the range the core accepts (shown by the browser too). */
const LEVEL_FIELDS = [
  { key: 'warnGB', id: 'disk-warn-gb', label: 'settings.diskWarnGB', min: 0.5, max: 10000 },
  { key: 'warnPercent', id: 'disk-warn-percent', label: 'settings.diskWarnPercent', min: 1, max: 50 },
  { key: 'criticalGB', id: 'disk-critical-gb', label: 'settings.diskCriticalGB', min: 0.5, max: 10000 },
] as const;

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
      {LEVEL_FIELDS.map((f) => (
        <Fragment key={f.key}>
          <label htmlFor={f.id}>{t(f.label)}</label>
          <input
            id={f.id}
            type="number"
            inputMode="decimal"
            min={f.min}
            max={f.max}
            step="any"
            value={fields[f.key]}
            onChange={set(f.key)}
            aria-invalid={invalid}
          />
        </Fragment>
      ))}
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
