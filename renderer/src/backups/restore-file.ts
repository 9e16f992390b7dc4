/**
 * The rules of "Restore a server from a backup file", as pure functions (unit-tested): which
 * catalogue entry explains a refused file (a wrong passphrase, a file that is not a backup, a
 * damaged one …), whether the chosen name makes a new server, replaces one of the same network and
 * domain, or clashes with another, what still stops the restore, and the restore call's input
 * (its passphrase opens this file only: it is never kept for later backups).
 */
import type { ApiError, ApiInput, BackupPreview, InstanceSummary, TunnelTokenCheck } from '../../../electron/shared/contract';
import { zoneFor } from '../wizard/tunnel-choice';

/** The refusals the screen explains in its own words (`restoreFile.error.<key>.title` / `.body`). */
export const BACKUP_ERRORS = [
  'wrongPassphrase',
  'notBackup',
  'fileName',
  'notAbsolute',
  'noFile',
  'damaged',
  'unsafe',
  'unknownStack',
  'newer',
  'oldStack',
  'incomplete',
  'workFactor',
  'tunnelToken',
  'tunnelInUse',
  'otherServer',
] as const;
export type BackupErrorKey = (typeof BACKUP_ERRORS)[number];

const BY_REASON: Record<string, BackupErrorKey> = {
  passphrase: 'wrongPassphrase',
  format: 'notBackup',
  'file-name': 'fileName',
  'not-absolute': 'notAbsolute',
  damaged: 'damaged',
  unsafe: 'unsafe',
  stack: 'unknownStack',
  'newer-stack': 'newer',
  'newer-format': 'newer',
  'old-stack': 'oldStack',
  incomplete: 'incomplete',
  'work-factor': 'workFactor',
  'tunnel-token': 'tunnelToken',
  'tunnel-in-use': 'tunnelInUse',
  'other-stack': 'otherServer',
  'other-domain': 'otherServer',
};

/** The entry that explains why a backup file was refused, or null for errors the generic notice tells (Docker, disk …). */
export function backupErrorKey(error: ApiError): BackupErrorKey | null {
  const reason = typeof error.details?.reason === 'string' ? error.details.reason : '';
  if (error.code === 'NOT_FOUND' && error.details?.path !== undefined) return 'noFile';
  if (error.code !== 'INVALID_INPUT') return null;
  return BY_REASON[reason] ?? null;
}

/** A path as typed or pasted: trimmed, without the quotes Windows' "Copy as path" puts around it. */
export function cleanPath(typed: string): string {
  const text = typed.trim();
  return /^"[^"]*"$/.test(text) || /^'[^']*'$/.test(text) ? text.slice(1, -1).trim() : text;
}

/** True when the answer of `backups.chooseFile` says there is no file chooser here (browser mode). */
export function noFileChooser(error: ApiError): boolean {
  return error.code === 'STATE' && error.details?.reason === 'no-file-dialog';
}

/** What restoring under `name` does: make a new server, replace one of the same network and domain, or clash with another. */
export type RestoreTarget = { kind: 'new' } | { kind: 'replace'; instance: InstanceSummary } | { kind: 'clash'; instance: InstanceSummary };

export function restoreTarget(preview: BackupPreview, name: string, instances: readonly InstanceSummary[]): RestoreTarget {
  const instance = instances.find((i) => i.name === name.trim());
  if (instance === undefined) return { kind: 'new' };
  return instance.stack === preview.stack && instance.domain === preview.domain ? { kind: 'replace', instance } : { kind: 'clash', instance };
}

/** The name rule of the core (validateInstanceName), so a mistake shows before the restore starts. */
const NAME = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** What the restore form holds besides the preview. */
export interface RestoreForm {
  name: string;
  /** the Cloudflare API token typed, and what its last check found (null: not checked yet) */
  apiToken: string;
  apiCheck: TunnelTokenCheck | null;
  tunnelToken: string;
}

/** Whether the restore needs the tunnel credential the backup lacks (a server it replaces keeps its own). */
export function needsCredential(preview: BackupPreview, target: RestoreTarget): BackupPreview['tunnelNeeds'] {
  return target.kind === 'new' ? preview.tunnelNeeds : undefined;
}

/** What can stop a restore (`restoreFile.problem.<key>`). */
export const RESTORE_PROBLEMS = ['name', 'clash', 'noApiToken', 'notVerified', 'tokenPermissions', 'tokenZone', 'noTunnelToken'] as const;
export type RestoreProblem = (typeof RESTORE_PROBLEMS)[number];

/**
 * What still stops the restore, or null when it can start. An API token must have been checked,
 * lack no permission and reach a domain the server's public host is in.
 */
export function restoreProblem(preview: BackupPreview, form: RestoreForm, instances: readonly InstanceSummary[]): RestoreProblem | null {
  if (!NAME.test(form.name.trim())) return 'name';
  const target = restoreTarget(preview, form.name, instances);
  if (target.kind === 'clash') return 'clash';
  const needs = needsCredential(preview, target);
  if (needs === 'apiToken') {
    if (form.apiToken.trim() === '') return 'noApiToken';
    if (form.apiCheck === null) return 'notVerified';
    if (form.apiCheck.missing.length > 0) return 'tokenPermissions';
    const host = preview.publicUrl === null ? preview.domain : new URL(preview.publicUrl).hostname;
    if (zoneFor(host, form.apiCheck.zones) === undefined) return 'tokenZone';
  }
  if (needs === 'tunnelToken' && form.tunnelToken.trim() === '') return 'noTunnelToken';
  return null;
}

/** The `backups.restore` input: the passphrase for this file only (not kept), the credential the backup lacks when needed. */
export function restoreInput(
  preview: BackupPreview,
  passphrase: string,
  form: RestoreForm,
  instances: readonly InstanceSummary[],
): ApiInput<'backups.restore'> {
  const needs = needsCredential(preview, restoreTarget(preview, form.name, instances));
  return {
    file: preview.file,
    name: form.name.trim(),
    passphrase,
    keepPassphrase: false,
    ...(needs === 'apiToken' && { apiToken: form.apiToken.trim() }),
    ...(needs === 'tunnelToken' && { tunnelToken: form.tunnelToken.trim() }),
  };
}
