/** The backup schedule of an instance: daily or weekly at a time, how many to keep, the folder, a drill after each. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, BackupScheduleInfo, BackupScheduleSettings } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { toApiError } from '../lib/errors';
import { useApi } from '../store/context';

const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6] as const;
const EMPTY: BackupScheduleSettings = { every: 'daily', at: '03:00', keep: 7, folder: '', drill: false };

/** The weekday only for weekly schedules. */
function cleaned({ weekday, ...rest }: BackupScheduleSettings): BackupScheduleSettings {
  return rest.every === 'weekly' ? { ...rest, weekday: weekday ?? 0 } : rest;
}

export function ScheduleForm(props: { name: string; passphraseSet: boolean }) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const [info, setInfo] = useState<BackupScheduleInfo | null>(null);
  const [form, setForm] = useState<BackupScheduleSettings>(EMPTY);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);

  const show = (i: BackupScheduleInfo) => {
    setInfo(i);
    setForm(i.schedule ?? { ...EMPTY, folder: i.defaultFolder });
  };
  useEffect(() => {
    api.call('backups.schedule.get', { name: props.name }).then(show, (e: unknown) => setError(toApiError(e)));
  }, [api, props.name]);

  const save = (schedule: BackupScheduleSettings | null) => {
    setError(null);
    setSaved(false);
    api.call('backups.schedule.set', { name: props.name, schedule }).then(
      (i) => {
        show(i);
        setSaved(true);
      },
      (e: unknown) => setError(toApiError(e)),
    );
  };
  const set = (patch: Partial<BackupScheduleSettings>) => setForm((f) => ({ ...f, ...patch }));
  const day = (d: number) => new Date(2024, 0, 7 + d).toLocaleDateString(i18n.language, { weekday: 'long' });

  return (
    <section className="card" aria-labelledby="schedule-title">
      <h2 id="schedule-title">{t('backups.schedule.title')}</h2>
      <p className="muted">
        {info?.schedule && info.nextRun
          ? t('backups.schedule.next', { date: new Date(info.nextRun).toLocaleString(i18n.language) })
          : t('backups.schedule.off')}
      </p>
      {!props.passphraseSet && <p className="muted">{t('backups.schedule.needsPassphrase')}</p>}
      <div className="field">
        <label htmlFor="schedule-every">{t('backups.schedule.every')}</label>
        <select
          id="schedule-every"
          value={form.every}
          onChange={(e) => set({ every: e.target.value === 'weekly' ? 'weekly' : 'daily', ...(e.target.value === 'weekly' && { weekday: form.weekday ?? 0 }) })}
        >
          <option value="daily">{t('backups.schedule.daily')}</option>
          <option value="weekly">{t('backups.schedule.weekly')}</option>
        </select>
      </div>
      {form.every === 'weekly' && (
        <div className="field">
          <label htmlFor="schedule-day">{t('backups.schedule.day')}</label>
          <select id="schedule-day" value={form.weekday ?? 0} onChange={(e) => set({ weekday: Number(e.target.value) })}>
            {WEEKDAYS.map((d) => (
              <option key={d} value={d}>
                {day(d)}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="field">
        <label htmlFor="schedule-at">{t('backups.schedule.at')}</label>
        <input id="schedule-at" type="time" value={form.at} onChange={(e) => set({ at: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="schedule-keep">{t('backups.schedule.keep')}</label>
        <input
          id="schedule-keep"
          type="number"
          min={1}
          max={1000}
          value={form.keep}
          onChange={(e) => set({ keep: Math.max(1, Number(e.target.value) || 1) })}
        />
      </div>
      <div className="field">
        <label htmlFor="schedule-folder">{t('backups.schedule.folder')}</label>
        <input id="schedule-folder" type="text" value={form.folder} onChange={(e) => set({ folder: e.target.value })} />
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={form.drill} onChange={(e) => set({ drill: e.target.checked })} />
        {t('backups.schedule.drill')}
      </label>
      <div className="actions">
        <button type="button" className="button button-primary" onClick={() => save(cleaned(form))} disabled={!props.passphraseSet}>
          {t('backups.schedule.save')}
        </button>
        {info?.schedule && (
          <button type="button" className="button" onClick={() => save(null)}>
            {t('backups.schedule.turnOff')}
          </button>
        )}
      </div>
      {saved && <p className="muted">{t('backups.schedule.saved')}</p>}
      {error && <ErrorNotice error={error} />}
    </section>
  );
}
