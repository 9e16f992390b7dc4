/**
 * The new computer, end to end on the real engine, once in English and once in Japanese: a real
 * Bluesky PDS (the local @atproto/pds image) is made through the API of a host of this spec's own
 * (own-host.ts: its own home, port and token, not the shared host), the owner posts a picture
 * through XRPC on the PDS's port on 127.0.0.1, the server is backed up and the file copied out
 * (the "USB drive"); then everything is wiped: the server destroyed, the host stopped, no
 * container or volume of it left, the whole home deleted. A second host on a new empty home is
 * the new computer: in the page, the first screen's "Restore a server from a backup file", a
 * file that is not a backup and a wrong passphrase each refused in the page's language with
 * nothing created, the preview (network, domain, date, the owner's account), the restore with
 * progress, the dashboard; then the post and the picture are read back through XRPC from the
 * restored PDS, under the same DID.
 *
 * No internet, as in test/integration/pds-world.ts: the instance network is made first
 * (unlabelled, so Engawa reuses it and never deletes it) with an in-memory PLC directory on it as
 * `plc`, which outlives both computers as plc.directory would; the PDS is pointed at it and every
 * outside service is turned off. Everything made is removed afterwards, whatever the test reached.
 * It touches neither the shared host nor its servers, so it runs in the 'app' project beside the
 * other specs; its two languages run one after the other on one worker (one PDS at a time).
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { LABELS } from '../../electron/core/plan/types';
import { blueskyRecipe } from '../../electron/core/stacks/bluesky/recipe';
import { docker, labelled } from '../integration/helpers';
import { PDS_IMAGES, PNG, requirePdsImages, startPlc, type Plc } from '../integration/pds-world';
import { expect, inEachLanguage, test } from './fixtures';
import { startOwnHost, type OwnHost } from './own-host';
import { screen } from './screens';

const PASS = 'e2e new computer passphrase 3';
const DOMAIN = 'example.com';
const OWNER = 'alice';
const HANDLE = `${OWNER}.${DOMAIN}`;
const OWNER_PASSWORD = `owner-${randomBytes(8).toString('hex')}`;
/** Nothing may try the internet: the local PLC, no app view, no report service, no relays. */
const OFFLINE = { plc_url: 'http://plc:2582', appview_url: '', appview_did: '', report_service_url: '', report_service_did: '', crawlers: '' };

/** The page's words for what the spec looks for, per language (renderer/src/i18n/en.json, ja.json). */
const WORDS = {
  en: {
    welcome: 'Welcome to Engawa',
    action: 'Restore a server from a backup file',
    check: 'Check the backup',
    notBackup: 'This is not an Engawa backup',
    wrongPassphrase: 'The passphrase is wrong',
    previewTitle: 'What this backup holds',
    restore: 'Restore this server',
    restoring: /^Restoring nc-/,
    firstStep: /Check the backup file/,
    reach: 'Only this computer, for now',
    running: 'Running',
  },
  ja: {
    welcome: 'Engawa へようこそ',
    action: 'バックアップファイルからサーバーを復元',
    check: 'バックアップを確認',
    notBackup: 'Engawa のバックアップではありません',
    wrongPassphrase: 'パスフレーズが違います',
    previewTitle: 'このバックアップの中身',
    restore: 'このサーバーを復元',
    restoring: /^nc-.* を復元しています/,
    firstStep: /バックアップファイルを確認/,
    reach: 'いまはこのパソコンだけ',
    running: '稼働中',
  },
} as const;

// ---------------------------------------------------------------------------------------------
// XRPC on the PDS's port on 127.0.0.1 (plain fetch: the few calls a client makes to post and read)

