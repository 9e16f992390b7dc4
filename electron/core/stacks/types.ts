/**
 * A recipe is the data that describes one network's server (Mastodon, Misskey, Bluesky PDS, or the
 * test stack): its services, pinned images, secrets, setup steps, ingress, backups and upgrades.
 * `plan(recipe, choices)` (stacks/plan.ts) turns it into the full desired state; the engine applies it.
 * The shapes a recipe shares with the plan (health checks, setup and HTTP steps, ingress) live in
 * plan/types.ts.
 *
 * Strings in env values, commands, file contents and ingress hostnames are templates. Placeholders:
 *   {{domain}}            the instance's domain (never changes after creation)
 *   {{host.<name>}}       a hostname from `recipe.hosts` resolved for this domain (e.g. pds.example.com)
 *   {{instance}}          the instance name;   {{project}}  the compose project name
 *   {{secret.<name>}}     a generated or user-given secret (values from these are redacted in output)
 *   {{setting.<name>}}    a user setting (recipe.settings), with its default
 *   {{service.<name>}}    the DNS name of another service on the instance network (its service name)
 * Anything else between {{ }} is an error in the recipe (tested).
 */
import type { HealthcheckSpec, HttpStep, IngressRule, SetupStep } from '../plan/types';

/** How a secret is generated. Generators live in stacks/secrets.ts; all run in Node, no external tools. */
export type SecretKind =
  | { type: 'hex'; bytes: number } // lowercase hex of `bytes` random bytes
  | { type: 'base64url'; bytes: number }
  | { type: 'alnum'; length: number } // [A-Za-z0-9], e.g. database passwords safe in URLs and env files
  | { type: 'password'; length: number } // strong human-copyable password for an admin account
  | { type: 'secp256k1-hex' } // a valid secp256k1 private scalar, 64 hex chars
  | { type: 'vapid-private' } // P-256 private key, base64url (Mastodon VAPID_PRIVATE_KEY)
  | { type: 'vapid-public'; from: string }; // public key derived from the named vapid-private secret

export interface SecretSpec {
  name: string;
  kind: SecretKind;
  /** shown in `plan` and the UI; never the value */
  description: string;
  /** the user may supply it (e.g. --admin-password-file); otherwise generated */
  userSupplied?: boolean;
}

export interface SettingSpec {
  name: string;
  description: string;
  default: string;
  /** optional validation, a JS regular expression source the whole value must match */
  pattern?: string;
}

export interface MountSpec {
  /** a volume declared in recipe.volumes */
  volume: string;
  target: string;
  readOnly?: boolean;
}

export interface PortSpec {
  /** the port inside the container */
  container: number;
  /** a stable key the instance stores its chosen host port under (published on 127.0.0.1 only) */
  name: string;
}

/** A file written into the container before it first starts (config files such as Misskey's default.yml). */
export interface FileSpec {
  path: string;
  /** template */
  content: string;
  mode?: number;
  /** numeric owner inside the container */
  uid?: number;
  gid?: number;
}

export interface ServiceSpec {
  name: string;
  /** the official image, pinned to an exact tested tag (or digest); never a floating tag */
  image: string;
  command?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
  mounts?: MountSpec[];
  ports?: PortSpec[];
  healthcheck?: HealthcheckSpec;
  dependsOn?: { service: string; condition: 'healthy' | 'started' }[];
  files?: FileSpec[];
  /** default true: tini as PID 1 so `docker stop` is quick */
  init?: boolean;
  stopTimeoutS?: number;
  /**
   * How long the service may stay unhealthy before the watchdog restarts it (Docker restarts a
   * crashed container, never an unhealthy one); default 120 s (core/watch)
   */
  unhealthyGraceS?: number;
  /** soft advice for the wizard and `doctor` */
  memoryMiB?: number;
  /**
   * The env variables a backup's overrides may set on this service: exact names, or a prefix
   * followed by `*` (`SMTP_*`). Absent: none. Others from a backup are dropped and reported; the
   * user's own `--set` is not limited by it, but no one may set a variable of the hard deny list
   * (stacks/overrides.ts: NODE_OPTIONS, LD_*, TUNNEL_*…), even one listed here.
   */
  overridable?: string[];
  /**
   * The Linux capabilities the image needs, added back after all are dropped (CapDrop ALL; with
   * no-new-privileges for every container). Absent: none, for images that run as their own user.
   * Names as Docker takes them, without the CAP_ prefix (`CHOWN`, `SETUID`).
   */
  capAdd?: string[];
  /**
   * The env variables that may carry a secret, each with why it cannot be a file (the image reads
   * it from the environment only). `plan()` refuses a secret in any other variable, and in commands:
   * a secret the image can read from a file goes into `files` (0400) instead (stacks/secret-env.ts).
   */
  envSecrets?: Record<string, string>;
}

