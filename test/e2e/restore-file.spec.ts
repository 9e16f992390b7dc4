/**
 * "Restore a server from a backup file" on a new computer, against the real core on the test
 * engine (`npm run serve`, see playwright.config.ts), once in English and once in Japanese: a
 * server of the test recipe is made through the API, a note is written into its database, it is
 * backed up, the file is moved to another folder (the "USB drive") and the server destroyed, so
 * no server is left, as on a new computer. Then, in the page: the first screen's action, a file
 * that is not a backup and a wrong passphrase each refused in the page's language with nothing
 * created, the preview (network, domain, date, size), the restore with progress, the restored
 * server's dashboard, and the note back in its database; the passphrase typed was not kept.
 * Everything is removed afterwards. Runs alone (its own project): it needs a host with no server.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import type { Page } from '@playwright/test';
import { execIn } from '../../electron/core/engine/exec';
import { formatBytes } from '../../renderer/src/lib/format';
import { E2E_URL, hostApi } from './host';
import { expect, inEachLanguage, test } from './fixtures';
import { screen } from './screens';

const PASS = 'e2e restore passphrase 7';

/** The page's words for what the spec looks for, per language. */
const WORDS = {
  en: {
    welcome: 'Welcome to Engawa',
    action: 'Restore a server from a backup file',
    check: 'Check the backup',
    notBackup: 'This is not an Engawa backup',
    wrongPassphrase: 'The passphrase is wrong',
    previewTitle: 'What this backup holds',
    restore: 'Restore this server',
    restoring: /^Restoring rf-/,
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
    restoring: /^rf-.* を復元しています/,
    running: '稼働中',
  },
} as const;

function docker(): Dockerode {
  const host = process.env.DOCKER_HOST ?? '';
  if (!host.startsWith('unix://')) throw new Error('The end-to-end tests need DOCKER_HOST=unix://… (see scripts/test-engine.sh)');
  return new Dockerode({ socketPath: host.slice('unix://'.length) });
}

