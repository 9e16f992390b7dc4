/**
 * Updates of Mastodon and Misskey on the real engine through `engawa`, with the stand-ins for their
 * images (scripts/test-images/standin) and the real local PostgreSQL and Redis:
 * - Mastodon, on the shipped recipe's own two releases (PREVIOUS_MASTODON_VERSION → MASTODON_VERSION):
 *   the pre-deployment `db:migrate` (SKIP_POST_DEPLOYMENT_MIGRATIONS=true) runs on the NEW image while
 *   the old web still serves, then web, streaming and sidekiq are recreated on the new images, then
 *   the post-deployment `db:migrate` runs without the variable;
 * - Mastodon through an intermediate release: a test catalogue `mastodon-path` (the shipped recipe
 *   under another id, testOnly, with a third release the newest can only be reached through) runs
 *   pre, switch and post once per release, in order;
 * - Misskey, on the shipped recipe's two releases, with a newest image whose migration at start fails
 *   halfway (the stand-in's STANDIN_FAIL_MIGRATION, set in a derived image): the update rolls back by
 *   itself, says so naming web, and the record and the data are as they were before.
 *
 * So that a switch really changes images, every official image of every release maps to a tag of its
 * own of the stand-in (made here with `docker tag`, removed afterwards). What ran where and in which
 * order is read from the engine's event stream (each container's image and its create, start and die
 * in the engine's own clock) joined with what the stand-in wrote to the instance's database (each
 * `db:migrate`: its SKIP_POST_DEPLOYMENT_MIGRATIONS and its container's host name, the container id).
 * The shipped ids cannot be given by a recipe file (the registry refuses a second recipe with the id
 * "mastodon"), hence `mastodon-path` for the three-release catalogue; the stand-in ignores the id.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execIn } from '../../electron/core/engine/exec';
import type { InstanceRecord } from '../../electron/core/instances';
import { LABELS } from '../../electron/core/plan/types';
import { MASTODON_VERSION, mastodonRecipe, PREVIOUS_MASTODON_VERSION } from '../../electron/core/stacks/mastodon/recipe';
import { MISSKEY_VERSION, misskeyRecipe, PREVIOUS_MISSKEY_VERSION } from '../../electron/core/stacks/misskey/recipe';
import { releaseImages } from '../../electron/core/stacks/releases';
import type { Recipe, StackRelease } from '../../electron/core/stacks/types';
import { tarFiles } from '../../electron/core/util/tar-write';
import { cli, docker, LOCAL_IMAGES, tempHome, uniqueName, type CliResult } from './helpers';
import { PASS } from './backup-world';

const RUN = randomBytes(3).toString('hex');
const MASTODON_STANDIN = 'local/standin-mastodon:1';
const MISSKEY_STANDIN = 'local/standin-misskey:1';
/** The intermediate release of the `mastodon-path` catalogue. */
const MID = 'v4.7.0';
const FAILURE = 'QueryFailedError: column "isIndexable" of relation "user" already exists';

/** Local tags this test made (removed in afterAll), and the image it built. */
const tags: string[] = [];
let failingImage: string | undefined;

/** `repo:tag`, a new tag of `source` (as `docker tag`). */
async function tag(source: string, repo: string, name: string): Promise<string> {
  await docker().getImage(source).tag({ repo, tag: name });
  tags.push(`${repo}:${name}`);
  return `${repo}:${name}`;
}

/** The local tag of an official app image: `local/standin-mastodon:<release>-<run>` or `…:streaming-<release>-<run>`. */
const localTag = (official: string, repo: string): string => {
  const [name, release] = official.split('/').at(-1)?.split(':') as [string, string];
  return `${repo}:${name.endsWith('-streaming') ? 'streaming-' : ''}${release}-${RUN}`;
};

/** The stores and the probe: the real local images (both PostgreSQL tags run on local/postgres:15, as in mastodon-misskey.test.ts). */
function storeImages(recipe: Recipe): Record<string, string> {
  const map: Record<string, string> = { ...LOCAL_IMAGES };
  for (const s of recipe.services) {
    if (/^postgres:/.test(s.image)) map[s.image] = 'local/postgres:15';
    if (/^redis:/.test(s.image)) map[s.image] = 'local/redis:7';
  }
  return map;
}

