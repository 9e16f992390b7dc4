/**
 * `engawa create … --setting NAME=VALUE` reaches the recipe: the PDS's apex layout
 * (`pds_prefix=`, the PDS answering on the domain itself) made from the command line, against an
 * in-memory engine. Unknown settings are refused with the recipe's list, before anything is made.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../electron/core/cli/run';
import type { Plan } from '../../../electron/core/plan/types';
import { FakeEngine } from '../instances/fake-engine';

let home: string;
let engine: FakeEngine;
let out = '';
let err = '';
const cli = (args: string[]): Promise<number> =>
  runCli(args, {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    env: { ENGAWA_HOME: home },
    engine: async () => engine,
  });

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-cli-setting-'));
  engine = new FakeEngine();
  out = '';
  err = '';
});
afterEach(() => rm(home, { recursive: true, force: true }));

describe('engawa create --setting', () => {
  it('makes the PDS apex layout: pds_prefix= puts the PDS on the domain itself', async () => {
    const code = await cli(['create', 'bluesky', '--name', 'apex', '--domain', 'example.com', '--no-admin', '--setting', 'pds_prefix=', '--json']);
    expect(code, err).toBe(0);
    const [[plan]] = engine.callsOf('apply') as [[Plan]];
    expect(plan.hosts.pds).toBe('example.com');
    expect(plan.web.publicHost).toBe('example.com');
    const list = await cli(['status', 'apex', '--json']);
    expect(list, err).toBe(0);
  });

  it('keeps the default layout (pds.<domain>) without it', async () => {
    expect(await cli(['create', 'bluesky', '--name', 'sub', '--domain', 'example.com', '--no-admin', '--json'])).toBe(0);
    const [[plan]] = engine.callsOf('apply') as [[Plan]];
    expect(plan.hosts.pds).toBe('pds.example.com');
  });

  it('refuses a setting the recipe does not have, creating nothing', async () => {
    expect(await cli(['create', 'bluesky', '--name', 'bad', '--domain', 'example.com', '--no-admin', '--setting', 'colour=blue'])).toBe(1);
    expect(err).toMatch(/has no setting "colour".*pds_prefix/);
    expect(engine.callsOf('apply')).toEqual([]);
  });
});
