/**
 * Writes a plan out as a docker-compose project, the way to move an instance to any server.
 *
 * Secrets: `compose.yaml` and `README.md` never contain a secret value (plan() keeps secrets out of
 * commands and health checks); secrets live in the 0600 files under `env/` (and secret config files
 * under `files/`). `composeProject` redacts those by default so its result can be shown;
 * `writeComposeProject` writes the real values, because the project must run (it is the user's own
 * server). Services use the images the instance uses: the official references unless the user
 * mapped them (mirrors, local images), so the export runs wherever the instance ran.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { EngawaError } from '../util/errors';
import { LABELS, type Plan, type PlannedService, type PlannedStep } from '../plan/types';
import { REDACTED } from '../plan/redact';

/** One file of the exported project, `path` relative to the project directory (always with `/`). */
export interface ComposeFile {
  path: string;
  content: string;
  mode: number;
}

/** Builds the files of the compose project; secret values are `[redacted]` unless `reveal`. */
export function composeProject(plan: Plan, opts: { reveal?: boolean } = {}): { files: ComposeFile[] } {
  const reveal = opts.reveal ?? false;
  const files: ComposeFile[] = [];
  const services: Record<string, unknown> = {};
  for (const s of plan.services) {
    services[s.name] = composeService(plan, s);
    files.push({ path: envPath(s.name), content: envFile(s.name, s.env, s.secretEnv, reveal), mode: 0o600 });
    for (const f of s.files) {
      files.push({
        path: filePath(s.name, f.path),
        content: f.secret && !reveal ? REDACTED : f.content,
        mode: f.secret ? 0o600 : f.mode & 0o777,
      });
    }
  }
  for (const step of plan.setup.filter((st) => st.kind === 'run')) {
    services[stepServiceName(step)] = composeStep(plan, step);
    if (Object.keys(step.env).length > 0) {
      files.push({ path: envPath(stepServiceName(step)), content: envFile(step.name, step.env, step.secretEnv, reveal), mode: 0o600 });
    }
  }
  // The project name goes in .env (COMPOSE_PROJECT_NAME), which both docker-compose v1 and
  // `docker compose` v2 read; v1 rejects a top-level `name:`.
  const doc = {
    services,
    networks: { default: { name: plan.network.name, labels: ownLabels(plan.network.labels) } },
    volumes: Object.fromEntries(plan.volumes.map((v) => [v.key, { name: v.name, external: false, labels: ownLabels(v.labels) }])),
  };
  const yaml = `# Written by Engawa for ${plan.stack} ${plan.stackVersion}. See README.md.\n${YAML.stringify(escapeDollars(doc), { version: '1.1', lineWidth: 0 })}`;
  files.unshift(
    { path: 'compose.yaml', content: yaml, mode: 0o644 },
    { path: '.env', content: `COMPOSE_PROJECT_NAME=${plan.project}\n`, mode: 0o644 },
    { path: 'README.md', content: readme(plan), mode: 0o644 },
  );
  return { files };
}

/**
 * Writes the project (real secrets, see above) into `dir`, which must not exist or be empty: first
 * into a temporary sibling directory, then renamed into place. Returns the relative paths written.
 */
export async function writeComposeProject(plan: Plan, dir: string): Promise<string[]> {
  const { files } = composeProject(plan, { reveal: true });
  const target = path.resolve(dir);
  const existing = await readdir(target).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw new EngawaError('INVALID_INPUT', `Cannot use ${target} for the export: ${e.message}.`);
  });
  if (existing !== null && existing.length > 0) {
    throw new EngawaError('INVALID_INPUT', `${target} is not empty; choose a new or empty folder for the export.`, { dir: target });
  }
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await mkdir(temp, { mode: 0o700 });
    for (const f of files) {
      const full = path.join(temp, ...f.path.split('/'));
      await mkdir(path.dirname(full), { recursive: true, mode: f.path.startsWith('env/') ? 0o700 : 0o755 });
      await writeFile(full, f.content, { mode: f.mode, flag: 'wx' });
    }
    if (existing !== null) await rmdir(target);
    await rename(temp, target);
  } catch (e) {
    await rm(temp, { recursive: true, force: true });
    throw e;
  }
  return files.map((f) => f.path);
}