const run = (home: string, images: Record<string, string>, args: string[], recipes?: string): Promise<CliResult> =>
  cli(home, args, { ENGAWA_IMAGES: JSON.stringify(images), ENGAWA_BACKUP_PASSPHRASE: PASS, ...(recipes !== undefined && { ENGAWA_RECIPES: recipes }) });

const readRecord = async (home: string, name: string): Promise<InstanceRecord> =>
  JSON.parse(await readFile(path.join(home, 'instances', `${name}.json`), 'utf8')) as InstanceRecord;

async function serviceContainer(project: string, service: string): Promise<Dockerode.Container> {
  const [c] = await docker().listContainers({
    filters: { label: [`${LABELS.project}=${project}`, `${LABELS.service}=${service}`, `${LABELS.role}=service`] },
  });
  if (!c) throw new Error(`no running container for ${project}/${service}`);
  return docker().getContainer(c.Id);
}

/** Rows of a query in the instance's real database (as its own user, over the socket); null as "∅". */
async function query(project: string, db: string, sql: string): Promise<string[][]> {
  const r = await execIn(await serviceContainer(project, 'db'), ['psql', '-U', db, '-d', db, '-AtF', '|', '-P', 'null=∅', '-c', sql]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('|'));
}

/** The image each running service container of the project was created from. */
async function runningImages(project: string): Promise<Record<string, string>> {
  const list = await docker().listContainers({ filters: { label: [`${LABELS.project}=${project}`, `${LABELS.role}=service`] } });
  return Object.fromEntries(list.map((c) => [c.Labels[LABELS.service] as string, c.Image]));
}

// ------------------------------------------------------------ the engine's events

interface ContainerEvent {
  /** the engine's clock, in nanoseconds */
  t: bigint;
  action: 'create' | 'start' | 'die' | 'destroy';
  id: string;
  image: string;
  service: string;
  role: string;
}

/** Collects the container events of `project` from now until `stop` (the engine's ring buffer is too short to ask afterwards). */
async function watchEvents(project: string): Promise<{ events: ContainerEvent[]; stop: () => Promise<void> }> {
  const events: ContainerEvent[] = [];
  const stream = (await docker().getEvents({
    filters: { type: ['container'], event: ['create', 'start', 'die', 'destroy'], label: [`${LABELS.project}=${project}`] },
  })) as unknown as Readable;
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines.filter((l) => l.trim() !== '')) {
      const e = JSON.parse(line) as { Action: ContainerEvent['action']; timeNano: number | string; Actor: { ID: string; Attributes: Record<string, string> } };
      const a = e.Actor.Attributes;
      events.push({
        t: BigInt(e.timeNano),
        action: e.Action,
        id: e.Actor.ID,
        image: a.image ?? '',
        service: a[LABELS.service] ?? '',
        role: a[LABELS.role] ?? '',
      });
    }
  });
  return {
    events,
    stop: async () => {
      await sleep(1000); // the last events are on their way
      stream.destroy();
    },
  };
}

/** One `db:migrate` the stand-in recorded in the database, with its container's events. */
interface Migrate {
  skipPost: string | null;
  image: string;
  role: string;
  start: bigint;
  die: bigint;
}

/** Every `db:migrate` of the instance, in the order they ran, each joined to its container (host name = the id's first 12 characters). */
async function migrations(project: string, events: ContainerEvent[]): Promise<Migrate[]> {
  const rows = await query(project, 'mastodon', 'select skip_post, host from standin_migrate_runs order by at');
  return rows.map(([skip, host]) => {
    const own = events.filter((e) => e.id.startsWith(host as string));
    const at = (action: string): bigint => {
      const e = own.find((x) => x.action === action);
      if (!e) throw new Error(`no ${action} event for the container ${host}`);
      return e.t;
    };
    return { skipPost: skip === '∅' ? null : (skip as string), image: own[0]?.image ?? '?', role: own[0]?.role ?? '?', start: at('start'), die: at('die') };
  });
}

/**
 * What happened, in the engine's order: `pre@R` / `post@R` for a `db:migrate` with / without
 * SKIP_POST_DEPLOYMENT_MIGRATIONS on release R's image, `switch@R web,…` for the service containers
 * created on release R's images (consecutive creations in one token, services sorted).
 */
