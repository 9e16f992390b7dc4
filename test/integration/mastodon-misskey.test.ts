/**
 * Mastodon and Misskey orchestrated for real on the engine, through the `engawa` CLI, with stand-ins
 * for their images (scripts/test-images/standin: they answer the recipes' health checks and record
 * every command, exec, environment and HTTP call they receive) and the real local PostgreSQL and
 * Redis images. What Engawa asked for is read back from those recordings, from the database the
 * stand-ins wrote to, and from Docker.
 *
 * PostgreSQL: both official tags (17 for Mastodon, 18 for Misskey) map to local/postgres:15. Misskey's
 * recipe mounts the data volume at /var/lib/postgresql, where PostgreSQL 18 images keep their data
 * (in 18/docker below it). The local 15 image's PGDATA is /var/lib/postgresql/data, which its
 * Dockerfile declares as an anonymous VOLUME: with the recipe's mount alone the data would land in
 * that anonymous volume, not in the instance's. `--set db.PGDATA=/var/lib/postgresql/18/docker`
 * gives the local image the PostgreSQL 18 layout, so the data lives in the recipe's volume as it will
 * with the real image (the empty anonymous volume goes with its container).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { runCli } from '../../electron/core/cli/run';
import { execIn } from '../../electron/core/engine/exec';
import { LABELS } from '../../electron/core/plan/types';
import { FileSecretStore } from '../../electron/core/instances/secret-store';
import { mastodonRecipe } from '../../electron/core/stacks/mastodon/recipe';
import { misskeyRecipe } from '../../electron/core/stacks/misskey/recipe';
import { parse } from 'yaml';
import { POSTGRES_PASSWORD_FILE } from '../../electron/core/stacks/shared-services';
import { cli, type CliResult, docker, labelled, standinImageMap, tempHome, uniqueName } from './helpers';
import { expectInspectClean } from './inspect-secrets';
import mastodonFacts from '../fixtures/upstream/mastodon.json';
import misskeyFacts from '../fixtures/upstream/misskey.json';

const ENV = {
  mastodon: { ENGAWA_IMAGES: JSON.stringify(standinImageMap(mastodonRecipe, 'local/standin-mastodon:1')) },
  misskey: { ENGAWA_IMAGES: JSON.stringify(standinImageMap(misskeyRecipe, 'local/standin-misskey:1')) },
};
const PG18_LAYOUT = ['--set', 'db.PGDATA=/var/lib/postgresql/18/docker'];

interface Status {
  state: string;
  services: { name: string; state: string; health: string }[];
  localUrl: string;
}
interface Recorded {
  time: string;
  kind: string;
  uid: number;
  role?: string;
  program?: string;
  argv?: string[];
  argv0?: string;
  env?: Record<string, string>;
  volumes?: { dir: string; uid: number; gid: number; writable: boolean }[];
  present?: boolean;
  redis?: string;
  config?: { path: string; text: string; uid: number; mode: string };
  method?: string;
  path?: string;
  host?: string;
  body?: Record<string, unknown>;
}

async function serviceContainer(project: string, service: string): Promise<Dockerode.Container> {
  const [c] = await docker().listContainers({
    all: true,
    filters: { label: [`${LABELS.project}=${project}`, `${LABELS.service}=${service}`, `${LABELS.role}=service`] },
  });
  if (!c) throw new Error(`no container for ${project}/${service}`);
  return docker().getContainer(c.Id);
}

/** Everything the stand-in in `service` recorded, in order. */
async function recorded(project: string, service: string): Promise<Recorded[]> {
  const r = await execIn(await serviceContainer(project, service), ['cat', '/standin/record.jsonl']);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Recorded);
}

/** Rows of a query in the instance's real database (as the database's own user, over the socket). */
async function query(project: string, db: string, sql: string): Promise<string[][]> {
  const r = await execIn(await serviceContainer(project, 'db'), ['psql', '-U', db, '-d', db, '-AtF', '|', '-c', sql]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('|'));
}