function composeService(plan: Plan, s: PlannedService): Record<string, unknown> {
  return {
    image: s.image,
    // the names Engawa uses (compose v1 would otherwise write project_service_1)
    container_name: s.containerName,
    ...(s.entrypoint !== undefined && { entrypoint: s.entrypoint }),
    ...(s.command !== undefined && { command: s.command }),
    ...(s.user !== undefined && { user: s.user }),
    ...(s.workingDir !== undefined && { working_dir: s.workingDir }),
    env_file: [envPath(s.name)],
    volumes: volumesOf(s),
    ...(s.ports.length > 0 && {
      ports: s.ports.map((p) => `127.0.0.1:${p.hostPort === 0 ? '' : p.hostPort}:${p.container}`),
    }),
    ...(s.healthcheck !== undefined && {
      healthcheck: {
        test: s.healthcheck.test,
        interval: duration(s.healthcheck.intervalMs),
        timeout: duration(s.healthcheck.timeoutMs),
        retries: s.healthcheck.retries,
        ...(s.healthcheck.startPeriodMs !== undefined && { start_period: duration(s.healthcheck.startPeriodMs) }),
      },
    }),
    ...(s.dependsOn.length > 0 && {
      depends_on: Object.fromEntries(s.dependsOn.map((d) => [d.service, { condition: `service_${d.condition}` }])),
    }),
    init: s.init,
    restart: s.restart,
    security_opt: ['no-new-privileges:true'],
    ...capabilities(s),
    stop_grace_period: `${s.stopTimeoutS}s`,
    labels: ownLabels(s.labels),
  };
}

/** A `run` setup step as a service that only `docker compose run` starts (profile "setup"). */
function composeStep(plan: Plan, step: PlannedStep): Record<string, unknown> {
  const base = plan.services.find((s) => s.name === step.service);
  if (base === undefined) throw new EngawaError('INTERNAL', `The setup step "${step.name}" uses the unknown service "${step.service}".`);
  const needs = step.needs ?? [];
  const { [LABELS.configHash]: _hash, ...labels } = ownLabels(base.labels);
  return {
    image: base.image,
    ...(base.entrypoint !== undefined && { entrypoint: base.entrypoint }),
    command: step.command,
    ...(base.user !== undefined && { user: base.user }),
    ...(base.workingDir !== undefined && { working_dir: base.workingDir }),
    env_file: [envPath(base.name), ...(Object.keys(step.env).length > 0 ? [envPath(stepServiceName(step))] : [])],
    volumes: volumesOf(base),
    ...(needs.length > 0 && {
      depends_on: Object.fromEntries(
        needs.map((n) => {
          const healthy = plan.services.find((s) => s.name === n)?.healthcheck !== undefined;
          return [n, { condition: healthy ? 'service_healthy' : 'service_started' }];
        }),
      ),
    }),
    init: base.init,
    restart: 'no',
    security_opt: ['no-new-privileges:true'],
    ...capabilities(base),
    profiles: ['setup'],
    labels: { ...labels, [LABELS.role]: 'task' },
  };
}

/** As the engine runs it (engine/spec.ts): every capability dropped, the recipe's added back. */
function capabilities(s: PlannedService): { cap_drop: string[]; cap_add?: string[] } {
  const add = s.capAdd ?? [];
  return { cap_drop: ['ALL'], ...(add.length > 0 && { cap_add: [...add] }) };
}

function volumesOf(s: PlannedService): Record<string, unknown>[] {
  return [
    ...s.mounts.map((m) => ({ type: 'volume', source: m.volume, target: m.target, ...(m.readOnly && { read_only: true }) })),
    ...s.files.map((f) => ({ type: 'bind', source: `./${filePath(s.name, f.path)}`, target: f.path, read_only: true })),
  ];
}