async function xrpc<T>(base: string, method: string, init: { query?: Record<string, string>; body?: BodyInit; type?: string; jwt?: string } = {}): Promise<T> {
  const url = new URL(`/xrpc/${method}`, base);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = {};
  if (init.type !== undefined) headers['content-type'] = init.type;
  if (init.jwt !== undefined) headers.authorization = `Bearer ${init.jwt}`;
  const res = await fetch(url, { method: init.body === undefined ? 'GET' : 'POST', headers, body: init.body ?? null, signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status} ${await res.text()}`);
  return (res.headers.get('content-type')?.startsWith('application/json') ? res.json() : Buffer.from(await res.arrayBuffer())) as Promise<T>;
}

const json = (value: unknown) => ({ body: JSON.stringify(value), type: 'application/json' });

/** Logs the owner in: their DID and an access token. */
const login = (base: string) =>
  xrpc<{ did: string; handle: string; accessJwt: string }>(base, 'com.atproto.server.createSession', json({ identifier: HANDLE, password: OWNER_PASSWORD }));

interface Written {
  did: string;
  rkey: string;
  text: string;
  blobCid: string;
}

/** The owner posts a picture. */
async function writeTestData(base: string): Promise<Written> {
  const s = await login(base);
  const { blob } = await xrpc<{ blob: { ref: { $link: string } } }>(base, 'com.atproto.repo.uploadBlob', {
    body: new Uint8Array(PNG),
    type: 'image/png',
    jwt: s.accessJwt,
  });
  const text = `from the old computer ${randomBytes(4).toString('hex')}`;
  const record = {
    $type: 'app.bsky.feed.post',
    text,
    createdAt: new Date().toISOString(),
    embed: { $type: 'app.bsky.embed.images', images: [{ alt: 'a pixel', image: blob }] },
  };
  const { uri } = await xrpc<{ uri: string }>(base, 'com.atproto.repo.createRecord', {
    ...json({ repo: s.did, collection: 'app.bsky.feed.post', record }),
    jwt: s.accessJwt,
  });
  return { did: s.did, rkey: uri.split('/').at(-1) as string, text, blobCid: blob.ref.$link };
}

/** What the PDS holds of `w` now: the owner's DID, the post's text and picture, the picture's bytes. */
async function readBack(base: string, w: Written): Promise<{ did: string; text: unknown; picture: unknown; same: boolean }> {
  const s = await login(base);
  const { value } = await xrpc<{ value: { text: unknown; embed?: { images?: { image: { ref: { $link: string } } }[] } } }>(base, 'com.atproto.repo.getRecord', {
    query: { repo: w.did, collection: 'app.bsky.feed.post', rkey: w.rkey },
  });
  const bytes = await xrpc<Buffer>(base, 'com.atproto.sync.getBlob', { query: { did: w.did, cid: w.blobCid } });
  return { did: s.did, text: value.text, picture: value.embed?.images?.[0]?.image.ref.$link, same: Buffer.from(bytes).equals(PNG) };
}

// ---------------------------------------------------------------------------------------------

/** Containers and volumes of the instance's compose project on the engine, and containers named after it. */
async function leftOnEngine(project: string): Promise<{ containers: string[]; volumes: string[] }> {
  const { containers, volumes } = await labelled(project);
  const named = (await docker().listContainers({ all: true, filters: { name: [project] } })).map((c) => c.Names[0] ?? c.Id);
  // the PLC directory is ours, not the server's: it stands in for plc.directory on the internet
  return { containers: [...new Set([...containers, ...named])].filter((n) => !n.endsWith('-plc-test')), volumes };
}

/**
 * Removes what is left of the instance's compose project on the engine, and of any project whose
 * containers use its volumes (a restore starts the server under a temporary name first).
 */
async function sweep(project: string): Promise<void> {
  const d = docker();
  const of = (p: string) => ({ label: [`${LABELS.project}=${p}`] });
  const projects = new Set([project]);
  for (const v of (await d.listVolumes({ filters: of(project) })).Volumes ?? []) {
    for (const c of await d.listContainers({ all: true, filters: { volume: [v.Name] } })) {
      const p = c.Labels[LABELS.project];
      if (p !== undefined) projects.add(p);
    }
  }
  for (const p of projects) {
    for (const c of await d.listContainers({ all: true, filters: of(p) })) await d.getContainer(c.Id).remove({ force: true, v: true });
    for (const v of (await d.listVolumes({ filters: of(p) })).Volumes ?? []) await d.getVolume(v.Name).remove({ force: true });
    for (const n of await d.listNetworks({ filters: of(p) })) await d.getNetwork(n.Id).remove();
  }
}

async function checkFile(page: Page, file: string, passphrase: string, words: (typeof WORDS)['en' | 'ja']): Promise<void> {
  await page.locator('#restore-file').fill(file);
  await page.locator('#restore-passphrase').fill(passphrase);
  await page.getByRole('button', { name: words.check }).click();
}

inEachLanguage((lang) => {
  const name = `nc-${lang}-${randomBytes(3).toString('hex')}`;
  const project = `engawa-${name}`;
  const network = `${project}_default`;
  const dirs: string[] = [];
  const hosts: OwnHost[] = [];
  let plc: Plc | undefined;

  test.afterEach(async () => {
    const testInfo = test.info();
    if (testInfo.status === testInfo.expectedStatus) return;
    for (const [i, host] of hosts.entries()) await testInfo.attach(`host ${i + 1} log`, { body: host.log.join('\n'), contentType: 'text/plain' });
  });

  test.afterAll(async () => {
    test.setTimeout(180_000);
    for (const host of hosts) {
      await host.idle(120_000).catch(() => undefined);
      await host.stop().catch(() => undefined);
    }
    await sweep(project);
    await plc?.remove().catch(() => undefined);
    await docker()
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  test('a server backed up on one computer comes back on a new one from its file, after a non-backup and a wrong passphrase are refused', async ({
    page,
    problems,
  }) => {
    test.setTimeout(300_000);
    const words = WORDS[lang];
    const d = docker();
    await requirePdsImages(d);
    const tmp = (prefix: string) => mkdtemp(path.join(os.tmpdir(), prefix)).then((dir) => (dirs.push(dir), dir));
    const drive = await tmp('engawa-e2e-drive-');
    const oldHome = await tmp('engawa-e2e-old-home-');
    await d.createNetwork({ Name: network });
    plc = await startPlc(d, network, project);

    // the old computer: a PDS with a post and a picture, backed up onto the drive
    const backup = await test.step('the old computer makes a PDS, posts and backs it up', async () => {
      const old = await startOwnHost(oldHome, PDS_IMAGES);
      hosts.push(old);
      const { api, ended, close } = await old.api();
      try {
        const created = await api.call('instances.create', {
          stack: 'bluesky',
          name,
          domain: DOMAIN,
          settings: OFFLINE,
          admin: { user: OWNER, email: `${OWNER}@${DOMAIN}`, password: OWNER_PASSWORD },
        });
        expect(await ended(created.opId)).not.toHaveProperty('error');
        const [server] = await api.call('instances.list');
        expect(server).toMatchObject({ name, stack: 'bluesky', state: 'running' });
        const written = await writeTestData(server!.localUrl);
        const made = await api.call('backups.create', { name, passphrase: PASS });
        expect(await ended(made.opId)).not.toHaveProperty('error');
        const [file] = (await api.call('backups.list', { name })).backups;
        if (file === undefined) throw new Error('the backup is not listed');
        const onDrive = path.join(drive, file.fileName);
        await copyFile(file.file, onDrive);

        // wiped: the server destroyed, the host stopped, nothing of it on the engine, the home gone
        const destroyed = await api.call('instances.destroy', { name });
        expect(await ended(destroyed.opId)).not.toHaveProperty('error');
        expect(await api.call('instances.list')).toEqual([]);
        return { file: onDrive, createdAt: file.createdAt, written };
      } finally {
        close();
        await old.idle(120_000);
        await old.stop();
      }
    });
    expect(await leftOnEngine(project)).toEqual({ containers: [], volumes: [] });
    await rm(oldHome, { recursive: true, force: true });
    expect(existsSync(oldHome)).toBe(false);
    const notBackup = path.join(drive, `${name}-20250101T000000000Z.engawa.age`);
    await writeFile(notBackup, 'a shopping list, not a backup\n');

    // the new computer: a host on an empty home
    const host = await startOwnHost(await tmp('engawa-e2e-new-home-'), PDS_IMAGES);
    hosts.push(host);
    const nothingMade = async (): Promise<void> => {
      const { api, close } = await host.api();
      try {
        expect(await api.call('instances.list')).toEqual([]);
      } finally {
        close();
      }
      expect(await leftOnEngine(project)).toEqual({ containers: [], volumes: [] });
    };
    const received: string[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(String(f.payload))));

    await page.goto(host.url);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(words.welcome);
    await page.getByRole('button', { name: words.action }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(words.action);
    await screen(page, `new-computer-${lang}-1-pick`);

    // refused, in the page's language, with nothing created
    await checkFile(page, notBackup, PASS, words);
    await expect(page.getByTestId('backup-file-error')).toHaveAttribute('data-reason', 'notBackup');
    await expect(page.getByTestId('backup-file-error').locator('.notice-title')).toHaveText(words.notBackup);
    await nothingMade();
    await checkFile(page, backup.file, 'not the passphrase', words);
    await expect(page.getByTestId('backup-file-error')).toHaveAttribute('data-reason', 'wrongPassphrase', { timeout: 30_000 });
    await expect(page.getByTestId('backup-file-error').locator('.notice-title')).toHaveText(words.wrongPassphrase);
    await screen(page, `new-computer-${lang}-2-wrong-passphrase`);
    await nothingMade();

    // what it holds, before anything happens
    await checkFile(page, backup.file, PASS, words);
    await expect(page.getByRole('heading', { level: 2 })).toHaveText(words.previewTitle, { timeout: 60_000 });
    await expect(page.getByTestId('preview-stack')).toHaveText(`${blueskyRecipe.name} ${blueskyRecipe.version}`);
    await expect(page.getByTestId('preview-domain')).toHaveText(DOMAIN);
    const date = await page.evaluate(([iso, l]) => new Date(iso).toLocaleString(l), [backup.createdAt, lang] as const);
    await expect(page.getByTestId('preview-date')).toHaveText(date);
    await expect(page.getByTestId('backup-preview')).toContainText(`@${HANDLE}`); // the owner's account
    await expect(page.getByTestId('preview-reach')).toHaveText(words.reach);
    await expect(page.locator('#restore-name')).toHaveValue(name);
    await screen(page, `new-computer-${lang}-3-preview`);
    await nothingMade();

    // restore with progress, then the server's dashboard
    await page.getByRole('button', { name: words.restore }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(words.restoring);
    await expect(page.locator('.progress .steps li').first()).toHaveText(words.firstStep, { timeout: 60_000 });
    await expect(page.locator('.instance-header h1')).toHaveText(name, { timeout: 180_000 });
    await expect(page.locator('.instance-header [data-state]').first()).toHaveText(words.running, { timeout: 60_000 });
    await screen(page, `new-computer-${lang}-4-dashboard`);

    // the same server: the post and its picture, under the same DID
    const { api, close } = await host.api();
    try {
      const [restored] = await api.call('instances.list');
      expect(restored).toMatchObject({ name, stack: 'bluesky', domain: DOMAIN, state: 'running' });
      expect(await readBack(restored!.localUrl, backup.written)).toEqual({
        did: backup.written.did,
        text: backup.written.text,
        picture: backup.written.blobCid,
        same: true,
      });
      expect((await api.call('backups.list', { name })).passphraseSet).toBe(false);
    } finally {
      close();
    }
    expect(received.join('\n')).not.toContain(PASS);
    expect(problems).toEqual([]);
  });
});
