/**
 * The media-cache clean-up on the real engine, with the Mastodon stand-in (scripts/test-images/
 * standin: its `tootctl media remove` and `preview_cards remove` delete the cached files older than
 * --days under public/system/cache, as upstream does in its database's terms, and record each call).
 * A Mastodon server is created through `engawa`, the days set to 30, and files put into its
 * media-cache volume: old ones (touch -d 40 days ago) and a fresh one.
 * - The daily schedule, with a clock two days ahead (so the first 04:30 after creation is past),
 *   runs the three tootctl commands in web with --days 30: the stand-in recorded exactly those, the
 *   old files went, the fresh one stayed, and the run is kept.
 * - `instances.clean` ("Clean now") over the core runs them again as an operation 'clean' with a
 *   step per task, its result has the cache's size before and after, and `instances.disk` shows
 *   the media-cache volume smaller than before; the uploads (data) volume is untouched.
 */
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEventMessage, ApiEvents, InstanceDiskUse } from '../../electron/shared/contract';
import { createCore, type EngawaCore } from '../../electron/core/api/create-core';
import { SettingsStore } from '../../electron/core/api/settings';
import { createServices, type Services } from '../../electron/core/api/wiring';
import type { ClientContext } from '../../electron/core/api/types';
import { execIn } from '../../electron/core/engine/exec';
import { FileSecretStore } from '../../electron/core/instances/secret-store';
import { LABELS } from '../../electron/core/plan/types';
import { mastodonRecipe } from '../../electron/core/stacks/mastodon/recipe';
import { runCleanUp } from '../../electron/core/watch/maintenance';
import { CleanScheduler } from '../../electron/core/watch/maintenance-schedule';
import { readMaintenance, setMaintenanceDays } from '../../electron/core/watch/maintenance-store';
import { cli, docker, standinImageMap, tempHome, uniqueName } from './helpers';

const IMAGES = standinImageMap(mastodonRecipe, 'local/standin-mastodon:1');
const ENV = { ENGAWA_IMAGES: JSON.stringify(IMAGES) };
const CACHE = '/opt/mastodon/public/system/cache';

let home: { dir: string; cleanup: () => Promise<void> };
let services: Services;
const name = uniqueName('cln');
const project = `engawa-${name}`;

async function web(): Promise<Dockerode.Container> {
  const [c] = await docker().listContainers({ filters: { label: [`${LABELS.project}=${project}`, `${LABELS.service}=web`, `${LABELS.role}=service`] } });
  if (!c) throw new Error(`no web container for ${project}`);
  return docker().getContainer(c.Id);
}