/** Engawa's labels (compose sets its own `com.docker.compose.*` labels itself). */
function ownLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith('com.docker.compose.')));
}

/**
 * An env file compose reads literally: plain `KEY=VALUE`; a value compose would otherwise change
 * (`$`, `#`, quotes, backslashes, surrounding spaces) is single-quoted, which compose takes as is.
 */
function envFile(owner: string, env: Record<string, string>, secretEnv: string[], reveal: boolean): string {
  const lines = Object.entries(env).map(([key, raw]) => {
    const value = secretEnv.includes(key) && !reveal ? REDACTED : raw;
    if (/[\r\n\0]/.test(value)) {
      throw new EngawaError('INVALID_INPUT', `The variable ${key} of "${owner}" contains a line break, which an env file cannot hold.`);
    }
    if (value === '' || /^[^\s'"`$#\\](?:[^$#\\]*[^\s$#\\])?$/.test(value)) return `${key}=${value}`;
    if (!value.includes("'")) return `${key}='${value}'`;
    throw new EngawaError(
      'INVALID_INPUT',
      `The variable ${key} of "${owner}" mixes a single quote with characters that need quoting; an env file cannot hold it.`,
    );
  });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** compose interpolates `$` in the YAML; `$$` is a literal dollar sign. */
function escapeDollars(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\$/g, '$$$$');
  if (Array.isArray(value)) return value.map(escapeDollars);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDollars(v)]));
  }
  return value;
}

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function envPath(name: string): string {
  return `env/${name}.env`;
}

function filePath(service: string, containerPath: string): string {
  const parts = containerPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) {
    throw new EngawaError('INTERNAL', `The file path "${containerPath}" of the service "${service}" is not a plain absolute path.`);
  }
  return ['files', service, ...parts].join('/');
}

function stepServiceName(step: PlannedStep): string {
  return `setup-${step.name.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-')}`;
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function readme(plan: Plan): string {
  const created = plan.setup.filter((s) => s.when === 'create');
  const data = plan.volumes.map((v) => `- \`${v.name}\` (${v.backup === 'data' ? 'data, back it up' : v.backup === 'cache' ? 'cache' : 'temporary'})`);
  const steps = created.map((s) => {
    if (s.kind === 'run') {
      return `- ${s.description}: \`docker compose run --rm ${stepServiceName(s)}\``;
    }
    const env = Object.keys(s.env)
      .map((k) => `-e ${k}`)
      .join(' ');
    const cmd = ['docker compose exec', env, s.service, ...s.command.map(shellQuote)].filter((x) => x !== '').join(' ');
    return `- ${s.description}: \`${cmd}\`${env ? ' (first export the variables it names, with the values Engawa used)' : ''}`;
  });
  return [
    `# ${plan.project}: ${plan.stack} ${plan.stackVersion} for ${plan.domain}`,
    '',
    'This folder is a Docker Compose project written by Engawa. On any server with Docker:',
    '',
    '    docker compose up -d      # start (images are pulled on first start)',
    '    docker compose ps         # see the services and their health',
    '    docker compose down       # stop (your data stays)',
    '',
    `Services listen on 127.0.0.1 only; put a tunnel or reverse proxy for ${plan.domain} in front of them.`,
    '',
    '## Data',
    'Everything the server keeps lives in these Docker volumes (the same names Engawa uses):',
    ...data,
    '',
    '## Secrets',
    'Passwords and keys are in the files under `env/` (readable only by you). Keep them private and',
    'never change them: the server cannot read its data without them.',
    '',
    '## Setup',
    created.length === 0
      ? 'This stack needs no one-off setup steps.'
      : 'Engawa already ran these one-off steps on your data. Run them only when starting from empty volumes, in this order:',
    ...steps,
    '',
  ].join('\n');
}