function timeline(events: ContainerEvent[], runs: Migrate[], releaseOf: (image: string) => string): string[] {
  const items: { t: bigint; token: string }[] = [
    ...runs.map((r) => ({ t: r.start, token: `${r.skipPost === 'true' ? 'pre' : r.skipPost === null ? 'post' : `skip=${r.skipPost}`}@${releaseOf(r.image)}` })),
    ...events.filter((e) => e.role === 'service' && e.action === 'create').map((e) => ({ t: e.t, token: `switch@${releaseOf(e.image)} ${e.service}` })),
  ].sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  const out: string[] = [];
  for (const { token } of items) {
    const last = out.at(-1);
    if (token.startsWith('switch@') && last?.startsWith(token.split(' ')[0] as string)) {
      const [head, services] = last.split(' ') as [string, string];
      out[out.length - 1] = `${head} ${[...services.split(','), token.split(' ')[1]].sort().join(',')}`;
    } else out.push(token);
  }
  return out;
}

// ------------------------------------------------------------ set-up

let home: { dir: string; cleanup: () => Promise<void> };
/** Temporary folders of catalogue files (removed in afterAll). */
const dirs: string[] = [];
const made: { name: string; images: Record<string, string>; recipes?: string }[] = [];

/** Official app images of each release → the stand-in's own tag for it (made here); the stores as local images. */
async function mastodonImages(recipe: Recipe, versions: string[]): Promise<Record<string, string>> {
  const map = storeImages(recipe);
  for (const v of versions) {
    for (const [service, official] of Object.entries(releaseImages(recipe, v))) {
      if (service === 'db' || service === 'redis' || map[official] !== undefined) continue;
      const local = localTag(official, 'local/standin-mastodon');
      const [repo, name] = local.split(':') as [string, string];
      map[official] = tags.includes(local) ? local : await tag(MASTODON_STANDIN, repo, name);
    }
  }
  return map;
}

beforeAll(async () => {
  for (const image of [MASTODON_STANDIN, MISSKEY_STANDIN, 'local/postgres:15', 'local/redis:7']) {
    await docker()
      .getImage(image)
      .inspect()
      .catch(() => {
        throw new Error(`${image} is missing: run bash scripts/build-test-images.sh`);
      });
  }
  home = await tempHome();
});