/** `engawa …` in-process, aborted (like Ctrl-C) as soon as its progress output satisfies `abortWhen`. */
async function cliAbortedWhen(home: string, args: string[], env: Record<string, string>, abortWhen: RegExp): Promise<CliResult> {
  const ctrl = new AbortController();
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => {
      stderr += s;
      if (abortWhen.test(stderr)) ctrl.abort();
    },
    env: { DOCKER_HOST: process.env.DOCKER_HOST, HOME: process.env.HOME, ENGAWA_HOME: home, ...env },
    signal: ctrl.signal,
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

function expectUnquoted(env: Record<string, string>, keys: string[]): void {
  for (const k of keys) expect(env[k], k).toMatch(/^[^'"\s](.*[^'"\s])?$/);
}

async function publishedPorts(project: string): Promise<string[]> {
  const list = await docker().listContainers({ filters: { label: [`${LABELS.project}=${project}`] } });
  return list.flatMap((c) => c.Ports.filter((p) => p.PublicPort).map((p) => `${c.Labels[LABELS.service]}:${p.PrivatePort}@${p.IP}`));
}

let home: { dir: string; cleanup: () => Promise<void> };
const mastodon = uniqueName('mst');
const misskey = uniqueName('msk');

beforeAll(async () => {
  home = await tempHome();
});

afterAll(async () => {
  await cli(home.dir, ['destroy', mastodon, '--yes'], ENV.mastodon);
  await cli(home.dir, ['destroy', misskey, '--yes'], ENV.misskey);
  await home.cleanup();
});

describe('engawa plan gives the full plan, as upstream runs it', () => {
  it('mastodon: services, official images, env, the only published port, health paths, setup, ingress order', async () => {
    const r = await cli(home.dir, ['plan', 'mastodon', '--domain', 'social.example.net', '--json'], ENV.mastodon);
    expect(r.code, r.stderr).toBe(0);
    const p = r.json() as {
      services: {
        name: string;
        officialImage: string;
        image: string;
        env: Record<string, string>;
        ports: { container: number }[];
        healthcheck?: { test: string[] };
      }[];
      setup: { name: string; command: string[] }[];
      ingress: { hostname: string; path?: string; service: string; port: number }[];
    };
    const facts = mastodonFacts.services as Record<string, { image: string; healthPath?: string; port?: number }>;
    expect(p.services.map((s) => s.name).sort()).toEqual(Object.keys(facts).sort());
    for (const s of p.services) {
      expect(s.officialImage, s.name).toBe(facts[s.name]?.image);
      if (facts[s.name]?.healthPath) expect(s.healthcheck?.test.join(' '), s.name).toContain(`localhost:${facts[s.name]?.port}${facts[s.name]?.healthPath}`);
    }
    const web = p.services.find((s) => s.name === 'web');
    expect(Object.keys(web?.env ?? {})).toEqual(expect.arrayContaining(mastodonFacts.requiredEnv.keys));
    expect(web?.env.LOCAL_DOMAIN).toBe('social.example.net');
    expect(web?.env.SECRET_KEY_BASE).toBe('[redacted]');
    expect(p.services.flatMap((s) => s.ports.map((port) => `${s.name}:${port.container}`))).toEqual(['web:3000']);
    expect(p.setup.map((s) => `${s.name}: ${s.command.join(' ')}`)).toEqual([
      'database: bundle exec rails db:prepare',
      expect.stringMatching(/^admin-account: sh -c exec bin\/tootctl accounts create "\$ADMIN_USER" .* --confirmed --role Owner$/),
      'admin-approve: bin/tootctl accounts approve owner',
      'pre-deployment-migrations: bundle exec rails db:migrate',
      'post-deployment-migrations: bundle exec rails db:migrate',
    ]);
    expect(p.ingress.map(({ path: rule, service, port }) => ({ ...(rule && { path: rule }), service, port }))).toEqual(mastodonFacts.ingress.rules);
  });

  it('misskey: services, official images, default.yml (redacted unless asked), HTTP setup, one ingress rule', async () => {
    type MisskeyPlan = {
      services: { name: string; officialImage: string; ports: { container: number }[]; files: { path: string; content: string }[] }[];
      http: { name: string; path: string; body: Record<string, unknown> }[];
      ingress: { service: string; port: number }[];
    };
    const configOf = (p: MisskeyPlan) => p.services.find((s) => s.name === 'web')?.files.find((f) => f.path === misskeyFacts.services.web.configPath)?.content;
    const r = await cli(home.dir, ['plan', 'misskey', '--domain', 'notes.example.net', '--json'], ENV.misskey);
    expect(r.code, r.stderr).toBe(0);
    const p = r.json() as MisskeyPlan;
    const facts = misskeyFacts.services as Record<string, { image: string }>;
    expect(p.services.map((s) => s.name).sort()).toEqual(Object.keys(facts).sort());
    for (const s of p.services) expect(s.officialImage, s.name).toBe(facts[s.name]?.image);
    expect(p.services.flatMap((s) => s.ports.map((port) => `${s.name}:${port.container}`))).toEqual(['web:3000']);
    expect(configOf(p)).toBe('[redacted]'); // it holds the database and setup passwords
    const revealed = await cli(home.dir, ['plan', 'misskey', '--domain', 'notes.example.net', '--json', '--reveal-secrets'], ENV.misskey);
    const config = parse(configOf(revealed.json() as MisskeyPlan) ?? '') as Record<string, unknown>;
    expect(Object.keys(config)).toEqual(expect.arrayContaining(misskeyFacts.config.requiredKeys));
    expect(config).toMatchObject({
      url: 'https://notes.example.net/',
      port: 3000,
      id: misskeyFacts.config.id,
      setupPassword: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
    });
    expect(p.http.map((h) => h.path)).toEqual([misskeyFacts.firstAdmin.path, misskeyFacts.federation.path]);
    expect(p.ingress.map(({ service, port }) => ({ service, port }))).toEqual(misskeyFacts.ingress.rules);
  });
});

describe('bad input is refused with a clear message, and nothing is created', () => {
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ['a name Mastodon reserves', ['mastodon', '--admin-user', 'admin'], ENV.mastodon, /"admin" is not a valid value for the setting "admin_user".*not admin/],
    ['a Misskey user name with a hyphen', ['misskey', '--admin-user', 'ha-na'], ENV.misskey, /"ha-na" is not allowed/],
    [
      'a Misskey user name over 20 characters',
      ['misskey', '--admin-user', 'a'.repeat(21)],
      ENV.misskey,
      /not a valid value for the setting "admin_user".*1 to 20/,
    ],
    ['a domain that is not a public host name', ['mastodon', '--domain', 'localhost'], ENV.mastodon, /"localhost" is not a usable domain/],
  ];
  for (const [what, args, env, message] of cases) {
    it(what, async () => {
      const name = uniqueName('bad');
      const [stack, ...rest] = args;
      const domain = rest.includes('--domain') ? [] : ['--domain', 'social.example.net'];
      const withEmail = rest.includes('--admin-user') ? ['--admin-email', 'someone@example.net'] : [];
      const r = await cli(home.dir, ['create', stack!, '--name', name, ...domain, ...withEmail, ...rest], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect((await cli(home.dir, ['list', '--json'], env)).json()).toEqual([]);
      expect(await labelled(`engawa-${name}`)).toEqual({ containers: [], volumes: [], networks: [] });
    });
  }
});

describe('mastodon with stand-ins', () => {
  const project = `engawa-${mastodon}`;
  const create = ['create', 'mastodon', '--name', mastodon, '--domain', 'social.example.net', '--admin-user', 'taro', '--admin-email', 'taro@example.net'];
  let created: CliResult;

  it('an interrupted create resumes; the schema is loaded once and never again on the existing database', async () => {
    const first = await cliAbortedWhen(home.dir, create, ENV.mastodon, /✓ setup:database/);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/cancelled/i);
    created = await cli(home.dir, [...create, '--json'], ENV.mastodon);
    expect(created.code, created.stderr).toBe(0);
    const runs = await query(project, 'mastodon', 'select loaded_schema from standin_prepare_runs order by at');
    expect(runs).toEqual([['t'], ['f']]);
  }, 240_000);

  it('is running and healthy, publishing only web on 127.0.0.1', async () => {
    const s = created.json() as Status & { adminPassword?: string };
    expect(s.state).toBe('running');
    expect(s.services.map((x) => `${x.name}:${x.health}`).sort()).toEqual([
      'db:healthy',
      'redis:healthy',
      'sidekiq:healthy',
      'streaming:healthy',
      'web:healthy',
    ]);
    expect(await publishedPorts(project)).toEqual([`web:3000@127.0.0.1`]);
    expect((await fetch(`${s.localUrl}/health`)).status).toBe(200);
  });

  it('docker inspect shows no secret but Mastodon’s listed env; PostgreSQL took its password from a 0400 root file; all capabilities dropped', async () => {
    const secrets = await new FileSecretStore(home.dir).get(mastodon);
    expect(await expectInspectClean(project, mastodonRecipe, secrets)).toEqual(['db', 'redis', 'sidekiq', 'streaming', 'web']);
    const db = await serviceContainer(project, 'db');
    expect((await execIn(db, ['stat', '-c', '%a %u %g', POSTGRES_PASSWORD_FILE])).stdout.trim()).toBe('400 0 0');
    expect((await execIn(db, ['cat', POSTGRES_PASSWORD_FILE], { user: 'postgres' })).exitCode).not.toBe(0);
    // the password in the file is the one the server checks, from another container (loopback is trusted)
    const web = await serviceContainer(project, 'web');
    const login = (password: string) =>
      execIn(web, ['psql', '-h', 'db', '-U', 'mastodon', '-d', 'mastodon', '-Atc', 'select 1'], { env: { PGPASSWORD: password } });
    expect((await login(secrets.db_password!)).stdout.trim()).toBe('1');
    expect((await login('not-the-password')).exitCode).not.toBe(0);
  });

  it('shows the password tootctl made up once, on the terminal only, and keeps it as a secret', async () => {
    const shown = /Admin password \(shown once, keep it safe\): (\S+)/.exec(created.stderr)?.[1];
    expect(`New password: ${shown}`).toMatch(new RegExp(mastodonFacts.setup.admin.output));
    expect(created.stdout).not.toContain(shown);
    expect((created.json() as { adminPassword?: string }).adminPassword).toBe('[shown once on the terminal]');
    expect((await new FileSecretStore(home.dir).get(mastodon)).admin_password).toBe(shown);
  });

  it('gave every Mastodon process the same env: LOCAL_DOMAIN, secrets in upstream’s formats, unquoted', async () => {
    const secrets = await new FileSecretStore(home.dir).get(mastodon);
    for (const service of ['web', 'streaming', 'sidekiq']) {
      const start = (await recorded(project, service)).find((r) => r.kind === 'start');
      const env = start?.env ?? {};
      expect(env.LOCAL_DOMAIN, service).toBe('social.example.net');
      for (const [key, { pattern }] of Object.entries(mastodonFacts.secretFormats)) expect(env[key], `${service} ${key}`).toMatch(new RegExp(pattern));
      expect(env.DB_PASS).toBe(secrets.db_password);
      expect(env.SECRET_KEY_BASE).toBe(secrets.secret_key_base);
      expectUnquoted(env, mastodonFacts.requiredEnv.keys);
      expect(start?.redis, service).toBe('PONG');
      expect(start?.uid, service).toBe(991);
    }
  });

  it('ran upstream’s commands; sidekiq shows as a "sidekiq 8" process', async () => {
    for (const [service, up] of Object.entries(mastodonFacts.services)) {
      if (!('command' in up)) continue;
      const info = await (await serviceContainer(project, service)).inspect();
      expect(info.Config.Cmd, service).toEqual(up.command);
    }
    const sidekiq = (await recorded(project, 'sidekiq')).find((r) => r.kind === 'start');
    expect(sidekiq?.argv0).toMatch(/^sidekiq 8\./);
  });

  it('prepared the database before web started, and web found the schema', async () => {
    const [[preparedAt]] = (await query(
      project,
      'mastodon',
      "select to_char(max(at) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') from standin_prepare_runs",
    )) as [[string]];
    const webStarted = (await (await serviceContainer(project, 'web')).inspect()).State.StartedAt;
    expect(Date.parse(`${preparedAt}Z`)).toBeLessThan(Date.parse(webStarted));
    const web = await recorded(project, 'web');
    expect(web.filter((r) => r.kind === 'web:schema-at-start').map((r) => r.present)).toEqual([true]);
  });

  it('created the owner with tootctl (--confirmed --role Owner), then approved it', async () => {
    const execs = (await recorded(project, 'web')).filter((r) => r.kind === 'exec');
    expect(execs.map((r) => r.argv)).toEqual([
      ['accounts', 'create', 'taro', '--email', 'taro@example.net', '--confirmed', '--role', 'Owner'],
      ['accounts', 'approve', 'taro'],
    ]);
    expect(execs[0]?.env?.LOCAL_DOMAIN).toBe('social.example.net');
    expect(await query(project, 'mastodon', 'select username, email, role, confirmed, approved from standin_accounts')).toEqual([
      ['taro', 'taro@example.net', 'Owner', 't', 't'],
    ]);
  });

  it('gave the uploads and the media cache to uid 991 before the app started', async () => {
    for (const service of ['web', 'sidekiq']) {
      const start = (await recorded(project, service)).find((r) => r.kind === 'start');
      expect(
        start?.volumes?.map((v) => `${v.dir} ${v.uid}:${v.gid} ${v.writable}`),
        service,
      ).toEqual(['/opt/mastodon/public/system 991:991 true', '/opt/mastodon/public/system/cache 991:991 true']);
    }
  });

  it('reports status, stops and starts again without running setup again', async () => {
    const st = await cli(home.dir, ['status', mastodon, '--json'], ENV.mastodon);
    expect((st.json() as Status).state).toBe('running');
    const stop = await cli(home.dir, ['stop', mastodon, '--json'], ENV.mastodon);
    expect(stop.code, stop.stderr).toBe(0);
    expect((stop.json() as Status).services.every((s) => s.state === 'exited')).toBe(true);
    const start = await cli(home.dir, ['start', mastodon, '--json'], ENV.mastodon);
    expect(start.code, start.stderr).toBe(0);
    expect((start.json() as Status).services.every((s) => s.health === 'healthy')).toBe(true);
    const web = await recorded(project, 'web');
    expect(web.filter((r) => r.kind === 'start')).toHaveLength(2);
    expect(web.filter((r) => r.kind === 'exec')).toHaveLength(2);
    expect(await query(project, 'mastodon', 'select count(*) from standin_prepare_runs')).toEqual([['2']]);
  }, 120_000);

  it('destroy leaves nothing labelled', async () => {
    const r = await cli(home.dir, ['destroy', mastodon, '--yes'], ENV.mastodon);
    expect(r.code, r.stderr).toBe(0);
    expect(await labelled(project)).toEqual({ containers: [], volumes: [], networks: [] });
  });
});

describe('misskey with stand-ins', () => {
  const project = `engawa-${misskey}`;
  const password = 'correct horse battery staple';
  let created: CliResult;

  it('creates a healthy instance with the admin password the user chose', async () => {
    const file = path.join(home.dir, 'admin-password');
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    created = await cli(
      home.dir,
      [
        'create',
        'misskey',
        '--name',
        misskey,
        '--domain',
        'notes.example.net',
        '--admin-user',
        'hanako',
        '--admin-email',
        'hanako@example.net',
        '--admin-password-file',
        file,
        ...PG18_LAYOUT,
        '--json',
      ],
      ENV.misskey,
    );
    expect(created.code, created.stderr).toBe(0);
    const s = created.json() as Status;
    expect(s.state).toBe('running');
    expect(s.services.map((x) => `${x.name}:${x.health}`).sort()).toEqual(['db:healthy', 'redis:healthy', 'web:healthy']);
    expect(created.stderr).not.toContain('Admin password');
    expect(await publishedPorts(project)).toEqual([`web:3000@127.0.0.1`]);
  }, 240_000);

  it('wrote default.yml before the first start: url, db, redis and setupPassword right, readable only by misskey', async () => {
    const secrets = await new FileSecretStore(home.dir).get(misskey);
    const start = (await recorded(project, 'web')).find((r) => r.kind === 'start');
    expect(start?.config).toMatchObject({ path: misskeyFacts.services.web.configPath, uid: 991, mode: '400' });
    const config = parse(start?.config?.text ?? '') as Record<string, unknown>;
    expect(config).toMatchObject({
      url: 'https://notes.example.net/',
      port: 3000,
      id: misskeyFacts.config.id,
      db: { host: 'db', port: 5432, db: 'misskey', user: 'misskey', pass: secrets.db_password },
      redis: { host: 'redis', port: 6379 },
      setupPassword: secrets.setup_password,
    });
    expect(start?.redis).toBe('PONG');
    expect(start?.uid).toBe(991);
    // migrations ran at start, against the database default.yml names (the data in the PG18 layout)
    expect(await query(project, 'misskey', 'select count(*) from standin_migrations')).toEqual([['1']]);
    const pgdata = await execIn(await serviceContainer(project, 'db'), ['sh', '-c', 'test -s /var/lib/postgresql/18/docker/PG_VERSION && echo yes']);
    expect(pgdata.stdout.trim()).toBe('yes');
  });

  it('docker inspect shows no secret at all (default.yml and the password file hold them); all capabilities dropped', async () => {
    const secrets = await new FileSecretStore(home.dir).get(misskey);
    expect(await expectInspectClean(project, misskeyRecipe, secrets)).toEqual(['db', 'redis', 'web']);
    const info = await (await serviceContainer(project, 'db')).inspect();
    expect(info.Config.Env).toContain(`POSTGRES_PASSWORD_FILE=${POSTGRES_PASSWORD_FILE}`);
  });

  it('gave the files volume to uid 991 before the app started', async () => {
    const start = (await recorded(project, 'web')).find((r) => r.kind === 'start');
    expect(start?.volumes?.map((v) => `${v.dir} ${v.uid}:${v.gid} ${v.writable}`)).toEqual(['/misskey/files 991:991 true']);
  });

  it('created the admin over HTTP with the setup password, then switched federation on with the returned token', async () => {
    const secrets = await new FileSecretStore(home.dir).get(misskey);
    const calls = (await recorded(project, 'web')).filter((r) => r.kind === 'http');
    expect(calls.map((c) => `${c.method} ${c.path} Host=${c.host}`)).toEqual([
      'POST /api/admin/accounts/create Host=notes.example.net',
      'POST /api/admin/update-meta Host=notes.example.net',
    ]);
    expect(calls[0]?.body).toEqual({ username: 'hanako', password, setupPassword: secrets.setup_password });
    expect(calls[1]?.body).toEqual({ federation: 'all', cacheRemoteFiles: false, i: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(await query(project, 'misskey', 'select root, token, federation from standin_meta')).toEqual([['hanako', calls[1]?.body?.i, 'all']]);
  });

  it('stops and starts again (migrating at start, no second admin)', async () => {
    expect((await cli(home.dir, ['stop', misskey], ENV.misskey)).code).toBe(0);
    const start = await cli(home.dir, ['start', misskey, '--json'], ENV.misskey);
    expect(start.code, start.stderr).toBe(0);
    expect((start.json() as Status).state).toBe('running');
    expect(await query(project, 'misskey', 'select count(*) from standin_migrations')).toEqual([['2']]);
    expect((await recorded(project, 'web')).filter((r) => r.kind === 'http')).toHaveLength(2);
  }, 120_000);

  it('destroy leaves nothing labelled', async () => {
    const r = await cli(home.dir, ['destroy', misskey, '--yes'], ENV.misskey);
    expect(r.code, r.stderr).toBe(0);
    expect(await labelled(project)).toEqual({ containers: [], volumes: [], networks: [] });
  });
});
