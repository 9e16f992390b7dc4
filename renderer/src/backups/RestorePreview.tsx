/**
 * What a checked backup file holds, before anything happens: the network, domain, date, size,
 * accounts and how it is reached; the name to restore it under (the backup's by default), saying
 * whether that makes a new server or replaces one; the tunnel credential the backup lacks, asked
 * for here (CloudflareTokenField, or the tunnel token); then "Restore".
 */
import { useTranslation } from 'react-i18next';
import type { ApiError, BackupPreview, InstanceSummary } from '../../../electron/shared/contract';
import { formatBytes } from '../lib/format';
import { CloudflareTokenField } from '../wizard/CloudflareTokenField';
import { BackupFileError } from './BackupFileError';
import { needsCredential, restoreProblem, restoreTarget, type RestoreForm } from './restore-file';

export function RestorePreview(props: {
  preview: BackupPreview;
  form: RestoreForm;
  instances: readonly InstanceSummary[];
  onForm: (patch: Partial<RestoreForm>) => void;
  onBack: () => void;
  onRestore: () => void;
  starting: boolean;
  error: ApiError | null;
}) {
  const { t, i18n } = useTranslation();
  const { preview, form } = props;
  const target = restoreTarget(preview, form.name, props.instances);
  const needs = needsCredential(preview, target);
  const problem = restoreProblem(preview, form, props.instances);
  // the settings a backup changes on a restore as a new server, and those left out for safety
  const applied = (preview.overrides ?? []).filter((o) => o.applied);
  const left = (preview.overrides ?? []).filter((o) => !o.applied);

  return (
    <div className="restore-preview">
      <h2>{t('restoreFile.preview.title')}</h2>
      <p className="notice notice-ok">{t('restoreFile.preview.checked')}</p>
      <dl className="summary" data-testid="backup-preview">
        <dt>{t('restoreFile.preview.stack')}</dt>
        <dd data-testid="preview-stack">{t('restoreFile.preview.stackValue', { name: preview.stackName, version: preview.stackVersion })}</dd>
        <dt>{t('restoreFile.preview.domain')}</dt>
        <dd data-testid="preview-domain">{preview.domain}</dd>
        <dt>{t('restoreFile.preview.made')}</dt>
        <dd data-testid="preview-date">{new Date(preview.createdAt).toLocaleString(i18n.language)}</dd>
        <dt>{t('restoreFile.preview.size')}</dt>
        <dd data-testid="preview-size">{formatBytes(preview.bytes, i18n.language)}</dd>
        <dt>{t('restoreFile.preview.accounts')}</dt>
        <dd>
          {preview.accounts.length === 0 ? t('restoreFile.preview.noAccounts') : preview.accounts.join(', ')}
          {preview.accountCount !== undefined && ` · ${t('restoreFile.preview.accountCount', { n: preview.accountCount })}`}
        </dd>
        <dt>{t('restoreFile.preview.reach')}</dt>
        <dd data-testid="preview-reach">
          {t(`tunnel.mode.${preview.tunnel}.title`)}
          {preview.publicUrl !== null && ` · ${preview.publicUrl}`}
        </dd>
      </dl>
      {applied.length > 0 && (
        <p data-testid="preview-settings">{t('restoreFile.preview.settings', { names: applied.map((o) => `${o.service}.${o.key}`).join(', ') })}</p>
      )}
      {left.length > 0 && (
        <p className="notice notice-warn" data-testid="preview-left-out">
          {t('restoreFile.preview.leftOut', { names: left.map((o) => `${o.service}.${o.key}`).join(', ') })}
        </p>
      )}

      <div className="field">
        <label htmlFor="restore-name">{t('restoreFile.name.label')}</label>
        <input
          id="restore-name"
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={form.name}
          aria-invalid={problem === 'name' || problem === 'clash'}
          onChange={(e) => props.onForm({ name: e.target.value })}
        />
        <p className="help">{t('restoreFile.name.help')}</p>
      </div>
      {target.kind === 'replace' && (
        <p className="notice notice-warn" data-testid="restore-replaces">
          {t('restoreFile.replaces', { name: target.instance.name, domain: target.instance.domain })}
        </p>
      )}
      {target.kind === 'clash' && (
        <p className="field-error" role="alert">
          {t('restoreFile.clash', { name: target.instance.name, domain: target.instance.domain })}
        </p>
      )}
      {problem === 'name' && (
        <p className="field-error" role="alert">
          {t('wizard.fieldError.name')}
        </p>
      )}

      {needs === 'apiToken' && (
        <div className="tunnel-panel" data-testid="restore-needs-token">
          <p className="notice notice-warn">{t('restoreFile.needs.apiToken', { url: preview.publicUrl ?? preview.domain })}</p>
          <CloudflareTokenField
            token={form.apiToken}
            onToken={(apiToken) => props.onForm({ apiToken, apiCheck: null })}
            onChecked={(apiCheck) => props.onForm({ apiCheck })}
          />
        </div>
      )}
      {needs === 'tunnelToken' && (
        <div className="tunnel-panel" data-testid="restore-needs-token">
          <p className="notice notice-warn">{t('restoreFile.needs.tunnelToken', { url: preview.publicUrl ?? preview.domain })}</p>
          <div className="field">
            <label htmlFor="tunnel-token">{t('tunnel.token.label')}</label>
            <input
              id="tunnel-token"
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={form.tunnelToken}
              onChange={(e) => props.onForm({ tunnelToken: e.target.value })}
            />
            <p className="help">{t('tunnel.token.help')}</p>
          </div>
        </div>
      )}
      {problem !== null && problem !== 'name' && problem !== 'clash' && (
        <p className="help" data-testid="restore-problem">
          {t(`restoreFile.problem.${problem}`)}
        </p>
      )}

      <ul className="restore-facts">
        <li>{t('restoreFile.facts.same', { domain: preview.domain })}</li>
        <li>{t('restoreFile.facts.safe')}</li>
        <li>{t('restoreFile.facts.passphrase')}</li>
      </ul>
      {props.error && <BackupFileError error={props.error} />}
      <div className="step-nav">
        <button type="button" className="button button-quiet" onClick={props.onBack}>
          {t('wizard.back')}
        </button>
        <button type="button" className="button button-primary" onClick={props.onRestore} disabled={problem !== null || props.starting}>
          {target.kind === 'replace' ? t('restoreFile.restoreReplace') : t('restoreFile.restore')}
        </button>
      </div>
    </div>
  );
}
