/**
 * The plan: the contract between the stacks and the engine, owned by neither. A recipe (stacks/)
 * declares services, health checks, setup steps, HTTP steps and ingress in the shapes below; the
 * pure `plan()` (stacks/plan.ts) resolves it into a `Plan` (no templates, images mapped through the
 * override map, names final), and the engine applies a `Plan` without knowing any recipe.
 */

export interface HealthcheckSpec {
  /** Docker form: ['CMD', ...] or ['CMD-SHELL', '...']; must test the real service, not a socket */
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs?: number;
}

/**
 * A one-off step. `run` starts a task container from a service's definition (same image, env,
 * mounts, network) with `command`, waits for it to exit and checks the exit code; `exec` runs the
 * command in the running service. `when` says which operation runs it.
 */
export interface SetupStep {
  name: string;
  description: string;
  when: 'create' | 'pre-upgrade' | 'post-upgrade';
  kind: 'run' | 'exec';
  service: string;
  command: string[];
  /** extra env for this step only (templates) */
  env?: Record<string, string>;
  /** services that must be healthy before the step runs (for 'run'); 'exec' needs its own service running */
  needs?: string[];
  /** 'before-start': before the services that are not in `needs` start; 'after-healthy': once all are healthy */
  phase: 'before-start' | 'after-healthy';
  /** only for admin creation and the like: skipped when the user asked for --no-admin */
  admin?: boolean;
  /**
   * Keeps a value the step prints (e.g. the password `tootctl accounts create` generates): the first
   * group of `pattern` (a JS regular expression, multiline) in its stdout is stored as the secret
   * `secret`. A step whose secret is already stored is not run again (it is not idempotent).
   */
  capture?: { secret: string; pattern: string };
}

/** How the tunnel routes a public hostname (and optional path regex) to a service port. */
export interface IngressRule {
  /** template, e.g. '{{domain}}' or '*.{{domain}}' */
  hostname: string;
  /** regular expression on the path, as cloudflared understands it (e.g. '^/api/v1/streaming') */
  path?: string;
  service: string;
  port: number;
}

/**
 * A one-off HTTP call to the running web service (e.g. Misskey's first-admin API), made once all
 * services are healthy: POST http://127.0.0.1:<web port><path> with a JSON body and the public host
 * (`web.publicHost`) as Host. String values of `body` are templates. A non-2xx answer fails the step.
 */
export interface HttpStep {
  name: string;
  description: string;
  when: 'create';
  path: string;
  body: Record<string, string | number | boolean>;
  /** HTTP Basic credentials (templates), e.g. the PDS's `admin` with {{secret.admin_password}} */
  basicAuth?: { user: string; password: string };
  /** adds the string field `field` of the JSON answer of the earlier HTTP step `step` to the body as `as` */
  bodyFromResponse?: { step: string; field: string; as: string };
  /** only for admin creation and the like: skipped when the user asked for --no-admin */
  admin?: boolean;
}

export const LABELS = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  oneoff: 'com.docker.compose.oneoff',
  containerNumber: 'com.docker.compose.container-number',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  version: 'com.docker.compose.version',
  /** compose's own format: `db:service_healthy:false,redis:service_started:false` (stop order) */
  dependsOn: 'com.docker.compose.depends_on',
  /** present (value "true") on everything Engawa creates */
  managed: 'app.engawa.managed',
  instance: 'app.engawa.instance',
  stack: 'app.engawa.stack',
  /** hash of a service's resolved definition: a changed hash means recreate */
  configHash: 'app.engawa.config-hash',
  /** 'service' | 'task' | 'helper' */
  role: 'app.engawa.role',
  /** published ports by name: `http:3000,…` (container ports), so status can name host ports */
  ports: 'app.engawa.ports',
} as const;

export interface PlannedMount {
  /** docker volume name (project-prefixed) */
  source: string;
  /** the recipe's volume key */
  volume: string;
  target: string;
  readOnly: boolean;
}

export interface PlannedPort {
  container: number;
  name: string;
  /** host port on 127.0.0.1; 0 lets Docker choose (tests only: the instance stores a fixed one) */
  hostPort: number;
}

export interface PlannedFile {
  path: string;
  content: string;
  mode: number;
  uid: number;
  gid: number;
  /** true when the content contains a secret (redacted in output, 0600 in compose export) */
  secret: boolean;
}

export interface PlannedService {
  name: string;
  containerName: string;
  /** the image actually used (after the override map) */
  image: string;
  /** the recipe's official image reference */
  officialImage: string;
  command?: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  /** env keys whose values contain a secret */
  secretEnv: string[];
  user?: string;
  workingDir?: string;
  mounts: PlannedMount[];
  ports: PlannedPort[];
  healthcheck?: HealthcheckSpec;
  dependsOn: { service: string; condition: 'healthy' | 'started' }[];
  files: PlannedFile[];
  init: boolean;
  stopTimeoutS: number;
  restart: 'unless-stopped';
  /** the capabilities added back after all are dropped (absent: none; see ServiceSpec.capAdd) */
  capAdd?: string[];
  labels: Record<string, string>;
  /** sha256 over everything above that affects the container; stored as a label */
  configHash: string;
}

export interface PlannedVolume {
  name: string;
  key: string;
  backup: 'data' | 'cache' | 'none';
  ownerUid?: number;
  ownerGid?: number;
  labels: Record<string, string>;
}

export interface PlannedStep extends Omit<SetupStep, 'env' | 'command'> {
  command: string[];
  env: Record<string, string>;
  secretEnv: string[];
}

/** An HTTP setup call (recipe.http) with its templates rendered; made by the instance manager, not the engine. */
export type PlannedHttpStep = HttpStep;

export interface PlannedIngress extends Omit<IngressRule, 'hostname'> {
  hostname: string;
}

export interface Plan {
  /** compose project name: 'engawa-<instance>' */
  project: string;
  instance: string;
  stack: string;
  stackVersion: string;
  domain: string;
  hosts: Record<string, string>;
  network: { name: string; labels: Record<string, string> };
  volumes: PlannedVolume[];
  /** in dependency order (a service comes after everything it depends on) */
  services: PlannedService[];
  setup: PlannedStep[];
  http: PlannedHttpStep[];
  ingress: PlannedIngress[];
  web: { service: string; port: string; healthPath: string; publicHost: string };
  /** every secret value used, for redaction of outputs and logs (never serialised) */
  secretValues: string[];
}