afterAll(async () => {
  for (const m of made) await run(home.dir, m.images, ['destroy', m.name, '--yes'], m.recipes).catch(() => undefined);
  for (const t of tags)
    await docker()
      .getImage(t)
      .remove()
      .catch(() => undefined); // a tag of ours: only the tag goes
  if (failingImage !== undefined)
    await docker()
      .getImage(failingImage)
      .remove()
      .catch(() => undefined);
  await home?.cleanup();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const mastodonCreate = (name: string, stack = 'mastodon', version = PREVIOUS_MASTODON_VERSION): string[] => [
  'create',
  stack,
  '--name',
  name,
  '--version',
  version,
  '--domain',
  'social.example.net',
  '--admin-user',
  'taro',
  '--admin-email',
  'taro@example.net',
];

describe('mastodon: pre-deployment migrations on the new image, the switch, post-deployment migrations', () => {
  const name = uniqueName('upmst');
  const project = `engawa-${name}`;
  let images: Record<string, string>;
  const release = (image: string): string =>
    Object.entries(images)
      .find(([, local]) => local === image)?.[0]
      .split(':')
      .at(-1) ?? `(not an app image: ${image})`;

  it(`creates on ${PREVIOUS_MASTODON_VERSION} and updates to ${MASTODON_VERSION} in that order`, async () => {
    images = await mastodonImages(mastodonRecipe, [PREVIOUS_MASTODON_VERSION, MASTODON_VERSION]);
    const OLD = releaseImages(mastodonRecipe, PREVIOUS_MASTODON_VERSION);
    const NEW = releaseImages(mastodonRecipe, MASTODON_VERSION);
    expect(new Set([OLD.web, OLD.streaming, NEW.web, NEW.streaming].map((o) => images[o as string])).size).toBe(4);

    const t0 = Date.now();
    const created = await run(home.dir, images, [...mastodonCreate(name), '--json']);
    expect(created.code, created.stderr).toBe(0);
    made.push({ name, images });
    const tCreate = Date.now() - t0;
    expect(await runningImages(project)).toMatchObject({
      web: images[OLD.web as string],
      streaming: images[OLD.streaming as string],
      sidekiq: images[OLD.web as string],
    });
    const info = await run(home.dir, images, ['updates', name, '--json']);
    expect(info.json()).toMatchObject({ current: PREVIOUS_MASTODON_VERSION, target: MASTODON_VERSION, steps: [{ to: MASTODON_VERSION }] });
    const oldServices = Object.fromEntries(
      await Promise.all(['web', 'streaming', 'sidekiq'].map(async (s) => [s, (await (await serviceContainer(project, s)).inspect()).Id] as const)),
    );

    const watch = await watchEvents(project);
    const t1 = Date.now();
    const r = await run(home.dir, images, ['update', name, '--json']);
    const tUpdate = Date.now() - t1;
    await watch.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({
      from: PREVIOUS_MASTODON_VERSION,
      to: MASTODON_VERSION,
      updated: true,
      steps: [{ from: PREVIOUS_MASTODON_VERSION, to: MASTODON_VERSION }],
    });
    console.log(`mastodon: create ${tCreate} ms, update ${tUpdate} ms (offline ${(r.json() as { downtimeMs: number }).downtimeMs} ms)`);

    const runs = await migrations(project, watch.events);
    expect(timeline(watch.events, runs, release)).toEqual([
      `pre@${MASTODON_VERSION}`,
      `switch@${MASTODON_VERSION} sidekiq,streaming,web`,
      `post@${MASTODON_VERSION}`,
    ]);
    const [pre, post] = runs as [Migrate, Migrate];
    // both in one-off containers of the NEW web image; pre with the skip variable, post without it
    expect(pre).toMatchObject({ skipPost: 'true', image: images[NEW.web as string], role: 'task' });
    expect(post).toMatchObject({ skipPost: null, image: images[NEW.web as string], role: 'task' });
    // the old web, streaming and sidekiq served the whole time the pre-deployment migrations ran
    const died = (id: string): bigint => watch.events.find((e) => e.id === id && e.action === 'die')?.t ?? -1n;
    for (const [service, id] of Object.entries(oldServices)) {
      expect(
        watch.events.some((e) => e.id === id && e.action === 'die' && e.t < pre.die),
        `${service} stopped during the migrations`,
      ).toBe(false);
      expect(died(id), `old ${service} replaced after the pre-deployment migrations`).toBeGreaterThan(pre.die);
    }
    // db and redis were not touched; the new app containers ran before the post-deployment migrations
    expect(watch.events.filter((e) => e.role === 'service' && ['db', 'redis'].includes(e.service))).toEqual([]);
    const started = watch.events.filter((e) => e.role === 'service' && e.action === 'start');
    expect(started.map((e) => e.service).sort()).toEqual(['sidekiq', 'streaming', 'web']);
    for (const e of started) expect(e.t, e.service).toBeLessThan(post.start);

    expect(await runningImages(project)).toMatchObject({
      web: images[NEW.web as string],
      streaming: images[NEW.streaming as string],
      sidekiq: images[NEW.web as string],
    });
    const rec = await readRecord(home.dir, name);
    expect(rec.stackVersion).toBe(MASTODON_VERSION);
    expect(rec.update).toBeUndefined();
    expect(rec.lastUpdate).toMatchObject({ from: PREVIOUS_MASTODON_VERSION, to: MASTODON_VERSION });
    const status = (await run(home.dir, images, ['status', name, '--json'])).json() as { state: string; services: { name: string; health: string }[] };
    expect(status.state).toBe('running');
    expect(status.services.map((s) => `${s.name}:${s.health}`).sort()).toEqual([
      'db:healthy',
      'redis:healthy',
      'sidekiq:healthy',
      'streaming:healthy',
      'web:healthy',
    ]);
    // the owner made at create is still there
    expect(await query(project, 'mastodon', 'select username, approved from standin_accounts')).toEqual([['taro', 't']]);
  }, 480_000);
});

describe('mastodon through an intermediate release', () => {
  const name = uniqueName('upmsp');
  const project = `engawa-${name}`;

  it(`${PREVIOUS_MASTODON_VERSION} → ${MID} → ${MASTODON_VERSION}: pre, switch and post once per release, in order`, async () => {
    // the shipped recipe under another id, with a third release that the newest can only be reached through
    const app = (v: string) => `ghcr.io/mastodon/mastodon:${v}`;
    const streamingAt = (v: string) => `ghcr.io/mastodon/mastodon-streaming:${v}`;
    const servicesAt = (v: string): StackRelease['services'] => ({ web: { image: app(v) }, sidekiq: { image: app(v) }, streaming: { image: streamingAt(v) } });
    const recipe: Recipe = {
      ...(JSON.parse(JSON.stringify(mastodonRecipe)) as Recipe),
      id: 'mastodon-path',
      name: 'Mastodon (update path test)',
      testOnly: true,
      releases: [
        { version: MASTODON_VERSION, from: [MID] },
        { version: MID, services: servicesAt(MID) },
        { version: PREVIOUS_MASTODON_VERSION, services: servicesAt(PREVIOUS_MASTODON_VERSION) },
      ],
    };
    const dir = await mkdtemp(path.join(os.tmpdir(), 'engawa-cat-'));
    dirs.push(dir);
    const recipes = path.join(dir, 'mastodon-path.json');
    await writeFile(recipes, JSON.stringify(recipe, null, 2));
    const images = await mastodonImages(recipe, [PREVIOUS_MASTODON_VERSION, MID, MASTODON_VERSION]);
    const release = (image: string): string =>
      Object.entries(images)
        .find(([, local]) => local === image)?.[0]
        .split(':')
        .at(-1) ?? `(not an app image: ${image})`;

    const created = await run(home.dir, images, mastodonCreate(name, 'mastodon-path'), recipes);
    expect(created.code, created.stderr).toBe(0);
    made.push({ name, images, recipes });
    const info = await run(home.dir, images, ['updates', name, '--json'], recipes);
    expect((info.json() as { steps: { from: string; to: string }[] }).steps.map((s) => `${s.from}→${s.to}`)).toEqual([
      `${PREVIOUS_MASTODON_VERSION}→${MID}`,
      `${MID}→${MASTODON_VERSION}`,
    ]);

    const watch = await watchEvents(project);
    const t1 = Date.now();
    const r = await run(home.dir, images, ['update', name, '--json'], recipes);
    const tUpdate = Date.now() - t1;
    await watch.stop();
    expect(r.code, r.stderr).toBe(0);
    expect((r.json() as { steps: { from: string; to: string }[] }).steps.map((s) => `${s.from}→${s.to}`)).toEqual([
      `${PREVIOUS_MASTODON_VERSION}→${MID}`,
      `${MID}→${MASTODON_VERSION}`,
    ]);
    console.log(`mastodon-path: update through ${MID} ${tUpdate} ms`);

    const runs = await migrations(project, watch.events);
    expect(timeline(watch.events, runs, release)).toEqual([
      `pre@${MID}`,
      `switch@${MID} sidekiq,streaming,web`,
      `post@${MID}`,
      `pre@${MASTODON_VERSION}`,
      `switch@${MASTODON_VERSION} sidekiq,streaming,web`,
      `post@${MASTODON_VERSION}`,
    ]);
    expect(runs.every((m) => m.role === 'task')).toBe(true);
    const rec = await readRecord(home.dir, name);
    expect(rec.stackVersion).toBe(MASTODON_VERSION);
    expect(rec.lastUpdate).toMatchObject({ from: PREVIOUS_MASTODON_VERSION, to: MASTODON_VERSION });
    expect((await runningImages(project)).web).toBe(images[app(MASTODON_VERSION)]);
  }, 600_000);
});

describe('misskey: a release whose migration at start fails goes back by itself', () => {
  const name = uniqueName('upmsk');
  const project = `engawa-${name}`;
  const PG18_LAYOUT = ['--set', 'db.PGDATA=/var/lib/postgresql/18/docker'];

  it(`${PREVIOUS_MISSKEY_VERSION} → ${MISSKEY_VERSION} fails in web's migration: exit 1, back on ${PREVIOUS_MISSKEY_VERSION} with the data as before`, async () => {
    const OLD = releaseImages(misskeyRecipe, PREVIOUS_MISSKEY_VERSION).web as string;
    const NEW = releaseImages(misskeyRecipe, MISSKEY_VERSION).web as string;
    // the newest release's image: the stand-in with its migration set to fail (an image of its own)
    failingImage = `local/standin-misskey:${MISSKEY_VERSION}-fails-${RUN}`;
    const dockerfile = `FROM ${MISSKEY_STANDIN}\nENV STANDIN_FAIL_MIGRATION=${JSON.stringify(FAILURE)}\n`;
    const build = await docker().buildImage(Readable.from(tarFiles([{ path: 'Dockerfile', content: dockerfile, mode: 0o644, uid: 0, gid: 0 }])), {
      t: failingImage,
    });
    await new Promise<void>((resolve, reject) =>
      docker().modem.followProgress(build, (err: Error | null, out: { error?: string }[]) => {
        const failed = err ?? out.find((o) => o.error !== undefined)?.error;
        if (failed) reject(failed instanceof Error ? failed : new Error(failed));
        else resolve();
      }),
    );
    const images = {
      ...storeImages(misskeyRecipe),
      [OLD]: await tag(MISSKEY_STANDIN, 'local/standin-misskey', `${PREVIOUS_MISSKEY_VERSION}-${RUN}`),
      [NEW]: failingImage,
    };

    const created = await run(home.dir, images, [
      'create',
      'misskey',
      '--name',
      name,
      '--version',
      PREVIOUS_MISSKEY_VERSION,
      '--domain',
      'notes.example.net',
      '--admin-user',
      'hanako',
      '--admin-email',
      'hanako@example.net',
      ...PG18_LAYOUT,
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    made.push({ name, images });
    expect((await runningImages(project)).web).toBe(images[OLD]);
    const data = (): Promise<string[][]> =>
      query(
        project,
        'misskey',
        "select 'meta', root, token, federation from standin_meta union all select 'migrations', count(*)::text, '', '' from standin_migrations union all select 'half-migrated', coalesce(to_regclass('standin_half_migrated')::text, 'none'), '', ''",
      );
    const before = await data();
    expect(before[0]).toEqual(['meta', 'hanako', expect.stringMatching(/^[0-9a-f]{16}$/), 'all']);
    expect(before.slice(1)).toEqual([
      ['migrations', '1', '', ''],
      ['half-migrated', 'none', '', ''],
    ]);
    const migratedAt = await query(project, 'misskey', 'select at from standin_migrations order by at');

    const t1 = Date.now();
    const r = await run(home.dir, images, ['update', name]);
    const tUpdate = Date.now() - t1;
    console.log(`misskey: failed update and rollback ${tUpdate} ms`);
    expect(r.code, r.stderr).toBe(1);
    const line = r.stderr.split('\n').find((l) => l.startsWith('engawa:')) ?? '';
    expect(line).toMatch(new RegExp(`web did not work on ${MISSKEY_VERSION.replaceAll('.', '\\.')}`));
    expect(line).toMatch(new RegExp(`went back to ${PREVIOUS_MISSKEY_VERSION.replaceAll('.', '\\.')}`));
    // the cause, from the new web's own log: its migration
    expect(r.stderr).toContain('last log lines of web:');
    expect(r.stderr).toContain(`standin: migration failed: ${FAILURE}`);

    const rec = await readRecord(home.dir, name);
    expect(rec.stackVersion).toBe(PREVIOUS_MISSKEY_VERSION);
    expect(rec.update).toBeUndefined();
    expect(rec.lastUpdate).toBeUndefined();
    expect(rec.lastError?.code).toBe('ROLLED_BACK');
    expect((await runningImages(project)).web).toBe(images[OLD]);
    const status = (await run(home.dir, images, ['status', name, '--json'])).json() as {
      state: string;
      localUrl: string;
      services: { name: string; health: string }[];
    };
    expect(status.state).toBe('running');
    expect(status.services.map((s) => `${s.name}:${s.health}`).sort()).toEqual(['db:healthy', 'redis:healthy', 'web:healthy']);
    // the data as before: the admin, its token and federation; no trace of the half-done migration;
    // the migrations of before, then the old release's own at its start after the restore
    const after = await data();
    expect(after[0]).toEqual(before[0]);
    expect(after[2]).toEqual(['half-migrated', 'none', '', '']);
    const migratedNow = await query(project, 'misskey', 'select at from standin_migrations order by at');
    expect(migratedNow.slice(0, migratedAt.length)).toEqual(migratedAt);
    const shown = await fetch(`${status.localUrl}/api/users/show`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'hanako' }),
    });
    expect(shown.status).toBe(200);
    expect(((await shown.json()) as { username: string }).username).toBe('hanako');
    const info = (await run(home.dir, images, ['updates', name, '--json'])).json() as { current: string; target?: string };
    expect(info).toMatchObject({ current: PREVIOUS_MISSKEY_VERSION, target: MISSKEY_VERSION });
  }, 600_000);
});
