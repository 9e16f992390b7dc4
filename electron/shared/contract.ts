/**
 * The contract between the renderer and the core: every API method with its input and output,
 * every pushed event with its payload, and the envelope results travel in. Both transports (the
 * Electron preload over IPC, the browser-mode host over WebSocket) carry exactly this.
 *
 * This file imports nothing (DESIGN: shared imports nothing); the renderer imports its types only.
 * The core uses these types where it has the same shape (InstanceStatus, ServiceStats …) and, for
 * its own richer types (Progress, LogLine, the system check), checks at compile time that they
 * still fit (electron/core/api/schemas.ts), so the two cannot drift.
 *
 * Long operations (instance create/start/stop/restart/destroy, backup, verify, restore, update,
 * rollback) answer
 * `{ opId }` at once, then push `op.progress` events tagged with that id and end with exactly one
 * `op.done` or `op.failed`.
 *
 * Secrets never cross the contract, with one exception: `op.done` of a create whose admin password
 * Engawa generated carries it as `result.adminPassword`, sent only to the client that started the
 * create. The renderer shows it once (with a copy button) and must not store it anywhere.
 */

// ---------------------------------------------------------------------------------------------
// Envelope and errors

/** Stable error codes (the renderer translates them as `errors.<CODE>`). */
export type ApiErrorCode =
  | 'ENGINE_UNREACHABLE'
  | 'ENGINE_PERMISSION'
  | 'ENGINE_TOO_OLD'
  | 'IMAGE_MISSING'
  | 'IMAGE_DENIED'
  | 'OFFLINE'
  | 'DISK_FULL'
  | 'LOW_MEMORY'
  | 'UNSUPPORTED'
  | 'CANCELLED'
  | 'TIMEOUT'
  | 'UNHEALTHY'
  | 'TASK_FAILED'
  | 'INVALID_INPUT'
  | 'NAME_TAKEN'
  | 'NOT_FOUND'
  | 'PORT_IN_USE'
  | 'BUSY'
  | 'STATE'
  | 'SECRETS'
  /** an update failed; the server is back on the release and data it had before */
  | 'ROLLED_BACK'
  | 'INTERNAL'
  /** the caller (page, frame or WebSocket client) may not use the API */
  | 'FORBIDDEN'
  /** the browser-mode connection was lost before the answer came (client side only) */
  | 'DISCONNECTED';

/**
 * An error as it crosses a transport: `code` is stable, `message` one plain English sentence,
 * `details` structured facts (for INVALID_INPUT: `{ path, issues }`; for UNHEALTHY: the service
 * and its last log lines …).
 */
