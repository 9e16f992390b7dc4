/** The build produces an `engawa` command that runs with plain node (the package's bin entry). */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

describe('the built engawa command', () => {
  it('starts with one #! line and runs with plain node', async () => {
    // inside the repo so that its external packages resolve from node_modules
    const dir = await mkdtemp(path.join(root, 'node_modules', '.engawa-build-test-'));
    try {
      const cli = path.join(dir, 'cli.mjs');
      await run(process.execPath, ['scripts/build.mjs', '--cli-only', cli], { cwd: root });
      const lines = (await readFile(cli, 'utf8')).split('\n');
      expect(lines[0]).toBe('#!/usr/bin/env node');
      expect(lines[1]).not.toMatch(/^#!/);
      const { stdout } = await run(process.execPath, [cli, 'stacks', '--json'], { cwd: root });
      const stacks = JSON.parse(stdout) as { id: string }[];
      expect(stacks.map((s) => s.id)).toEqual(expect.arrayContaining(['mastodon', 'misskey', 'bluesky']));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