export interface VolumeSpec {
  name: string;
  description: string;
  /** what a backup does with it: 'data' is kept, 'cache' is excluded by default, 'none' never */
  backup: 'data' | 'cache' | 'none';
  /** chown the volume root before first start (e.g. Mastodon's uploads owned by 991) */
  ownerUid?: number;
  ownerGid?: number;
}

/** Where the instance answers locally (127.0.0.1:port) and which path says it is healthy. */
export interface WebSpec {
  service: string;
  /** the name of the PortSpec that is published for local access */
  port: string;
  healthPath: string;
  /** the public URL's host (template), e.g. '{{domain}}' or '{{host.pds}}' */
  publicHost: string;
}

export interface AdminSpec {
  /** what the admin account is called in this network, for the wizard */
  kind: 'owner-account' | 'none';
  /** the secret that holds the admin's password */
  passwordSecret?: string;
  defaultUser?: string;
}

/** Something the machine must have for a stack; the wizard and `doctor` check it and show `note`. */
export interface Requirement {
  /** 'x86-64-sse4.2': an x86-64 engine's CPU must have SSE4.2 (EngineInfo.sse42); ARM64 is unaffected */
  check: 'x86-64-sse4.2';
  /** why, for the user, per language */
  note: { en: string; ja: string };
}

/** A database a backup dumps with its own tool (see core/backup); its service's volumes are not copied as files. */
export interface DatabaseBackup {
  service: string;
  kind: 'postgres';
  user: string;
  db: string;
  /** the secret holding the user's password, when the server wants one on its local socket */
  passwordSecret?: string;
  /** key tables whose row counts the restore drill compares with those at backup time */
  tables?: string[];
}

/** What a backup of this stack holds besides its 'data' volumes, and how to take it consistently. */
export interface BackupSpec {
  databases?: DatabaseBackup[];
  /** services stopped while the volumes are copied (their files are not consistent while they run) */
  stopServices?: string[];
  /** an extra data check of the restore drill: 'atproto-pds' counts accounts and records over XRPC */
  probe?: 'atproto-pds';
}

/**
 * One release of a stack that this Engawa can run and update to (see stacks/releases.ts). The
 * newest is the recipe itself; an older one lists how its services differed from the recipe's.
 */
export interface StackRelease {
  /** the upstream version, e.g. 'v4.7.4' */
  version: string;
  /** how this release's services differ from the recipe's (older releases only): image, env (null removes), command, health check */
  services?: Record<string, { image?: string; env?: Record<string, string | null>; command?: string[]; healthcheck?: HealthcheckSpec }>;
  /** the release notes */
  notesUrl?: string;
  /** a security release (the app says so, and may install it by itself) */
  security?: boolean;
  /** the releases that may update straight to this one; absent: any older one */
  from?: string[];
  /** volumes whose data format changes on the way to this release (a PostgreSQL major): moved by dump and restore into fresh volumes */
  dataMoves?: string[];
  /** how long the switch may take to become healthy (a stack that migrates at start); default 180 s */
  switchTimeoutMs?: number;
  /** about how much the new images download, for the disk check and the estimate shown */
  downloadMiB?: number;
}

/** Who a check probe asks as (its User-Agent): a browser, a fediverse server (Mastodon's http.rb), or an AT Protocol client. */
export type CheckAgent = 'browser' | 'fediverse' | 'atproto';

/**
 * What the answer to a check probe must be to pass. Paths into JSON answers are dotted names with
 * list selectors: `links[rel=self,type=application/activity+json].href` (the first match),
 * `links[0].href`, `repos[].did` (every item), `links[rel^=http://nodeinfo…]` (a prefix).
 */
export interface CheckExpect {
  status: number;
  /** a regular expression the Content-Type must match (e.g. `json`) */
  contentType?: string;
  /** JSON values that must equal a template, by path (non-string values compare as their JSON text) */
  equals?: Record<string, string>;
  /** JSON values that must be there and not empty, by path */
  present?: string[];
  /** JSON lists (by path) that must hold a template's value */
  contains?: Record<string, string>;
  /** the whole body, trimmed, must equal this template */
  text?: string;
  /** the body must include this template */
  includes?: string;
}

/**
 * One request of the outside-in check (core/check: "Can the world reach me?"), made the way other
 * servers and apps make it, through the public URL only. Templates: {{domain}}, {{host.<name>}},
 * {{admin}} (the admin account's user name), {{capture.<name>}} (a value an earlier probe kept),
 * {{account.did}} and {{account.<name>}} (in `each: 'account'` probes), {{plc}} and {{relay}} (the
 * PLC directory's and the first relay's base URLs, from `CheckSpec.plcUrlEnv` / `relaysEnv`).
 */
