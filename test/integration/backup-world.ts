/**
 * What the backup integration tests share: the passphrase, the test-web instance they back up
 * (created in a fresh Engawa home before the tests, destroyed after) and SQL on its database.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { execIn } from '../../electron/core/engine/exec';
import { cli, docker, tempHome, uniqueName } from './helpers';

/** The backup passphrase the tests use. */
export const PASS = 'correct horse battery';
/** The environment that gives the CLI that passphrase. */
export const ENV = { ENGAWA_BACKUP_PASSPHRASE: PASS };

/** Runs `query` with psql in the instance's database and returns its trimmed output; throws on failure. */
export async function sql(instance: string, query: string): Promise<string> {
  const r = await execIn(docker().getContainer(`engawa-${instance}-db-1`), ['psql', '-X', '-U', 'app', '-d', 'app', '-Atc', query]);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

/**
 * Registers hooks in the current suite: before its tests, a test-web instance named `<prefix>-…`
 * (domain `<name>.example.com`) is created in a fresh home; after them it is destroyed and the home
 * removed. `home.dir` is filled in when the suite starts.
 */
export function useTestWebInstance(prefix: string): { name: string; home: { dir: string } } {
  const name = uniqueName(prefix);
  const home = { dir: '' };
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ dir: home.dir, cleanup } = await tempHome());
    const created = await cli(home.dir, ['create', 'test-web', '--name', name, '--domain', `${name}.example.com`]);
    expect(created.code, created.stderr).toBe(0);
  });

  afterAll(async () => {
    if (cleanup === undefined) return;
    await cli(home.dir, ['destroy', name, '--yes']);
    await cleanup();
  });

  return { name, home };
}
