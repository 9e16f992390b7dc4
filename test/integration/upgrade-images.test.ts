/**
 * The local images update tests start from and go to, on the real engine: local/postgres:17 (Debian
 * trixie's PostgreSQL 17, standing in for the official postgres:17) starts and reports 17, a custom
 * format dump made by local/postgres:15 restores into it with every row intact, and local/pds at the
 * earlier release test/kit/pds-prev pins reports that version. Plain dockerode: the app's engine code
 * is not under test here. Everything carries a random project label and is removed in afterAll.
 * Images: `bash scripts/build-test-images.sh`.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Dockerode from 'dockerode';
import { execIn } from '../../electron/core/engine/exec';
import { LABELS } from '../../electron/core/plan/types';
import { tarFiles } from '../../electron/core/util/tar-write';
import { docker, eventually, REPO, uniqueName } from './helpers';

const prevKit = JSON.parse(readFileSync(path.join(REPO, 'test/kit/pds-prev/package.json'), 'utf8')) as { dependencies: Record<string, string> };
/** The earlier @atproto/pds release the second kit pins. */
const PDS_PREV_VERSION = prevKit.dependencies['@atproto/pds'] as string;
const PG15 = 'local/postgres:15';
const PG17 = 'local/postgres:17';
const PDS_PREV = `local/pds:${PDS_PREV_VERSION}`;

const project = uniqueName('upgimg');
const labels = { [LABELS.project]: project };
const USER = 'engawa';
const DB = 'app';
const PASSWORD = randomBytes(12).toString('hex');

let d: Dockerode;

beforeAll(async () => {
  d = docker();
  for (const image of [PG15, PG17, PDS_PREV]) {
    await d
      .getImage(image)
      .inspect()
      .catch(() => {
        throw new Error(`${image} is missing: run bash scripts/build-test-images.sh`);
      });
  }
});

afterAll(async () => {
  if (d === undefined) return;
  const filters = { label: [`${LABELS.project}=${project}`] };
  for (const c of await d.listContainers({ all: true, filters }))
    await d
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  for (const v of (await d.listVolumes({ filters })).Volumes ?? [])
    await d
      .getVolume(v.Name)
      .remove()
      .catch(() => undefined);
});

/** Runs `cmd` in `c`; fails with its output unless it exits 0. Returns stdout. */
async function run(c: Dockerode.Container, cmd: string[]): Promise<string> {
  const r = await execIn(c, cmd);
  if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} exited ${r.exitCode}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** psql as the image's superuser over the unix socket, unaligned tuples only, stopping on the first error. */
function psql(c: Dockerode.Container, sql: string): Promise<string> {
  return run(c, ['psql', '-v', 'ON_ERROR_STOP=1', '-X', '-qtA', '-U', USER, '-d', DB, '-c', sql]).then((s) => s.trim());
}

/**
 * Starts a postgres container with the official image's environment, `/dump` on a shared volume and
 * `initdb` put into /docker-entrypoint-initdb.d, and waits until it takes TCP connections.
 */
async function startPostgres(image: string, name: string, dumpVolume: string, initdb: Record<string, string> = {}): Promise<Dockerode.Container> {
  const c = await d.createContainer({
    name: `${project}-${name}`,
    Image: image,
    Labels: labels,
    Env: [`POSTGRES_USER=${USER}`, `POSTGRES_PASSWORD=${PASSWORD}`, `POSTGRES_DB=${DB}`],
    HostConfig: { Mounts: [{ Type: 'volume', Source: dumpVolume, Target: '/dump' }] },
  });
  const files = Object.entries(initdb).map(([file, content]) => ({ path: `docker-entrypoint-initdb.d/${file}`, content, mode: 0o644, uid: 0, gid: 0 }));
  if (files.length > 0) await c.putArchive(tarFiles(files), { path: '/' });
  await c.start();
  // TCP stays closed while the entrypoint's init server runs on the socket only
  await eventually(
    async () => {
      const state = (await c.inspect()).State;
      if (!state.Running) throw new Error(`${image} stopped (exit code ${state.ExitCode})`);
      const r = await execIn(c, ['pg_isready', '-h', '127.0.0.1', '-U', USER, '-d', DB]);
      return r.exitCode === 0 ? true : undefined;
    },
    60_000,
    `${image} to accept connections`,
  );
  return c;
}

/** A fingerprint of the table's contents: row count and a hash over every row in key order. */
const FINGERPRINT = `SELECT count(*) || ' ' || md5(string_agg(id || ':' || name || ':' || encode(data, 'hex') || ':' || extract(epoch FROM at), ',' ORDER BY id)) FROM items`;

