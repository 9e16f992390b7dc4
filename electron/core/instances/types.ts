/** The instance manager's public types. */
import type { ErrorCode } from '../util/errors';
import type { ProgressSink } from '../util/progress';
import type { TunnelInput, TunnelRecord } from '../tunnel/types';
import type { InstanceState } from '../../shared/contract';

/** What an instance is doing, and its live view: the contract's own types. */
export type { InstanceState, InstanceStatus } from '../../shared/contract';

/**
 * The operations that take an instance's lock: the manager's own, and those other layers run
 * through `InstanceManager.runOperation` (backup, restore, the drill on its temporary instance, and
 * the watchdog's 'heal': restarting the services that stay unhealthy, see core/watch).
 */
export type Op = 'create' | 'start' | 'stop' | 'restart' | 'destroy' | 'backup' | 'restore' | 'drill' | 'update' | 'rollback' | 'heal' | 'clean';

/** The operations that leave an instance incomplete until they finish (see InstanceRecord.pending). */
export type PendingOp = 'create' | 'destroy';

/** A user's change to one service's environment (`key` is the variable name). */
export interface Override {
  service: string;
  key: string;
  value: string;
}

/**
 * The non-secret description of an instance, stored at `<home>/instances/<name>.json`.
 * `state` is the state set by the last operation (live state comes from `status`). `pending` names
 * a create or destroy that began and has not finished: the instance is incomplete until `create`
 * (resumes) or `destroy` is run again; other operations refuse it with STATE.
 */
export interface InstanceRecord {
  version: 1;
  name: string;
  stack: string;
  stackVersion: string;
  /** normalised; never changes after creation */
  domain: string;
  /** ISO time */
  createdAt: string;
  /** the settings the user chose (recipe defaults apply to the rest) */
  settings: Record<string, string>;
  overrides: Override[];
  /** chosen host port (127.0.0.1) by PortSpec name */
  ports: Record<string, number>;
  admin: { user: string; email: string } | null;
  /** the Cloudflare tunnel (no token in it: those are in the SecretStore), null without one */
  tunnel: TunnelRecord | null;
  state: InstanceState;
  pending?: PendingOp;
  /** one-off setup steps of the pending create that already succeeded and must not run twice */
  setupDone?: string[];
  lastError?: { code: ErrorCode; message: string };
  /** Docker volume name by volume key, for volumes a restore made (absent: `engawa-<name>_<key>`) */
  volumes?: Record<string, string>;
  /**
   * The image map given at create (a mirror, local images: official reference → the one to use),
   * kept so every later command and the app use it without being told again; a map given to a
   * later command wins for the images it names. Absent: the official images.
   */
  images?: Record<string, string>;
  /**
   * An update in progress, written before it changes anything and at each phase, so a killed one is
   * finished or rolled back by the next `update` or `start` (see core/update). `from` is the
   * release the instance ran before, `to` the release being installed now, `target` the last of the path.
   */
  update?: UpdateProgress;
  /** the last finished update, kept while its pre-update backup exists: what a manual rollback returns to */
  lastUpdate?: {
    from: string;
    to: string;
    at: string;
    backup: string;
    downtimeMs: number;
    /** when the pre-update backup was made, and its row counts by `service/table` (what a rollback would lose is counted from them) */
    backupAt?: string;
    tables?: Record<string, number>;
  };
  /** volumes in use before each restore, kept until the user confirms the restore (newest last) */
  beforeRestore?: { at: string; backup: string; volumes: Record<string, string> }[];
}

export type UpdatePhase = 'pulling' | 'backing-up' | 'pre-upgrade' | 'switching' | 'post-upgrade' | 'rolling-back';

export interface UpdateProgress {
  /** the release before the update (the pre-update backup's) */
  from: string;
  /** the release the step in progress goes from, and to */
  stepFrom: string;
  to: string;
  target: string;
  phase: UpdatePhase;
  startedAt: string;
  /** the verified pre-update backup, once made, when it was made and its row counts by `service/table` */
  backup?: string;
  backupAt?: string;
  tables?: Record<string, number>;
  /** why a rollback runs */
  failure?: string;
}

/** Input of `InstanceManager.create`. */
export interface CreateInput {
  stack: string;
  /** the stack's release to create on (default its newest): to match another server, and for tests */
  version?: string;
  name: string;
  domain: string;
  settings?: Record<string, string>;
  overrides?: Override[];
  /**
   * The first admin account. Omitted: the recipe's default user with `<user>@<domain>`;
   * null: no admin account is created; `password` omitted: one is generated and returned once.
   */
  admin?: { user: string; email: string; password?: string } | null;
  /** how the server is reached from the internet (default 'none'); checked before anything is written */
  tunnel?: TunnelInput;
  /** create even when Docker has less memory than the stack needs (the user was warned) */
  allowLowMemory?: boolean;
}

export interface OpOptions {
  onProgress?: ProgressSink;
  signal?: AbortSignal;
}
