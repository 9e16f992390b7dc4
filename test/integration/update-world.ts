/**
 * What the update integration tests share: catalogues of the test stack with a newer release
 * (written as recipe files: the test recipe as release 1.0.0 plus a 1.1.0 or 2.0.0 that changes
 * what the test needs), the image map with PostgreSQL 17, and the CLI run with a chosen catalogue.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Recipe, ServiceSpec, StackRelease } from '../../electron/core/stacks/types';
import type { SetupStep } from '../../electron/core/plan/types';
import { cli, docker, LOCAL_IMAGES, REPO, TEST_RECIPE, type CliResult } from './helpers';
import { PASS } from './backup-world';

export const IMAGES: Record<string, string> = { ...LOCAL_IMAGES, 'docker.io/library/postgres:17': 'local/postgres:17' };
export const ENV = { ENGAWA_BACKUP_PASSPHRASE: PASS, ENGAWA_IMAGES: JSON.stringify(IMAGES) };

const base = (): Recipe => JSON.parse(readFileSync(TEST_RECIPE, 'utf8')) as Recipe;

/** Steps that log each update step in the database: `pre <release>` before the switch, `post <release>` after it. */
function logSteps(release: string, fail?: 'pre'): SetupStep[] {
  const psql = (sql: string): string[] => ['sh', '-c', `psql -v ON_ERROR_STOP=1 -h db -U app -d app -c "${sql}"`];
  const table = 'CREATE TABLE IF NOT EXISTS upgrade_log(id serial primary key, step text, at timestamptz default clock_timestamp())';
  return [
    {
      name: 'pre-log',
      description: 'Run the migrations that are safe before the switch',
      when: 'pre-upgrade',
      kind: 'run',
      service: 'db',
      command:
        fail === 'pre'
          ? ['sh', '-c', 'echo "migration 42 failed: column missing" >&2; exit 4']
          : psql(`${table}; INSERT INTO upgrade_log(step) VALUES ('pre ${release}')`),
      env: { PGPASSWORD: '{{secret.db_password}}' },
      needs: ['db'],
      phase: 'before-start',
    },
    {
      name: 'post-log',
      description: 'Run the remaining migrations',
      when: 'post-upgrade',
      kind: 'run',
      service: 'db',
      command: psql(`${table}; INSERT INTO upgrade_log(step) VALUES ('post ${release}')`),
      env: { PGPASSWORD: '{{secret.db_password}}' },
      needs: ['db'],
      phase: 'after-healthy',
    },
  ];
}

export type Variant = 'ok' | 'crash' | 'unhealthy' | 'migration-fails' | 'pg17' | 'pg17-broken' | 'missing-image';

/**
 * The test stack with a newer release: 'ok' 1.1.0 changes the web service's environment; 'crash'
 * makes web exit at once; 'unhealthy' makes its health check fail; 'migration-fails' fails the
 * pre-upgrade step; 'pg17' 2.0.0 moves the database to PostgreSQL 17; 'pg17-broken' one whose
 * PostgreSQL 17 cannot start; 'missing-image' names an image that exists nowhere.
 */
export function catalogue(variant: Variant): Recipe {
  const r = base();
  const pg = variant === 'pg17' || variant === 'pg17-broken';
  const version = pg ? '2.0.0' : '1.1.0';
  const web = r.services.find((s) => s.name === 'web') as ServiceSpec;
  const db = r.services.find((s) => s.name === 'db') as ServiceSpec;
  const old: StackRelease = { version: '1.0.0', services: {} };
  const next: StackRelease = { version, from: ['1.0.0'], security: variant === 'ok', notesUrl: `https://example.com/notes/${version}` };
  web.env = { ...web.env, APP_RELEASE: version };
  (old.services as NonNullable<StackRelease['services']>).web = { env: { APP_RELEASE: null } };
  if (variant === 'crash') {
    (old.services as NonNullable<StackRelease['services']>).web = { env: { APP_RELEASE: null }, command: web.command ?? [] };
    web.command = ['sh', '-c', 'echo "fatal: cannot read config" >&2; exit 3'];
  }
  if (variant === 'unhealthy') {
    (old.services as NonNullable<StackRelease['services']>).web = {
      env: { APP_RELEASE: null },
      healthcheck: web.healthcheck as ServiceSpec['healthcheck'] & object,
    };
    web.healthcheck = { test: ['CMD-SHELL', 'false'], intervalMs: 500, timeoutMs: 1000, retries: 3, startPeriodMs: 1000 };
    next.switchTimeoutMs = 15_000;
  }
  if (variant === 'missing-image') {
    (old.services as NonNullable<StackRelease['services']>).web = { env: { APP_RELEASE: null }, image: web.image };
    web.image = 'docker.io/library/no-such-image:9';
  }
  if (pg) {
    (old.services as NonNullable<StackRelease['services']>).db = { image: db.image, ...(variant === 'pg17-broken' && { command: db.command ?? ['postgres'] }) };
    db.image = 'docker.io/library/postgres:17';
    if (variant === 'pg17-broken') db.command = ['postgres', '-c', 'no_such_setting=1'];
    next.dataMoves = ['db'];
  }
  r.version = version;
  r.setup = [...r.setup, ...logSteps(version, variant === 'migration-fails' ? 'pre' : undefined)];
  r.releases = [next, old];
  return r;
}

/** Writes the catalogue of `variant` to a recipe file; its path. */
export async function catalogueFile(variant: Variant | 'base'): Promise<string> {
  if (variant === 'base') return TEST_RECIPE;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'engawa-cat-'));
  const file = path.join(dir, `test-web-${variant}.json`);
  await writeFile(file, JSON.stringify(catalogue(variant), null, 2));
  return file;
}

/** `engawa …` in-process with the catalogue in `recipes`. */
export function run(home: string, recipes: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return cli(home, args, { ...ENV, ENGAWA_RECIPES: recipes, ...env });
}

/** `engawa …` in a child process that kills itself (SIGKILL) when the update reaches `point`. */
export function runKilledAt(home: string, recipes: string, args: string[], point: string): Promise<{ killed: boolean; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'electron/cli.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, ...ENV, ENGAWA_HOME: home, ENGAWA_RECIPES: recipes, ENGAWA_TEST_KILL_AT: point },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ killed: signal === 'SIGKILL', output })));
}

/** The environment the running web container was given, as a map. */
export async function webEnv(name: string): Promise<Record<string, string>> {
  const info = await docker().getContainer(`engawa-${name}-web-1`).inspect();
  return Object.fromEntries((info.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}