describe('local/postgres:17 and the PostgreSQL 15 → 17 dump', () => {
  let dumpVolume = '';
  let pg15: Dockerode.Container;
  let pg17: Dockerode.Container;

  beforeAll(async () => {
    dumpVolume = `${project}-dump`;
    await d.createVolume({ Name: dumpVolume, Labels: labels });
    [pg15, pg17] = await Promise.all([
      startPostgres(PG15, 'pg15', dumpVolume),
      startPostgres(PG17, 'pg17', dumpVolume, {
        '10-seed.sql': 'CREATE TABLE seeded (note text);',
        // sourced by the entrypoint's bash with psql on PATH, as in the official image
        '20-seed.sh': `psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "INSERT INTO seeded VALUES ('from sh as $(id -un)')"\n`,
      }),
    ]);
  });

  it('local/postgres:17 runs PostgreSQL 17 with the official image contract', async () => {
    expect(await psql(pg17, 'SELECT version()')).toMatch(/^PostgreSQL 17\.\d+ /);
    expect(Number(await psql(pg17, 'SHOW server_version_num'))).toBeGreaterThanOrEqual(170000);
    expect(await psql(pg17, 'SHOW data_directory')).toBe('/var/lib/postgresql/data');
    expect(await run(pg17, ['id', '-u', 'postgres'])).toBe('999\n');
    expect(await psql(pg17, 'SELECT note FROM seeded')).toBe('from sh as postgres');
    for (const tool of ['pg_dump', 'pg_restore']) expect((await run(pg17, [tool, '--version'])).trim()).toMatch(new RegExp(`^${tool} \\(PostgreSQL\\) 17\\.`));
    // from another container (loopback is trusted, as in the official image) only POSTGRES_PASSWORD gets in
    const ip = Object.values((await pg17.inspect()).NetworkSettings.Networks)[0]?.IPAddress as string;
    const connect = (password: string) =>
      execIn(pg15, ['psql', '-X', '-qtA', '-h', ip, '-U', USER, '-d', DB, '-c', 'SHOW server_version_num'], { env: { PGPASSWORD: password } });
    expect(await connect(PASSWORD)).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^17\d{4}\n$/) });
    expect((await connect('wrong')).stderr).toContain('password authentication failed');
  });

  it('local/postgres:15 is still PostgreSQL 15', async () => {
    expect(await psql(pg15, 'SELECT version()')).toMatch(/^PostgreSQL 15\.\d+ /);
  });

  it('a pg_dump -Fc from 15 restores with pg_restore into 17, rows intact', async () => {
    await psql(
      pg15,
      `CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE, data bytea, at timestamptz NOT NULL DEFAULT now());
       INSERT INTO items (name, data) SELECT 'item-' || i || ' ✓ 日本語', decode(md5(i::text), 'hex') FROM generate_series(1, 2000) AS i;
       CREATE INDEX items_at ON items (at);
       CREATE VIEW recent AS SELECT id, name FROM items WHERE id > 1990;`,
    );
    const before = await psql(pg15, FINGERPRINT);
    expect(before).toMatch(/^2000 [0-9a-f]{32}$/);

    await run(pg15, ['pg_dump', '-U', USER, '-d', DB, '-Fc', '-f', '/dump/app.dump']);
    // 17's pg_restore reads 15's custom-format archive
    expect(await run(pg17, ['pg_restore', '--list', '/dump/app.dump'])).toContain('TABLE public items');
    await run(pg17, ['pg_restore', '-U', USER, '-d', DB, '--no-owner', '--exit-on-error', '/dump/app.dump']);

    expect(await psql(pg17, FINGERPRINT)).toBe(before);
    expect(await psql(pg17, 'SELECT count(*) FROM recent')).toBe('10');
    expect(await psql(pg17, "SELECT indexname FROM pg_indexes WHERE tablename = 'items' ORDER BY indexname")).toBe('items_at\nitems_name_key\nitems_pkey');
    // the sequence came along: the next row gets the next id
    expect(await psql(pg17, "INSERT INTO items (name) VALUES ('after') RETURNING id")).toBe('2001');
  });
});

describe(`local/pds:${PDS_PREV_VERSION} (the earlier PDS release)`, () => {
  let pds: Dockerode.Container;
  let port = 0;

  beforeAll(async () => {
    const volume = `${project}-pds`;
    await d.createVolume({ Name: volume, Labels: labels });
    pds = await d.createContainer({
      name: `${project}-pds`,
      Image: PDS_PREV,
      Labels: labels,
      Env: [
        'PDS_HOSTNAME=pds.example.com',
        `PDS_JWT_SECRET=${randomBytes(16).toString('hex')}`,
        `PDS_ADMIN_PASSWORD=${randomBytes(16).toString('hex')}`,
        `PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX=${randomBytes(32).toString('hex')}`,
        'PDS_DATA_DIRECTORY=/pds',
        'PDS_BLOBSTORE_DISK_LOCATION=/pds/blocks',
        // nothing may try the internet
        'PDS_DID_PLC_URL=http://plc.invalid:2582',
        'PDS_CRAWLERS=',
        'PDS_BSKY_APP_VIEW_URL=',
        'PDS_BSKY_APP_VIEW_DID=',
        'PDS_REPORT_SERVICE_URL=',
        'PDS_REPORT_SERVICE_DID=',
      ],
      ExposedPorts: { '3000/tcp': {} },
      HostConfig: {
        Mounts: [{ Type: 'volume', Source: volume, Target: '/pds' }],
        PortBindings: { '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      },
    });
    await pds.start();
    port = Number((await pds.inspect()).NetworkSettings.Ports['3000/tcp']?.[0]?.HostPort);
  });

  it(`answers /xrpc/_health with version ${PDS_PREV_VERSION}`, async () => {
    const health = await eventually(
      async () => {
        const state = (await pds.inspect()).State;
        if (!state.Running) throw new Error(`the PDS container stopped (exit code ${state.ExitCode})`);
        // with a timeout: a connection made through the published port before the server listens can hang
        return fetch(`http://127.0.0.1:${port}/xrpc/_health`, { signal: AbortSignal.timeout(1_000) }).then(
          (r) => (r.ok ? (r.json() as Promise<unknown>) : undefined),
          () => undefined,
        );
      },
      60_000,
      'the PDS to answer /xrpc/_health',
    );
    expect(health).toEqual({ version: PDS_PREV_VERSION });
    // the official image's health check tool (busybox wget) inside the container
    expect(JSON.parse(await run(pds, ['wget', '-q', '-O-', 'http://127.0.0.1:3000/xrpc/_health']))).toEqual({ version: PDS_PREV_VERSION });
  });

  it('stops cleanly on SIGTERM (exit code 0, not killed)', async () => {
    await pds.stop();
    const state = (await pds.inspect()).State;
    expect(state).toMatchObject({ Running: false, ExitCode: 0 });
  });
});
