/** Small pieces the update, its resume and its rollback share. */
import { toEngawaError } from '../util/errors';
import type { InstanceRecord, OperationTx, UpdateProgress } from '../instances';
import type { UpdateOptions } from './types';

/** Writes the record with the update's progress (listeners are told nothing: the state is as it was). */
export async function write(tx: OperationTx, record: InstanceRecord, update: UpdateProgress): Promise<InstanceRecord> {
  const next = { ...record, update };
  await tx.write(next);
  return next;
}

export function progressOf(opts: UpdateOptions): { onProgress?: UpdateOptions['onProgress']; signal?: AbortSignal } {
  return { ...(opts.onProgress && { onProgress: opts.onProgress }), ...(opts.signal && { signal: opts.signal }) };
}

/** The options a restore inside an update gets. */
export function restoreOpts(opts: UpdateOptions): {
  onProgress?: UpdateOptions['onProgress'];
  signal?: AbortSignal;
  healthTimeoutMs?: number;
  workFactor?: number;
} {
  return {
    ...progressOf(opts),
    ...(opts.healthTimeoutMs !== undefined && { healthTimeoutMs: opts.healthTimeoutMs }),
    ...(opts.workFactor !== undefined && { workFactor: opts.workFactor }),
  };
}

/** What failed, for the rollback's message: the error's sentence, the service it names and its last log lines. */
export function failureOf(e: unknown): { message: string; service?: string; lastLogLines?: string[] } {
  const err = toEngawaError(e);
  const service = typeof err.details?.service === 'string' ? err.details.service : undefined;
  const lines = Array.isArray(err.details?.lastLogLines) ? (err.details.lastLogLines as unknown[]).map(String) : undefined;
  return { message: err.message, ...(service !== undefined && { service }), ...(lines && { lastLogLines: lines }) };
}
