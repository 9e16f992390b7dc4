/** What the update operations need, their options and their results. */
import type { BackupDeps, BytesSink } from '../backup/types';
import type { ProgressSink } from '../util/progress';

/** The update runs backups and restores: it needs what they need. */
export type UpdateDeps = BackupDeps;

/** Points an update reports as it passes them (tests kill the process there). */
export type UpdatePoint = 'pulled' | 'backup-written' | 'backed-up' | 'pre-upgrade' | 'switched' | 'post-upgrade';

export interface UpdateOptions {
  /** the release to go to (default: the newest the instance can reach) */
  to?: string;
  /** the passphrase of the pre-update backup (and of the rollback that reads it) */
  passphrase: string;
  /** the folder of the pre-update backup (default `<home>/backups`) */
  backupDir?: string;
  onProgress?: ProgressSink;
  onBytes?: BytesSink;
  signal?: AbortSignal;
  /** scrypt work factor of the backup (tests lower it) */
  workFactor?: number;
  /** how long a switch and a restored copy may take to become healthy, unless the release says (default 180 s) */
  healthTimeoutMs?: number;
  /** called as the update passes each point (tests) */
  afterPhase?: (point: UpdatePoint) => void;
}

export interface UpdateResult {
  name: string;
  from: string;
  to: string;
  /** false when it was up to date (nothing was done) */
  updated: boolean;
  steps: { from: string; to: string; downtimeMs: number }[];
  /** from the old containers stopped to the new ones healthy, summed over the steps */
  downtimeMs: number;
  /** the pre-update backup */
  backup?: string;
}