export interface ApiError {
  code: ApiErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** Every API result travels in this envelope, so errors keep their code across IPC and WebSocket. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

// ---------------------------------------------------------------------------------------------
// Values

/** What the app tells the renderer about itself. */
export interface AppInfo {
  /** the app's version, from package.json */
  version: string;
  /** Node's `process.platform` of the main process: 'darwin', 'win32', 'linux' … */
  platform: string;
  /** 'electron' in the desktop app, 'browser' when served by `npm run serve` */
  shell: 'electron' | 'browser';
  /** the OS languages in order of preference (BCP 47), for the first choice of language */
  systemLanguages: string[];
}

/** The Docker engine as `system.check` found it. */
export interface EngineSummary {
  /** how it was found: 'DOCKER_HOST', 'context:<name>', 'docker-desktop', 'rootless', 'podman' … */
  source: string;
  /** unix:///path, npipe:////./pipe/x, tcp://host:port */
  endpoint: string;
  version: string;
  apiVersion: string;
  os: string;
  /** 'linux', 'windows' */
  osType: string;
  arch: string;
  cpus: number;
  memoryBytes: number;
  /** free bytes under the engine's data root when it can be known (same host), else undefined */
  freeDiskBytes?: number;
  /** x86-64 SSE4.2 present (recent Misskey images need it); undefined when it cannot be known */
  sse42?: boolean;
  flavor: 'docker' | 'podman';
}

/** One line of the Docker check (the wizard's step 2, `engawa doctor`). */
export interface SystemCheckItem {
  /** 'engine', 'memory', 'cpus', 'disk', 'cpu-features' */
  id: string;
  title: string;
  ok: boolean;
  level: 'error' | 'warn' | 'info';
  detail: string;
  /** why the engine check failed: ENGINE_UNREACHABLE (not installed or not running), ENGINE_PERMISSION … */
  code?: ApiErrorCode;
}

/** Result of `system.check`: `ok` is false when any error-level check failed. */
export interface SystemReport {
  ok: boolean;
  engine?: EngineSummary;
  checks: SystemCheckItem[];
}

/**
 * The engine's clock against this computer's (`system.clock`): `skewMs` > 0 when the engine is ahead;
 * `ok` within 30 s. `fix` when not ok: 'engine-clock' (Docker Desktop: `system.fixClock` sets its VM's
 * clock from this computer's), 'ntp' (a Linux engine: turn on NTP), else null.
 */
export interface ClockInfo {
  skewMs: number;
  /** ISO time of the measurement */
  checkedAt: string;
  ok: boolean;
  fix: 'engine-clock' | 'ntp' | null;
}

/** How full a disk is (`system.disk`): below the warning level Engawa offers a clean-up; below the critical one it acts. */
export type DiskLevel = 'ok' | 'warning' | 'critical';
/** One place measured: where Docker keeps its data (inside Docker Desktop's VM, through a helper container) or the backup folder. */
export interface DiskPlaceInfo {
  place: 'docker' | 'backups';
  /** the backup folder's path; null for Docker's disk */
  path: string | null;
  freeBytes: number;
  totalBytes: number;
  level: DiskLevel;
}
export interface DiskThresholds {
  /** warning below this many free bytes … */
  warnBytes: number;
  /** … or below this share of the disk (whichever is smaller, so a small disk is not always warned) */
  warnPercent: number;
  criticalBytes: number;
}
export interface DiskStatusInfo {
  /** the worst place */
  level: DiskLevel;
  places: DiskPlaceInfo[];
  /** ISO time of the measurement */
  checkedAt: string;
  thresholds: DiskThresholds;
  /** servers the guard stopped to protect their databases, started again once space is back */
  stoppedByGuard: string[];
}

/**
 * Docker Desktop's own "Start Docker Desktop when you sign in" setting, read from its settings file
 * (`system.dockerAutostart`). `enabled` is null when it cannot be known: `reason` 'no-file' (not
 * Docker Desktop, or it never ran on this account), 'unreadable' (the file is not JSON Engawa
 * understands) or 'no-key' (the file does not hold the setting); `file` is the settings file found.
 */
export interface DockerAutostartInfo {
  enabled: boolean | null;
  file: string | null;
  reason?: 'no-file' | 'unreadable' | 'no-key';
}

/** What `system.startDocker` did: whether a program was launched, and how (or what the user can do). */
export interface DockerStartResult {
  /** true when Docker Desktop (or OrbStack) was launched; the wizard's live wait sees it come up */
  started: boolean;
  /** one plain English sentence: what was launched, or what to do (e.g. "sudo systemctl start docker") */
  how: string;
}

/** A network Engawa can run, for the wizard's choice. */
export interface StackInfo {
  id: string;
  name: string;
  /** the upstream version its images are pinned to */
  version: string;
  summary: { en: string; ja: string };
  memoryMiB: number;
  /** whether an admin account is created and its default user name */
  admin: { kind: 'owner-account' | 'none'; defaultUser?: string };
  /** settings the user may choose at creation (name, description, default, pattern) */
  settings: { name: string; description: string; default: string; pattern?: string }[];
  /** machine requirements beyond memory, with a note per language */
  requires: { check: string; note: { en: string; ja: string } }[];
  /** true for recipes that exist only for tests (the wizard hides them unless asked) */
  testOnly: boolean;
}

/** What an instance is doing, as shown in the tray and the dashboard. */
export type InstanceState = 'creating' | 'starting' | 'running' | 'degraded' | 'stopping' | 'stopped' | 'error' | 'destroying' | 'unknown';

/** An instance in the list: its live state when known, else the state of its last operation. */
export interface InstanceSummary {
  name: string;
  stack: string;
  domain: string;
  state: InstanceState;
  /** ISO time */
  createdAt: string;
  /** http://127.0.0.1:<port> of its web service ('' when its stack is no longer known) */
  localUrl: string;
  /** https://<public host>, null until a tunnel exists */
  publicUrl: string | null;
  /** an unfinished create or destroy: run it again (create resumes) or destroy */
  pending?: 'create' | 'destroy';
  lastError?: { code: ApiErrorCode; message: string };
}

/** The non-secret description of one instance. */
export interface InstanceDetails extends InstanceSummary {
  stackVersion: string;
  settings: Record<string, string>;
  /** host ports on 127.0.0.1 by port name */
  ports: Record<string, number>;
  admin: { user: string; email: string } | null;
}

/** The live view of an instance for the dashboard. */
export interface InstanceStatus {
  name: string;
  stack: string;
  domain: string;
  state: InstanceState;
  /** state: Docker's (missing, created, running, exited …); health: none, starting, healthy, unhealthy */
  services: { name: string; state: string; health: string }[];
  /** http://127.0.0.1:<port> */
  localUrl: string;
  /** https://<public host>, null until a tunnel exists */
  publicUrl: string | null;
  error?: { code: ApiErrorCode; message: string };
}

/** One stretch of a server's last days (`instances.history`): up, starting, down, or unknown (the PC slept or Engawa was not running). */
export interface UptimeSegmentInfo {
  /** ISO times */
  from: string;
  to: string;
  kind: 'up' | 'starting' | 'down' | 'unknown';
}

/** A server's last 7 days as uptime segments, with the time of each kind summed (ms). */
export interface InstanceHistory {
  segments: UptimeSegmentInfo[];
  upMs: number;
  startingMs: number;
  downMs: number;
  unknownMs: number;
  /** ISO time it has been up since without a break, null when it is not up now */
  upSince: string | null;
  /** the window (ISO times) */
  from: string;
  to: string;
  /** the watchdog's last actions on this server in the window, newest first: when, what (a WatchAction kind) and why */
  actions?: HistoryActionInfo[];
}

/** One action of the watchdog as the history recorded it. */
export interface HistoryActionInfo {
  at: string;
  kind: string;
  reason: string;
}

/** Resource use of one service right now. */
export interface ServiceStats {
  service: string;
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  netRxBytes: number;
  netTxBytes: number;
}

/** The disk one volume of an instance uses (`instances.disk`). */
export interface VolumeDiskUse {
  /** the Docker volume's name */
  volume: string;
  /** the recipe's name for it (db, media …) */
  key: string;
  /** null when Docker did not measure it */
  bytes: number | null;
  /** what a backup does with it: 'data' is kept, 'cache' is left out by default (fetched again), 'none' never */
  backup: 'data' | 'cache' | 'none';
}

/** The disk an instance's volumes use, from Docker's `/system/df` (asked on request, never polled). */
export interface InstanceDiskUse {
  volumes: VolumeDiskUse[];
  /** the sum of the measured volumes */
  totalBytes: number;
}

/** One line of a container's log. */
export interface LogLine {
  service: string;
  stream: 'stdout' | 'stderr';
  /** ISO timestamp from Docker */
  time: string;
  line: string;
}

/** Progress of a long operation (the core's Progress events). */
export type Progress =
  | { kind: 'step'; step: string; state: 'start' | 'done' | 'skipped' | 'failed'; detail?: string }
  | { kind: 'pull'; image: string; current: number; total: number; layersDone: number; layers: number; status: string }
  | { kind: 'health'; service: string; health: string }
  | { kind: 'log'; line: string }
  /** bytes written or read by a step that is not a pull (backup, restore) */
  | { kind: 'bytes'; step: string; current: number; total: number };

/** The long operations. */
export type OpKind = 'create' | 'start' | 'stop' | 'restart' | 'destroy' | 'backup' | 'restore' | 'verify' | 'inspect' | 'update' | 'rollback' | 'clean';

/** One clean-up task of a server's stack, as the app shows it (`instances.maintenance`). */
export interface MaintenanceTaskInfo {
  id: string;
  /** 'daily': run once a day and by "Clean now"; 'on-demand': by "Clean now" only */
  schedule: 'daily' | 'on-demand';
  /** 'exec': Engawa runs it; 'admin-ui': the admin does it in the server's own admin pages (`where` says how) */
  kind: 'exec' | 'admin-ui';
  /** what it removes, per language */
  removes: { en: string; ja: string };
  /** admin-ui: where the admin does it, per language */
  where?: { en: string; ja: string };
  /** exec: the command as it runs with the server's days setting, e.g. "bin/tootctl media remove --days 7" */
  command?: string;
}

/** How a clean-up ended (`MaintenanceInfo.lastRun`). */
export interface CleanRunInfo {
  /** ISO time it ended */
  at: string;
  trigger: 'schedule' | 'manual' | 'disk-guard';
  /** 'skipped': the server was not running (a clean-up runs in its containers) */
  outcome: 'done' | 'failed' | 'skipped';
  days: number;
  /** the tasks that ran to the end */
  ran: string[];
  cacheBytesBefore: number | null;
  cacheBytesAfter: number | null;
  error?: string;
}

/** A server's cache clean-up (`instances.maintenance`): its tasks, the days setting, the last and next run. */
export interface MaintenanceInfo {
  name: string;
  /** media older than this many days are removed (1–365, default 7) */
  days: number;
  tasks: MaintenanceTaskInfo[];
  /** the recipe volumes the tasks shrink (their sizes are in `instances.disk`) */
  cacheVolumes: string[];
  /** what the app says next to it (why there is nothing to prune, the stack's own settings), per language */
  note: { en: string; ja: string } | null;
  /** local time of the daily run, "HH:MM" */
  dailyAt: string;
  /** ISO time of the next daily run (now or past: due, it runs as soon as the watchdog's process can); null without daily tasks */
  nextRunAt: string | null;
  lastRun: CleanRunInfo | null;
}

/** A running long operation (`ops.list`), so a reloaded page can pick its progress up again. */
export interface OpInfo {
  opId: string;
  op: OpKind;
  instance: string;
  /** ISO time */
  startedAt: string;
  /** false for operations that cannot be stopped safely midway (destroy) */
  cancellable: boolean;
}

/** The app's own settings (not an instance's). */
export interface AppSettings {
  /** the UI, tray and notification language; null follows the OS */
  language: 'en' | 'ja' | null;
  /** start Engawa (in the tray, no window) when the user logs in */
  launchAtLogin: boolean;
  /** desktop notifications when a server fails or a backup ends */
  notifications: boolean;
  /**
   * Linux without a keyring only: the user agreed to keep secrets with Electron's plain-text
   * fallback (readable by anyone with their files). Off by default; without it Engawa refuses.
   */
  allowPlainTextSecrets: boolean;
  /** the disk guard's levels (default 10 GB or 10 %, critical 2 GB); 0.5 ≤ criticalGB < warnGB ≤ 10000, 1 ≤ warnPercent ≤ 50 */
  disk?: { warnGB: number; warnPercent: number; criticalGB: number };
}

// ---------------------------------------------------------------------------------------------
// Backups (values)

/** One backup file (`backups.list`). */
export interface BackupInfo {
  /** absolute path on the computer running Engawa */
  file: string;
  /** the file's name */
  fileName: string;
  instance: string;
  /** ISO time the backup was made */
  createdAt: string;
  bytes: number;
  /** the last restore drill of this file, when one ran */
  drill?: { at: string; ok: boolean; problems: string[] };
}

/** What `backups.list` answers about one instance. */
export interface BackupList {
  /** the folder new backups of this instance go to (the schedule's, else the default) */
  folder: string;
  /** true once a backup passphrase is kept for this instance (the renderer never sees it) */
  passphraseSet: boolean;
  /** data kept from before restores, until `backups.confirmRestore` deletes it */
  beforeRestore: { at: string; backup: string }[];
  /** newest first */
  backups: BackupInfo[];
}

/** How a server in a backup is reached from the internet: 'none' (this computer only) or its tunnel's mode. */
export type BackupTunnelMode = 'none' | 'api' | 'token' | 'login';

/**
 * What `backups.inspect` found in a backup file after checking all of it (every part against its
 * checksum), changing nothing: what a restore would bring back.
 */
export interface BackupPreview {
  /** the absolute path that was checked */
  file: string;
  /** the network: its id, its name and the version the backup was made with */
  stack: string;
  stackName: string;
  stackVersion: string;
  /** the server's name in the backup: the name a restore uses unless told another */
  name: string;
  domain: string;
  /** ISO time the backup was made */
  createdAt: string;
  /** the file's size */
  bytes: number;
  /** the accounts the backup names: the admin user, or the PDS owner's handle */
  accounts: string[];
  /** Bluesky PDS: how many accounts the backup holds, when it counted them */
  accountCount?: number;
  tunnel: BackupTunnelMode;
  /** https://<public host> when the server has a tunnel */
  publicUrl: string | null;
  /**
   * A credential of the tunnel the backup does not hold: `apiToken` (the Cloudflare API token, api
   * mode) or `tunnelToken` (the user's own tunnel, token mode). Restoring it as a new server needs it
   * (`backups.restore`'s `apiToken` / `tunnelToken`); a server it replaces keeps its own.
   */
  tunnelNeeds?: 'apiToken' | 'tunnelToken';
  /**
   * The settings (env variables per service) the backup asks to change, values left out (they may
   * be passwords): `applied` when a restore as a new server sets them (the recipe lets a backup
   * change them), else left out for safety with the reason. Absent when the backup changes none.
   * A server a restore replaces keeps its own settings.
   */
  overrides?: { service: string; key: string; applied: boolean; reason?: 'denied' | 'not-overridable' }[];
}

/** A backup schedule as the user sets it. */
export interface BackupScheduleSettings {
  every: 'daily' | 'weekly';
  /** local time, "HH:MM" */
  at: string;
  /** weekly only: 0 = Sunday … 6 = Saturday */
  weekday?: number;
  /** backups kept in the folder (default 7) */
  keep: number;
  /** the folder (an external drive, a synced folder …) */
  folder: string;
  /** run a restore drill after each backup */
  drill: boolean;
}

/** What `backups.schedule.get|set` answer. */
export interface BackupScheduleInfo {
  /** null: no scheduled backups */
  schedule: BackupScheduleSettings | null;
  /** ISO time of the next scheduled backup, null when none is due */
  nextRun: string | null;
  /** the folder used when none is chosen */
  defaultFolder: string;
}

// ---------------------------------------------------------------------------------------------
// Server updates (values): a server runs one release of its network; Engawa ships newer ones

/** One release on the way of an update. */
export interface UpdateStepInfo {
  from: string;
  to: string;
  /** a security release */
  security: boolean;
  /** the release notes (https) */
  notesUrl?: string;
  /** the services recreated on the new release */
  services: string[];
  /** storage whose data is moved to a new format (a database major version): a longer downtime */
  dataMoves: string[];
}

/** What `updates.list` says about one server; nothing is changed by asking. */
export interface InstanceUpdateInfo {
  name: string;
  stack: string;
  /** the release it runs */
  current: string;
  /** the newest release it can reach; absent when it is up to date */
  target?: string;
  /** the releases on the way (empty when up to date) */
  steps: UpdateStepInfo[];
  /** a security release is on the way */
  security: boolean;
  /** the newest release of the network this Engawa has, even when the server cannot reach it straight */
  newest: string;
  /** about how much the new programs download (0 when unknown) */
  downloadBytes: number;
  /** about how long the server is down, in seconds */
  downtimeS: number;
  /** an update that began and did not finish: the next start or update finishes it or goes back */
  unfinished?: { to: string; phase: string };
  /**
   * The last update, while it can be undone (its pre-update backup is kept): `to` is the release a
   * rollback returns to, `updatedTo` the one the update installed, `downtimeMs` how long the server was down.
   */
  rollback?: { to: string; updatedTo: string; backup: string; at: string; downtimeMs: number };
  /** a backup passphrase is kept for this server (an update makes a backup first and needs it) */
  passphraseKept: boolean;
  /** this Engawa cannot tell (it does not know the server's network or release): why */
  error?: ApiError;
}

/** How a server takes new releases (`updates.policy.get|set`). */
export type UpdatePolicyMode = 'notify' | 'auto-security';

/** What `updates.policy.get|set` answer. */
export interface UpdatePolicyInfo {
  /**
   * 'notify' (the default): the app and the tray tell of a new release, nothing changes by itself;
   * 'auto-security': a security release is installed by itself at `at`, with the backup first
   */
  mode: UpdatePolicyMode;
  /** the local time (HH:MM) of the daily check for 'auto-security', else null */
  at: string | null;
  /** ISO time of the next automatic check, null when none is due */
  nextRun: string | null;
}

// ---------------------------------------------------------------------------------------------
// The outside-in check ("Can the world reach me?", values): the public server as others see it

/** One item of a check: a probe of the stack (per account where it is per account) or one every stack has. */
export interface CheckItemInfo {
  /** stable: the probe's id (`<id>:<did>` per account, `certificate:<host>` per name) or tunnel, dns, clock, cache … */
  id: string;
  /** 'note': something to know, not a test (the upload limit) */
  kind: 'check' | 'note';
  /** 'unknown': not checked (a relay that does not answer, a step that needed an earlier one) */
  pass: boolean | 'unknown';
  /** a stable key of what the message says (the app translates it): the failure's advice when it failed */
  adviceKey: string;
  /** one plain English sentence: what is wrong and the fix, or what works */
  message: string;
  /** what was asked and answered (the body's first 300 characters, secrets redacted) */
  details: {
    request: { method: string; url: string; as: 'browser' | 'fediverse' | 'atproto' } | null;
    status: number | null;
    contentType: string | null;
    bodyExcerpt: string | null;
  };
}

/** What `checks.run` and `checks.last` answer. */
export interface CheckResultInfo {
  version: 1;
  instance: string;
  stack: string;
  /** https://<public host>, null without a tunnel */
  publicUrl: string | null;
  /** ISO time the check began */
  checkedAt: string;
  durationMs: number;
  /** no item failed */
  ok: boolean;
  counts: { passed: number; failed: number; unknown: number };
  items: CheckItemInfo[];
}

/** How one relay took `checks.requestCrawl`. */
export interface CrawlAnswerInfo {
  relay: string;
  ok: boolean;
  message: string;
}

/** What the watchdog did, or saw that needs a person (`watch.action`). */
export interface WatchActionInfo {
  /** null: the engine as a whole */
  instance: string | null;
  /** null: the whole instance or the engine */
  service: string | null;
  /**
   * restart: a service stayed unhealthy past its grace (or was not ready at a re-check) and was restarted;
   * give-up: still unhealthy after as many restarts as allowed (a problem for a person, with its last lines);
   * recheck: a re-check after a wake, a network change or Docker back; skip: a due restart was not made;
   * engine-down / engine-back: Docker cannot be reached / answers again;
   * disk-warning / disk-critical: a disk fell below a level (instance null); disk-clean: a server's clean-up ran
   * because Docker's disk is critical; disk-stop / disk-start: the disk guard stopped a server / started it again
   */
  kind:
    'restart' | 'give-up' | 'recheck' | 'skip' | 'engine-down' | 'engine-back' | 'disk-warning' | 'disk-clean' | 'disk-critical' | 'disk-stop' | 'disk-start';
  /** one sentence for a person */
  reason: string;
  /** ISO time */
  at: string;
  /** give-up: the service's last log lines, secrets redacted */
  lastLogLines?: string[];
}

/** What `updates.rollback` would do, changing nothing: the release and backup it returns to, and what would be lost. */
export interface RollbackPreviewInfo {
  name: string;
  current: string;
  /** the release it goes back to */
  to: string;
  /** the pre-update backup it restores, and when it was made (ISO time) */
  backup: string;
  backupAt: string;
  /** rows by `service/table` at the backup and now (-1: not measured): what was added since is lost */
  since: { table: string; then: number; now: number }[];
}

// ---------------------------------------------------------------------------------------------
// Cloudflare Tunnel (values of the tunnel.* methods and the tunnel choice of instances.create)

/**
 * How a new server is reached from the internet. Tokens are sent once, with `instances.create` or
 * `tunnel.verifyToken`; the core keeps them in its secret store and never sends them back (not in
 * answers, events, errors or logs). The renderer keeps them in memory only, never in storage.
 * - `api`: Engawa makes the tunnel with the user's Cloudflare API token, in `zone`;
 * - `token`: the user's own tunnel (made in Cloudflare's dashboard), its connector token pasted;
 * - `login`: the user signs in with Cloudflare in the browser; the sign-in link arrives as the
 *   `detail` (an https:// URL) of a `step` progress event of the create ("Sign in to Cloudflare").
 * `hostname`, when given, must be the server's public host (`tunnel.preview`'s `publicHost`).
 */
export type TunnelChoiceInput =
  | { mode: 'none' }
  | { mode: 'api'; apiToken: string; zone: string; hostname?: string }
  | { mode: 'token'; tunnelToken: string; hostname: string }
  | { mode: 'login'; hostname?: string };

/** The three permissions of the API token: Cloudflare Tunnel Edit, DNS Edit, Zone Read. */
export type CloudflarePermission = 'tunnel' | 'dns' | 'zone';

/** Where to create the API token: Cloudflare's form pre-filled, and the rows to tick if it is not. */
export interface TunnelTokenPage {
  /** https://dash.cloudflare.com/… with the three permissions pre-filled */
  url: string;
  /** the permissions in the words of Cloudflare's form, e.g. "Zone → DNS → Edit" */
  checklist: { permission: CloudflarePermission; label: string }[];
}

/** A domain (zone) of the user's Cloudflare account. */
export interface CloudflareZoneInfo {
  name: string;
  /** 'active' can be used; 'pending' waits for the registrar to use `nameServers` */
  status: string;
  nameServers: string[];
}

/** What `tunnel.verifyToken` found, changing nothing at Cloudflare. */
export interface TunnelTokenCheck {
  zones: CloudflareZoneInfo[];
  /** permissions the token lacks (empty: it can do everything Engawa needs) */
  missing: { permission: CloudflarePermission; label: string }[];
}

/** A passphrase's rough strength (`backups.passphraseStrength`): the minimum length, then a hint, never a gate beyond it. */
export interface PassphraseStrengthInfo {
  strength: 'too-short' | 'weak' | 'fair' | 'strong';
  minLength: number;
}

/** One public hostname to enter in Cloudflare's dashboard (token mode), in order: first match wins. */
export interface TunnelRoute {
  hostname: string;
  path?: string;
  /** e.g. http://web:8080 */
  service: string;
}

/** What a tunnel for a server of `stack` at `domain` would route (`tunnel.preview`: nothing is made). */
export interface TunnelPreview {
  /** the server's public host: it answers at https://<publicHost> */
  publicHost: string;
  /** every public host name routed to the server (each needs a DNS record) */
  hostnames: string[];
  routes: TunnelRoute[];
}

/** Stable advice codes of `tunnel.status` (the renderer translates `tunnelStatus.problem.<code>`). */
export type TunnelProblemCode =
  | 'connector-missing'
  | 'connector-unhealthy'
  | 'tunnel-down'
  | 'api-unavailable'
  | 'connector-offline'
  | 'server-not-ready'
  | 'security-setting'
  | 'dns-elsewhere'
  | 'unreachable'
  | 'unexpected';

/** A tunnel's health from three signals: the connector, Cloudflare's view (api mode), an HTTPS probe. */
export interface TunnelStatusInfo {
  mode: 'api' | 'token' | 'login';
  ok: boolean;
  publicUrl: string;
  /** the connector container: state (running, exited, missing …) and health */
  connector: { state: string; health: string };
  /** Cloudflare's view of the tunnel (api mode only); `error` when it could not be asked */
  cloudflare?: { status: string; connections: number } | { error: { code: string; message: string } };
  /** a GET of the public URL's health path, as a visitor would make it */
  probe: { ok: boolean; status?: number; problem?: TunnelProblemCode };
  /** what is wrong, each with one plain English sentence of advice */
  problems: { problem: TunnelProblemCode; message: string }[];
  /** token mode: what must be entered in Cloudflare's dashboard */
  routes?: TunnelRoute[];
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** Names one instance. */
export interface InstanceRef {
  name: string;
}

/** Input of `instances.create`. */
export interface CreateInstanceInput {
  stack: string;
  /** 1–63 letters, digits, - or _; starts with a letter or digit */
  name: string;
  /** never changes after creation */
  domain: string;
  /** recipe settings by name (defaults apply to the rest) */
  settings?: Record<string, string>;
  /**
   * The first admin account. Omitted: the stack's default user with `<user>@<domain>`; null: none;
   * `password` omitted: Engawa generates one and returns it once in `op.done`.
   */
  admin?: { user: string; email: string; password?: string } | null;
  /** create even though Docker has less memory than the stack needs (after a LOW_MEMORY answer) */
  allowLowMemory?: boolean;
  /** how the server is reached from the internet (default: this computer only); see TunnelChoiceInput */
  tunnel?: TunnelChoiceInput;
  /** the network's release to create it on (default its newest): to match another server, and for tests */
  version?: string;
}

/** Input of `instances.logs.subscribe`. */
export interface LogsSubscribeInput {
  name: string;
  /** one service only; all when omitted */
  service?: string;
  /** lines of history to send first (default 200) */
  tail?: number;
}

// ---------------------------------------------------------------------------------------------
// Methods

/** Every API method: its input (`undefined` when it takes none) and its output. */
export interface ApiMethods {
  'app.info': { input: undefined; output: AppInfo };
  'system.check': { input: undefined; output: SystemReport };
  /** launches Docker Desktop (or the OS's equivalent) when it can; `started: false` with advice otherwise */
  'system.startDocker': { input: undefined; output: DockerStartResult };
  /** the last measurement of the engine's clock (measured now when none is known or it is old); null when it cannot be measured */
  'system.clock': { input: undefined; output: ClockInfo | null };
  /** sets Docker Desktop's VM clock from this computer's (STATE on any other engine) and answers the new measurement */
  'system.fixClock': { input: undefined; output: ClockInfo | null };
  /** free space where Docker keeps its data and where backups go (measured now when the last measurement is old); null when unknown */
  'system.disk': { input: undefined; output: DiskStatusInfo | null };
  /** Docker Desktop's "start when you sign in" setting, from its settings file */
  'system.dockerAutostart': { input: undefined; output: DockerAutostartInfo };
  /** turns that setting on or off, changing only its key in the file (STATE, changing nothing, when the file is missing or unreadable) */
  'system.setDockerAutostart': { input: { enabled: boolean }; output: DockerAutostartInfo };
  /** the page saw the network come back (`window` `online`): the core re-checks every running server (debounced) */
  'system.networkChanged': { input: undefined; output: null };
  'stacks.list': { input: undefined; output: StackInfo[] };
  'instances.list': { input: undefined; output: InstanceSummary[] };
  'instances.get': { input: InstanceRef; output: InstanceDetails };
  'instances.status': { input: InstanceRef; output: InstanceStatus };
  'instances.create': { input: CreateInstanceInput; output: { opId: string } };
  'instances.start': { input: InstanceRef; output: { opId: string } };
  'instances.stop': { input: InstanceRef; output: { opId: string } };
  'instances.restart': { input: InstanceRef; output: { opId: string } };
  'instances.destroy': { input: InstanceRef; output: { opId: string } };
  /** starts pushing `logs.line` events to this client only, until unsubscribed or `logs.end` */
  'instances.logs.subscribe': { input: LogsSubscribeInput; output: { subscriptionId: string } };
  'instances.logs.unsubscribe': { input: { subscriptionId: string }; output: null };
  'instances.stats': { input: InstanceRef; output: ServiceStats[] };
  /** disk use of the instance's volumes (Docker measures every volume: ask on request only) */
  'instances.disk': { input: InstanceRef; output: InstanceDiskUse };
  /** runs the server's clean-up tasks now (OpKind 'clean', progress per task; the op.done result has the cache's size before and after) */
  'instances.clean': { input: InstanceRef; output: { opId: string } };
  /** the server's cache clean-up: tasks, days setting, last and next run */
  'instances.maintenance': { input: InstanceRef; output: MaintenanceInfo };
  /** sets the days the clean-up keeps (a whole number from 1 to 365; INVALID_INPUT naming the range otherwise) */
  'instances.maintenance.set': { input: { name: string; days: number }; output: MaintenanceInfo };
  /** the last 7 days' uptime, from the server's recorded history */
  'instances.history': { input: InstanceRef; output: InstanceHistory };
  /** writes a docker-compose project into `dir` (a folder on the computer running Engawa) */
  'instances.exportCompose': { input: { name: string; dir: string }; output: { dir: string; files: string[] } };
  'settings.get': { input: undefined; output: AppSettings };
  /** changes some settings; answers all of them */
  'settings.set': { input: Partial<AppSettings>; output: AppSettings };
  'ops.list': { input: undefined; output: OpInfo[] };
  /** asks a running operation to stop; `cancelled` is false when it is unknown, finished or not cancellable */
  'ops.cancel': { input: { opId: string }; output: { cancelled: boolean } };
  // Backups: create, verify and restore are long operations (OpKind 'backup' | 'verify' | 'restore').
  // A passphrase given once is kept in the SecretStore for that instance (scheduled backups, tray).
  'backups.list': { input: InstanceRef; output: BackupList };
  /** how strong a passphrase being chosen is, for the hint beside its field (nothing is kept or logged) */
  'backups.passphraseStrength': { input: { passphrase: string }; output: PassphraseStrengthInfo };
  /** `passphrase` (12+ characters) is needed the first time and replaces the kept one when given */
  'backups.create': { input: { name: string; passphrase?: string; includeCache?: boolean }; output: { opId: string } };
  /** checks the file; `drill` also restores it into a temporary copy. Without `passphrase`: the kept one of its instance */
  'backups.verify': { input: { file: string; drill?: boolean; passphrase?: string }; output: { opId: string } };
  /**
   * replaces the instance's data with the backup's (same domain, same identity); the old data is kept until confirmRestore.
   * Without an instance of that name it makes one (a new computer). `keepPassphrase: false`: the passphrase opens this
   * file only and is not kept for later backups. `apiToken` / `tunnelToken`: the tunnel credential the backup lacks
   * (BackupPreview.tunnelNeeds), kept as the new server's secret as `instances.create` keeps it.
   */
  'backups.restore': {
    input: { file: string; name?: string; passphrase?: string; keepPassphrase?: boolean; apiToken?: string; tunnelToken?: string };
    output: { opId: string };
  };
  /**
   * checks the whole file with `passphrase` and says what it holds, as a long operation (OpKind 'inspect', with byte
   * progress, cancellable): its `op.done` result carries `preview` to the caller. Changes nothing, keeps nothing. A path
   * that is not a backup file's is refused at once; a wrong passphrase or a damaged file fails the operation.
   */
  'backups.inspect': { input: { file: string; passphrase: string }; output: { opId: string } };
  /**
   * the desktop app's file chooser for a backup file: its path, or null when the user cancelled. Where there is
   * none (browser mode: the page cannot learn a local path) it answers STATE with `details.reason` 'no-file-dialog'.
   */
  'backups.chooseFile': { input: undefined; output: { file: string | null } };
  /** deletes the data kept from before restores; answers how many volumes went */
  'backups.confirmRestore': { input: InstanceRef; output: { removed: number } };
  'backups.schedule.get': { input: InstanceRef; output: BackupScheduleInfo };
  /** `schedule: null` turns scheduled backups off */
  'backups.schedule.set': { input: { name: string; schedule: BackupScheduleSettings | null }; output: BackupScheduleInfo };
  // Server updates: run and rollback are long operations (OpKind 'update' | 'rollback'). Both need the backup
  // passphrase (an update backs the server up first; a rollback restores that backup): the kept one unless given.
  // Without either they answer INVALID_INPUT with `details.reason` 'passphrase-needed' and start nothing.
  /** every server's update: the release it runs, the newest it can reach, the last update while it can be undone */
  'updates.list': { input: undefined; output: InstanceUpdateInfo[] };
  /**
   * updates the server to `to` (default: the newest it can reach), or finishes an interrupted update; a backup is made
   * first. A failed update goes back by itself and fails with ROLLED_BACK (`details`: from, to, service, lastLogLines).
   * A `passphrase` given is kept for the server's backups, as `backups.create` keeps it.
   */
  'updates.run': { input: { name: string; to?: string; passphrase?: string }; output: { opId: string } };
  /** what going back from the last update would do and lose, changing nothing */
  'updates.rollbackPreview': { input: InstanceRef; output: RollbackPreviewInfo };
  /** back to the release and data from before the last update (its pre-update backup); `passphrase` is not kept */
  'updates.rollback': { input: { name: string; passphrase?: string }; output: { opId: string } };
  /** keeps the release: the rollback offer goes, its backup returns to the usual retention; answers how many volumes went */
  'updates.confirm': { input: InstanceRef; output: { removed: number } };
  /** how the server takes new releases */
  'updates.policy.get': { input: InstanceRef; output: UpdatePolicyInfo };
  /**
   * 'auto-security' needs the backup passphrase kept (the automatic update backs up first): a `passphrase` given is
   * kept, as `backups.create` keeps it; without either it answers INVALID_INPUT (`details.reason` 'passphrase-needed')
   */
  'updates.policy.set': { input: { name: string; mode: UpdatePolicyMode; at?: string; passphrase?: string }; output: UpdatePolicyInfo };
  // The outside-in check: requests go only to the server's own public names and its relay, never with credentials
  /** checks the server from the outside now (about 10–30 s; one at a time per server: a second call joins the first) */
  'checks.run': { input: InstanceRef; output: CheckResultInfo };
  /** the last check kept for the server, null when it has not been checked */
  'checks.last': { input: InstanceRef; output: CheckResultInfo | null };
  /** a Bluesky PDS: asks its relays to crawl it (what fixes a relay that does not know its repos); STATE for other servers */
  'checks.requestCrawl': { input: InstanceRef; output: CrawlAnswerInfo[] };
  // Cloudflare Tunnel
  /** the Cloudflare page that makes the API token, pre-filled, with a checklist */
  'tunnel.tokenPage': { input: undefined; output: TunnelTokenPage };
  /** checks an API token (nothing is created or stored): its zones and missing permissions */
  'tunnel.verifyToken': { input: { apiToken: string }; output: TunnelTokenCheck };
  /** what a tunnel would route for a server of `stack` at `domain` (no Cloudflare call) */
  'tunnel.preview': { input: { stack: string; domain: string; settings?: Record<string, string> }; output: TunnelPreview };
  /** the tunnel's health now (asked on request, never polled); STATE when the server has no tunnel */
  'tunnel.status': { input: InstanceRef; output: TunnelStatusInfo };
}

/** Every API method, by name. Preload, IPC adapter, host and dispatcher loop over this list. */
export const API_METHODS = [
  'app.info',
  'system.check',
  'system.startDocker',
  'system.clock',
  'system.fixClock',
  'system.disk',
  'system.dockerAutostart',
  'system.setDockerAutostart',
  'system.networkChanged',
  'stacks.list',
  'instances.list',
  'instances.get',
  'instances.status',
  'instances.create',
  'instances.start',
  'instances.stop',
  'instances.restart',
  'instances.destroy',
  'instances.logs.subscribe',
  'instances.logs.unsubscribe',
  'instances.stats',
  'instances.disk',
  'instances.clean',
  'instances.maintenance',
  'instances.maintenance.set',
  'instances.history',
  'instances.exportCompose',
  'settings.get',
  'settings.set',
  'ops.list',
  'ops.cancel',
  'backups.list',
  'backups.passphraseStrength',
  'backups.create',
  'backups.verify',
  'backups.restore',
  'backups.inspect',
  'backups.chooseFile',
  'backups.confirmRestore',
  'backups.schedule.get',
  'backups.schedule.set',
  'updates.list',
  'updates.run',
  'updates.rollbackPreview',
  'updates.rollback',
  'updates.confirm',
  'updates.policy.get',
  'updates.policy.set',
  'checks.run',
  'checks.last',
  'checks.requestCrawl',
  'tunnel.tokenPage',
  'tunnel.verifyToken',
  'tunnel.preview',
  'tunnel.status',
] as const satisfies readonly (keyof ApiMethods)[];

/** The name of one API method. */
export type ApiMethod = (typeof API_METHODS)[number];
/** What a method takes. */
export type ApiInput<M extends ApiMethod> = ApiMethods[M]['input'];
/** What a method resolves to. */
export type ApiOutput<M extends ApiMethod> = ApiMethods[M]['output'];
/** Call arguments after the method name: none for methods without input. */
export type ApiArgs<M extends ApiMethod> = ApiInput<M> extends undefined ? [] : [input: ApiInput<M>];

// ---------------------------------------------------------------------------------------------
// Events

/** What `op.done` carries to the initiating client only: for create, the generated admin password; for inspect, the preview. */
export interface OpResult {
  adminPassword?: string;
  /** inspect: what the backup file holds */
  preview?: BackupPreview;
  /** restore as a new server: the backup's settings left out for safety (names only; values may be passwords) */
  droppedOverrides?: { service: string; key: string; reason: 'denied' | 'not-overridable' }[];
  /** clean: the size of the cache volumes before and after (null: not measured) */
  cacheBytesBefore?: number | null;
  cacheBytesAfter?: number | null;
}

/** Every pushed event and its payload. */
export interface ApiEvents {
  'op.progress': { opId: string; op: OpKind; instance: string; progress: Progress };
  'op.done': { opId: string; op: OpKind; instance: string; result?: OpResult };
  'op.failed': { opId: string; op: OpKind; instance: string; error: ApiError };
  /** an instance's state changed (from Docker's events or an operation; never polled) */
  'instance.state': { name: string; state: InstanceState };
  /** a log line of a subscription of this client */
  'logs.line': { subscriptionId: string; line: LogLine };
  /** a subscription ended (the instance went away, or Docker failed): `error` says why */
  'logs.end': { subscriptionId: string; error?: ApiError };
  'settings.changed': AppSettings;
  /**
   * the desktop shell asks the window to show a place: a server's Backups tab, asking for its passphrase (the tray's
   * Back up now), or its dashboard's overview (the tray's security update item: the update card is there)
   */
  'app.show': { instance: string; tab: 'backups'; ask: 'passphrase' } | { instance: string; tab: 'overview' };
  /** the watchdog acted (a restart, a give-up, a re-check …) or saw something a person must know; see WatchActionInfo */
  'watch.action': WatchActionInfo;
  /** the engine's clock verdict changed (ok ↔ off, or the fix that fits) */
  'clock.changed': ClockInfo;
  /** the level of a disk place changed, or the servers the disk guard stopped changed */
  'disk.changed': DiskStatusInfo;
  /** a check of a server ended (asked for, or the daily one); `previousOk`: the check before it (null: none) */
  'check.done': { name: string; ok: boolean; previousOk: boolean | null; failed: number; checkedAt: string };
  // Backups end with op.done / op.failed (op 'backup'), which also raise notifications. The tunnel's
  // state is asked for (tunnel.status), not pushed.
}

/** Every event, by name. The preload accepts listeners for these only. */
export const API_EVENTS = [
  'op.progress',
  'op.done',
  'op.failed',
  'instance.state',
  'logs.line',
  'logs.end',
  'settings.changed',
  'app.show',
  'check.done',
  'watch.action',
  'clock.changed',
  'disk.changed',
] as const satisfies readonly (keyof ApiEvents)[];

/** The name of one event. */
export type ApiEventName = (typeof API_EVENTS)[number];

/** One pushed event, as both transports carry it. */
export type ApiEventMessage = { [E in ApiEventName]: { event: E; payload: ApiEvents[E] } }[ApiEventName];

// Compile-time checks that the lists name every key (and nothing else).
type Missing<All, Listed> = Exclude<All, Listed>;
const _everyMethodListed: Missing<keyof ApiMethods, ApiMethod> extends never ? true : never = true;
const _everyEventListed: Missing<keyof ApiEvents, ApiEventName> extends never ? true : never = true;

// ---------------------------------------------------------------------------------------------
// Transports

/** The IPC channel a method is invoked on. */
export function ipcChannel(method: ApiMethod): `api:${ApiMethod}` {
  return `api:${method}`;
}

/** The IPC channel every event is pushed on, as an `ApiEventMessage`. */
export const IPC_EVENT_CHANNEL = 'api:event';

/**
 * The transport both shells give the renderer: `window.engawa` (Electron preload) and the
 * browser-mode WebSocket client implement it. `invoke` resolves to the envelope (it never rejects
 * for an API error); `on` returns a function that removes the listener.
 * The renderer wraps it with `createApi` (renderer/src/api/client.ts), which throws on errors.
 */
export interface EngawaTransport {
  invoke<M extends ApiMethod>(method: M, input?: ApiInput<M>): Promise<ApiResult<ApiOutput<M>>>;
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

/** Messages of the browser-mode WebSocket protocol (JSON text frames). */
export type WsClientMessage = { id: number; method: string; input?: unknown };
export type WsServerMessage = { id: number; result: ApiResult<unknown> } | ({ id?: undefined } & ApiEventMessage);

/** Query parameter carrying the browser-mode host's token in the page URL and the socket URL. */
export const HOST_TOKEN_PARAM = 'token';
/** Path of the browser-mode host's WebSocket endpoint. */
export const HOST_SOCKET_PATH = '/api';