async function sh(script: string): Promise<string> {
  const r = await execIn(await web(), ['sh', '-c', script]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout;
}

/** Old files (40 days) of 1 MiB in each cached kind, and a fresh attachment. */
async function fillCache(tag: string): Promise<void> {
  await sh(
    [
      `for d in media_attachments/files/${tag} accounts/avatars/${tag} preview_cards/images/${tag}; do mkdir -p ${CACHE}/$d`,
      `head -c 1048576 /dev/urandom > ${CACHE}/$d/old.bin; touch -d '40 days ago' ${CACHE}/$d/old.bin; done`,
      `head -c 4096 /dev/urandom > ${CACHE}/media_attachments/files/${tag}/fresh.bin`,
    ].join('; '),
  );
}

/** The tootctl calls the stand-in in web recorded, as command lines. */
async function tootctlCalls(): Promise<string[]> {
  const lines = (await sh('cat /standin/record.jsonl')).trim().split('\n');
  return lines
    .map((l) => JSON.parse(l) as { kind: string; program?: string; argv?: string[] })
    .filter((r) => r.kind === 'exec' && r.program === 'tootctl' && (r.argv?.[0] === 'media' || r.argv?.[0] === 'preview_cards'))
    .map((r) => `tootctl ${r.argv?.join(' ')}`);
}

const cacheOf = (d: InstanceDiskUse) => d.volumes.find((v) => v.key === 'media-cache')?.bytes ?? null;
const uploadsOf = (d: InstanceDiskUse) => d.volumes.find((v) => v.key === 'uploads')?.bytes ?? null;

beforeAll(async () => {
  home = await tempHome();
  const r = await cli(
    home.dir,
    ['create', 'mastodon', '--name', name, '--domain', 'social.example.net', '--admin-user', 'taro', '--admin-email', 'taro@example.net'],
    ENV,
  );
  expect(r.code, r.stderr).toBe(0);
  services = createServices({
    home: home.dir,
    env: { DOCKER_HOST: process.env.DOCKER_HOST, HOME: process.env.HOME },
    images: IMAGES,
    secrets: new FileSecretStore(home.dir),
  });
}, 300_000);

afterAll(async () => {
  await cli(home.dir, ['destroy', name, '--yes'], ENV);
  await home.cleanup();
});

describe('the media-cache clean-up with the Mastodon stand-in', () => {
  it('the daily schedule runs the three tootctl commands with the configured days; old cached files go, fresh ones stay', async () => {
    await setMaintenanceDays(home.dir, name, 30);
    await fillCache('a');
    const deps = { manager: services.manager, engine: services.engine, home: home.dir };
    const scheduler = new CleanScheduler({
      manager: services.manager,
      home: home.dir,
      log: () => {},
      now: () => new Date(Date.now() + 2 * 24 * 60 * 60_000), // the first 04:30 after creation has passed
      run: async (n) => void (await runCleanUp(deps, n, { trigger: 'schedule' })),
    });
    scheduler.start();
    await scheduler.idle();
    await scheduler.stop();

    expect(await tootctlCalls()).toEqual([
      'tootctl media remove --days 30',
      'tootctl preview_cards remove --days 30',
      'tootctl media remove --prune-profiles --days 30',
    ]);
    expect((await sh(`cd ${CACHE} && find . -type f | sort`)).trim().split('\n')).toEqual(['./media_attachments/files/a/fresh.bin']);
    const kept = await readMaintenance(home.dir, name);
    expect(kept.lastRun).toMatchObject({ trigger: 'schedule', outcome: 'done', days: 30, ran: ['media', 'preview-cards', 'profiles'] });
    expect(kept.lastRun?.cacheBytesBefore).toBeGreaterThan((kept.lastRun?.cacheBytesAfter ?? 0) + 3_000_000);
  });

  it('"Clean now" (instances.clean) runs them as an operation, and the cache size from instances.disk drops', async () => {
    let core: EngawaCore | undefined;
    try {
      core = createCore({
        services,
        settings: await SettingsStore.open(home.dir),
        info: { version: '0.0.0', platform: process.platform, shell: 'browser', systemLanguages: [] },
      });
      const events: ApiEventMessage[] = [];
      core.subscribe((m) => events.push(m));
      const mine: ApiEvents['op.done'][] = [];
      const client: ClientContext = {
        id: 'test',
        send: (event, payload) => event === 'op.done' && mine.push(payload as ApiEvents['op.done']),
        onClose: () => {},
      };

      await fillCache('b');
      const before = await core.handlers['instances.disk']({ name }, client);
      expect(cacheOf(before)).toBeGreaterThan(3_000_000);
      const calls = (await tootctlCalls()).length;

      const { opId } = await core.handlers['instances.clean']({ name }, client);
      for (let i = 0; i < 600 && !events.some((m) => (m.event === 'op.done' || m.event === 'op.failed') && m.payload.opId === opId); i++)
        await new Promise((r) => setTimeout(r, 100));
      const end = events.find((m) => (m.event === 'op.done' || m.event === 'op.failed') && m.payload.opId === opId);
      expect(end, JSON.stringify(end)).toMatchObject({ event: 'op.done', payload: { op: 'clean', instance: name } });
      const steps = events.flatMap((m) =>
        m.event === 'op.progress' && m.payload.opId === opId && m.payload.progress.kind === 'step'
          ? [`${m.payload.progress.step} ${m.payload.progress.state}`]
          : [],
      );
      expect(steps.filter((s) => s.endsWith(' done'))).toEqual(['clean:media done', 'clean:preview-cards done', 'clean:profiles done']);
      const logLines = events.flatMap((m) =>
        m.event === 'op.progress' && m.payload.opId === opId && m.payload.progress.kind === 'log' ? [m.payload.progress.line] : [],
      );
      expect(logLines).toContain('Removed 1 media attachments (approx. 1 MB)');

      const result = mine.find((d) => d.opId === opId)?.result;
      expect(result?.cacheBytesBefore).toBeGreaterThan((result?.cacheBytesAfter ?? 0) + 3_000_000);
      expect((await tootctlCalls()).slice(calls)).toEqual([
        'tootctl media remove --days 30',
        'tootctl preview_cards remove --days 30',
        'tootctl media remove --prune-profiles --days 30',
      ]);

      const after = await core.handlers['instances.disk']({ name }, client);
      expect(cacheOf(after)).toBeLessThan((cacheOf(before) ?? 0) - 3_000_000);
      expect(uploadsOf(after)).toBe(uploadsOf(before)); // data is never touched
      expect((await core.handlers['instances.maintenance']({ name }, client)).lastRun).toMatchObject({ trigger: 'manual', outcome: 'done' });
    } finally {
      await core?.ops.settled();
      await core?.close();
    }
  });

  it('refuses a stopped server at once, running nothing', async () => {
    const r = await cli(home.dir, ['stop', name], ENV);
    expect(r.code, r.stderr).toBe(0);
    const core = createCore({
      services,
      settings: await SettingsStore.open(home.dir),
      info: { version: '0.0.0', platform: process.platform, shell: 'browser', systemLanguages: [] },
    });
    try {
      const client: ClientContext = { id: 'test', send: () => {}, onClose: () => {} };
      await expect(core.handlers['instances.clean']({ name }, client)).rejects.toMatchObject({
        code: 'STATE',
        message: expect.stringMatching(/stopped.*start it first/),
      });
      expect(core.ops.list()).toEqual([]);
    } finally {
      await core.close();
    }
  });
});