export interface CheckProbe {
  /** the result item's id (`<id>:<did>` for each account) */
  id: string;
  /** what it checks, for messages (template), e.g. 'WebFinger for {{admin}}@{{domain}}' */
  title: string;
  /** who answers: 'public' (default) one of the instance's own public names; 'plc' the PLC directory; 'relay' the relay */
  target?: 'public' | 'plc' | 'relay';
  method: 'GET' | 'POST';
  /** the full URL (template) */
  url: string;
  as: CheckAgent;
  accept?: string;
  /** the body of a POST */
  body?: { contentType: string; text: string };
  expect: CheckExpect;
  /** values kept for later probes ({{capture.<name>}}, or {{account.<name>}} in an account's probes), by JSON path */
  capture?: Record<string, { path: string; removePrefix?: string }>;
  /** the JSON path of the account DIDs the `each: 'account'` probes run for */
  accounts?: string;
  /** run once per account */
  each?: 'account';
  /** run only when the template `value` matches the regular expression `matches` (else the item is not checked) */
  when?: { value: string; matches: string };
  /** ask again as a fediverse server: that answer must pass too (Cloudflare's Bot Fight Mode blocks servers only) */
  alsoAsFediverse?: boolean;
  /** the answer must not come from Cloudflare's cache (cf-cache-status HIT) */
  uncached?: boolean;
  /** a stable key for the failure, which the app translates */
  adviceKey: string;
  /** the fix, in English, the end of the sentence after the problem (template), e.g. 'make sure the account exists' */
  advice: string;
}

/** The outside-in check of a stack: its probes in order, and where the PDS's PLC directory and relays are configured. */
export interface CheckSpec {
  probes: CheckProbe[];
  /** the service env variable holding the PLC directory's URL ({{plc}}), e.g. { service: 'pds', env: 'PDS_DID_PLC_URL' } */
  plcUrlEnv?: { service: string; env: string };
  /** the service env variable holding the relays, comma-separated ({{relay}} is the first) */
  relaysEnv?: { service: string; env: string };
}

/**
 * One clean-up task of a stack's own tools (core/watch/maintenance.ts runs them): what shrinks a
 * cache volume without touching the data. `exec` tasks run `command` in the running `service`
 * (as its setup steps' exec does); `admin-ui` tasks need the admin's own session (a token Engawa
 * does not keep), so the app only says where to do them.
 */
export type MaintenanceTask = {
  /** a stable id, shown in the log and kept in the last run's result */
  id: string;
  /** the service whose container the task runs in (or the one whose data it cleans) */
  service: string;
  /** 'daily': Engawa runs it once a day (and on "Clean now"); 'on-demand': on "Clean now" only */
  schedule: 'daily' | 'on-demand';
  /** the cache volumes (recipe.volumes names, backup 'cache') it shrinks, measured before and after */
  volumes: string[];
  /** what it removes, for the app, per language */
  removes: { en: string; ja: string };
} & (
  | {
      kind: 'exec';
      /** the command; `{{days}}` is the server's days setting (raised to `minDays`), no other placeholder */
      command: string[];
      /** the task is given at least this many days (upstream advises against less) */
      minDays?: number;
    }
  | {
      kind: 'admin-ui';
      /** where the admin does it, per language */
      where: { en: string; ja: string };
    }
);

export interface Recipe {
  id: string;
  /** display name */
  name: string;
  /** the upstream version the images are pinned to */
  version: string;
  /** a short honest description for the wizard, per language */
  summary: { en: string; ja: string };
  /** memory the whole stack needs to run comfortably */
  memoryMiB: number;
  /** named hostnames derived from the domain, e.g. { pds: 'pds.{{domain}}' } (templates over {{domain}}) */
  hosts?: Record<string, string>;
  settings?: SettingSpec[];
  secrets: SecretSpec[];
  volumes: VolumeSpec[];
  services: ServiceSpec[];
  setup: SetupStep[];
  ingress: IngressRule[];
  web: WebSpec;
  admin: AdminSpec;
  /** machine requirements beyond memory (checked by the wizard and `doctor`) */
  requires?: Requirement[];
  /** HTTP setup calls made after the container steps of the same operation (see HttpStep) */
  http?: HttpStep[];
  /** true for recipes that exist only for tests and are never offered to users */
  testOnly?: boolean;
  /** how backups dump databases and keep files consistent (volumes alone when absent) */
  backup?: BackupSpec;
  /** the releases this Engawa keeps, newest first (the first is `version`); absent: `version` alone */
  releases?: StackRelease[];
  /** the outside-in check of the public server (core/check); absent: only the tunnel and Cloudflare items */
  check?: CheckSpec;
  /** clean-up tasks of the stack's own tools for its caches (core/watch/maintenance.ts); absent: nothing to prune */
  maintenance?: MaintenanceTask[];
  /** what the app says next to the clean-up (why there is nothing to prune, the stack's own retention settings), per language */
  maintenanceNote?: { en: string; ja: string };
}
