/**
 * The built bundles load: dist/electron/main.cjs and preload.cjs are required under plain Node
 * with a stand-in for the `electron` module (no Electron binary here), so a load error — an
 * ESM-only dependency behind `require`, a missing export, a module that throws at import — fails
 * here instead of at a user's first launch. The main bundle then runs as far as a second launch
 * does (another instance holds the lock: it quits); the preload exposes window.engawa.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
let dir: string;

/** Loaded with --require before the bundle: answers require('electron') with recording stubs. */
const ELECTRON_STUB = `
const Module = require('node:module');
const seen = [];
const report = () => process.stdout.write(JSON.stringify(seen) + '\\n');
process.on('exit', report);
const app = new Proxy({}, { get: (_t, name) => {
  if (name === 'requestSingleInstanceLock') return () => { seen.push('requestSingleInstanceLock'); return false; };
  if (name === 'quit') return () => seen.push('quit');
  if (name === 'isPackaged') return true;
  return () => seen.push('app.' + String(name));
} });
const electron = {
  app,
  contextBridge: { exposeInMainWorld: (key, api) => seen.push('expose ' + key + ': ' + Object.keys(api).sort().join(',')) },
  ipcRenderer: { invoke: async () => ({ ok: true }), on: () => {}, removeListener: () => {} },
};
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'electron') return electron;
  return load.call(this, request, parent, isMain);
};
`;

beforeAll(async () => {
  // inside the repo's node_modules, so the bundles' external packages resolve as in the package
  dir = await mkdtemp(path.join(root, 'node_modules', '.engawa-bundles-test-'));
  await run(process.execPath, ['scripts/build.mjs', '--electron-only', dir], { cwd: root });
  await writeFile(path.join(dir, 'electron-stub.cjs'), ELECTRON_STUB);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

async function load(bundle: string): Promise<string[]> {
  const { stdout } = await run(process.execPath, ['--require', path.join(dir, 'electron-stub.cjs'), path.join(dir, bundle)], { cwd: root });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as string[];
}

describe('the built Electron bundles', () => {
  it('main.cjs loads under Node with every dependency it requires, and runs to the single-instance check', async () => {
    expect(await load('main.cjs')).toEqual(['requestSingleInstanceLock', 'quit']);
  });

  it('preload.cjs loads and exposes only window.engawa (invoke and on)', async () => {
    expect(await load('preload.cjs')).toEqual(['expose engawa: invoke,on']);
  });

  it('carries the ESM-only age-encryption inside main.cjs instead of requiring it', async () => {
    const { readFile } = await import('node:fs/promises');
    const main = await readFile(path.join(dir, 'main.cjs'), 'utf8');
    expect(main).not.toMatch(/require\(["']age-encryption["']\)/);
    expect(main).toMatch(/require\(["']dockerode["']\)/); // the CommonJS ones stay external, packed by electron-builder
  });
});