/** Runs SQL in the instance's database (the test recipe's Postgres) and answers its rows, one per line. */
async function sql(instance: string, query: string): Promise<string> {
  const r = await execIn(docker().getContainer(`engawa-${instance}-db-1`), ['psql', '-X', '-U', 'app', '-d', 'app', '-Atc', query]);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

/** Destroys `name` if it exists (clean-up, whatever the test reached). */
async function destroyIfThere(name: string): Promise<void> {
  const { api, ended, close } = await hostApi();
  try {
    if ((await api.call('instances.list')).some((i) => i.name === name)) {
      const { opId } = await api.call('instances.destroy', { name });
      expect(await ended(opId)).not.toHaveProperty('error');
    }
  } finally {
    close();
  }
}

/** No server at all, as on a new computer. */
async function expectNoServer(): Promise<void> {
  const { api, close } = await hostApi();
  try {
    expect(await api.call('instances.list')).toEqual([]);
  } finally {
    close();
  }
}

/**
 * Makes a server with a note in its database, backs it up, moves the backup into `drive` and
 * destroys the server. Answers the backup file and what the backups list said of it.
 */
async function serverGoneWithItsBackup(name: string, note: string, drive: string): Promise<{ file: string; createdAt: string; bytes: number }> {
  const { api, ended, close } = await hostApi();
  try {
    await api.call('settings.set', { language: null }); // the page follows the browser's language
    const created = await api.call('instances.create', { stack: 'test-web', name, domain: `${name}.example.com` });
    expect(await ended(created.opId)).not.toHaveProperty('error');
    await sql(name, `INSERT INTO notes(body) VALUES ('${note}')`);
    const backup = await api.call('backups.create', { name, passphrase: PASS });
    expect(await ended(backup.opId)).not.toHaveProperty('error');
    const [made] = (await api.call('backups.list', { name })).backups;
    if (made === undefined) throw new Error('the backup is not listed');
    const file = path.join(drive, made.fileName);
    await copyFile(made.file, file);
    await rm(made.file, { force: true });
    const destroyed = await api.call('instances.destroy', { name });
    expect(await ended(destroyed.opId)).not.toHaveProperty('error');
    expect(await api.call('instances.list'), 'another spec left a server behind').toEqual([]);
    return { file, createdAt: made.createdAt, bytes: (await stat(file)).size };
  } finally {
    close();
  }
}

async function checkFile(page: Page, file: string, passphrase: string, words: (typeof WORDS)['en' | 'ja']): Promise<void> {
  await page.locator('#restore-file').fill(file);
  await page.locator('#restore-passphrase').fill(passphrase);
  await page.getByRole('button', { name: words.check }).click();
}

inEachLanguage((lang) => {
  const name = `rf-${lang}-${randomBytes(3).toString('hex')}`;
  const note = `a note from before the move ${randomBytes(4).toString('hex')}`;
  let drive = '';

  test.afterAll(async () => {
    test.setTimeout(120_000);
    await destroyIfThere(name);
    if (drive !== '') await rm(drive, { recursive: true, force: true });
  });

  test('a new computer restores the server from its backup file, after refusing a non-backup and a wrong passphrase', async ({ page, problems }) => {
    test.setTimeout(480_000);
    const words = WORDS[lang];
    drive = await mkdtemp(path.join(os.tmpdir(), 'engawa-e2e-drive-'));
    const backup = await serverGoneWithItsBackup(name, note, drive);
    const notBackup = path.join(drive, 'notes-20250101T000000000Z.engawa.age');
    await writeFile(notBackup, 'a shopping list, not a backup\n');
    const received: string[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(String(f.payload))));

    await page.goto(E2E_URL);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(words.welcome);
    await screen(page, `restore-file-${lang}-0-welcome`);
    await page.getByRole('button', { name: words.action }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(words.action);
    await expect(page.getByRole('button', { name: /Choose…|選択…/ })).toHaveCount(0); // a browser cannot name a local file
    await screen(page, `restore-file-${lang}-1-pick`);

    // refused, in the page's language, with nothing created
    await checkFile(page, notBackup, PASS, words);
    await expect(page.getByTestId('backup-file-error')).toHaveAttribute('data-reason', 'notBackup');
    await expect(page.getByTestId('backup-file-error').locator('.notice-title')).toHaveText(words.notBackup);
    await checkFile(page, backup.file, 'not the passphrase', words);
    await expect(page.getByTestId('backup-file-error')).toHaveAttribute('data-reason', 'wrongPassphrase', { timeout: 30_000 });
    await expect(page.getByTestId('backup-file-error').locator('.notice-title')).toHaveText(words.wrongPassphrase);
    await screen(page, `restore-file-${lang}-2-wrong-passphrase`);
    await expectNoServer();

    // what it holds, before anything happens
    await checkFile(page, backup.file, PASS, words);
    await expect(page.getByRole('heading', { level: 2 })).toHaveText(words.previewTitle, { timeout: 60_000 });
    await expect(page.getByTestId('preview-stack')).toHaveText('Test web stack 1.0.0');
    await expect(page.getByTestId('preview-domain')).toHaveText(`${name}.example.com`);
    const date = await page.evaluate(([iso, l]) => new Date(iso).toLocaleString(l), [backup.createdAt, lang] as const);
    await expect(page.getByTestId('preview-date')).toHaveText(date);
    await expect(page.getByTestId('preview-size')).toHaveText(formatBytes(backup.bytes, lang));
    await expect(page.locator('#restore-name')).toHaveValue(name);
    await screen(page, `restore-file-${lang}-3-preview`);
    await expectNoServer();

    // restore with progress, then the server's dashboard
    await page.getByRole('button', { name: words.restore }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(words.restoring);
    await expect(page.locator('.progress .steps li').first()).toHaveText(lang === 'en' ? /Check the backup file/ : /バックアップファイルを確認/, {
      timeout: 60_000,
    });
    await expect(page.locator('.instance-header h1')).toHaveText(name, { timeout: 240_000 });
    await expect(page.locator('.instance-header [data-state]').first()).toHaveText(words.running, { timeout: 60_000 });
    await screen(page, `restore-file-${lang}-4-dashboard`);

    // the data came back, and the passphrase typed for the file was not kept
    expect((await sql(name, 'SELECT body FROM notes ORDER BY id')).split('\n')).toContain(note);
    const { api, close } = await hostApi();
    try {
      expect((await api.call('backups.list', { name })).passphraseSet).toBe(false);
      const [restored] = await api.call('instances.list');
      expect(restored).toMatchObject({ name, stack: 'test-web', domain: `${name}.example.com`, state: 'running' });
      const page2 = await fetch(restored?.localUrl ?? '');
      expect(await page2.text()).toContain(`Hello from ${name}.example.com`);
    } finally {
      close();
    }
    expect(received.join('\n')).not.toContain(PASS);
    expect(problems).toEqual([]);
  });
});
