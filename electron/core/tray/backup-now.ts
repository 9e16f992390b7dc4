/**
 * The tray's "Back up now": a backup with the instance's kept passphrase. When none is kept yet
 * the user must choose one first, in the window (the shell opens it).
 */
import type { ApiInput, ApiOutput } from '../../shared/contract';

type Call = <M extends 'backups.list' | 'backups.create'>(method: M, input: ApiInput<M>) => Promise<ApiOutput<M>>;

/** Starts the backup ('started'), or answers 'needs-passphrase' without starting anything. */
export async function backUpNow(call: Call, name: string): Promise<'started' | 'needs-passphrase'> {
  const list = await call('backups.list', { name });
  if (!list.passphraseSet) return 'needs-passphrase';
  await call('backups.create', { name });
  return 'started';
}
