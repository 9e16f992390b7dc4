/**
 * .github/workflows/real-stacks.yml cannot run here (it pulls the official images), so this checks
 * what can be checked offline: valid YAML of the expected shape, every shell step valid bash, and
 * every `engawa` command it calls existing in this CLI (backup and restore too: no step may skip them),
 * and its update job: per stack, create on the release before the pinned one, update to the pinned
 * one (those two releases read from `engawa stacks --json` as the job reads them), healthy after.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allSpecs, runCli } from '../../electron/core/cli/run';
import { MASTODON_VERSION, PREVIOUS_MASTODON_VERSION } from '../../electron/core/stacks/mastodon/recipe';
import { MISSKEY_VERSION, PREVIOUS_MISSKEY_VERSION } from '../../electron/core/stacks/misskey/recipe';
import { PDS_VERSION, PREVIOUS_PDS_VERSION } from '../../electron/core/stacks/bluesky/recipe';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  with?: Record<string, unknown>;
  run?: string;
  if?: string;
}
interface Job {
  'runs-on': string;
  strategy: { matrix: { include: { stack: string }[] } };
  env: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const text = readFileSync(new URL('../../.github/workflows/real-stacks.yml', import.meta.url), 'utf8');
const workflow = parse(text, { prettyErrors: true }) as Workflow;
const job = workflow.jobs.stack!;
const runs = job.steps.filter((s) => s.run !== undefined);
const update = workflow.jobs.update!;
const updateRuns = update.steps.filter((s) => s.run !== undefined);
/** `npm run --silent engawa -- <command>` calls, per step. */
const engawaCalls = (s: Step) => [...(s.run ?? '').matchAll(/npm run --silent engawa -- ([a-z-]+)/g)].map((m) => m[1]!);
const stepNamed = (steps: Step[], name: RegExp): Step => {
  const found = steps.find((s) => name.test(s.name ?? ''));
  expect(found, String(name)).toBeDefined();
  return found!;
};

describe('the real-stacks workflow', () => {
  it('is YAML for one Ubuntu job over Mastodon, Misskey and the PDS, on Node 20 with npm ci', () => {
    expect(job['runs-on']).toMatch(/^ubuntu-/);
    expect(job.strategy.matrix.include.map((m) => m.stack).sort()).toEqual(['bluesky', 'mastodon', 'misskey']);
    expect(job.steps[0]?.uses).toBe('actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683'); // v4.2.2
    const node = job.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(node).toMatchObject({ uses: 'actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020', with: { 'node-version': 20 } }); // v4.4.0
    expect(runs.some((s) => /^npm ci\b/.test(s.run ?? ''))).toBe(true);
  });

  it('has only shell steps bash accepts', () => {
    for (const s of [...runs, ...updateRuns]) {
      const r = spawnSync('bash', ['-n'], { input: s.run, encoding: 'utf8' });
      expect(r.status, `${s.name}: ${r.stderr}`).toBe(0);
    }
  });

  it('goes create → healthy → admin check → backup → restore → destroy through the CLI', () => {
    const order = runs.flatMap(engawaCalls).filter((c) => ['create', 'backup', 'restore', 'destroy'].includes(c));
    expect(order).toEqual(['create', 'backup', 'destroy', 'restore', 'destroy', 'destroy']);
    expect(text).toContain('com.atproto.admin.getAccountInfos');
    expect(text).toContain('/api/v1/accounts/lookup');
    expect(text).toContain('/api/users/show');
  });

  it('calls only commands this CLI has, and never skips backup, restore or update', () => {
    const known = [...Object.keys(allSpecs()), 'help'];
    for (const s of [...runs, ...updateRuns]) {
      for (const command of engawaCalls(s)) {
        expect(known, `${s.name}: engawa ${command}`).toContain(command);
        if (['backup', 'restore', 'update'].includes(command)) expect(s.if, `${s.name} must always run`).toBeUndefined();
      }
    }
  });
});

describe('the update job of the real-stacks workflow', () => {
  it('runs for Mastodon, Misskey and the PDS on Ubuntu, with the same pinned actions, Node 20 and npm ci', () => {
    expect(update['runs-on']).toMatch(/^ubuntu-/);
    expect(update.strategy.matrix.include.map((m) => m.stack).sort()).toEqual(['bluesky', 'mastodon', 'misskey']);
    expect(update.steps[0]?.uses).toBe('actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683'); // v4.2.2
    const node = update.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(node).toMatchObject({ uses: 'actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020', with: { 'node-version': 20 } }); // v4.4.0
    expect(updateRuns.some((s) => /^npm ci\b/.test(s.run ?? ''))).toBe(true);
    // every action pinned by a full commit SHA
    for (const s of [...job.steps, ...update.steps].filter((x) => x.uses !== undefined)) expect(s.uses).toMatch(/@[0-9a-f]{40}$/);
    // its own server name, so it never meets the other job's
    expect(update.env.NAME).not.toBe(job.env.NAME);
  });

  it('goes create on the previous release → healthy → admin check → update to the pinned one → healthy → admin check → confirm → destroy', () => {
    const order = updateRuns.flatMap(engawaCalls).filter((c) => ['create', 'update', 'update-confirm', 'destroy'].includes(c));
    expect(order).toEqual(['create', 'update', 'update-confirm', 'destroy', 'destroy']);
    const names = update.steps.map((s) => s.name ?? '');
    const at = (name: RegExp) => names.findIndex((n) => name.test(n));
    const create = stepNamed(update.steps, /^Create on the previous release/);
    expect(create.run).toMatch(/engawa -- create "\$STACK" --version "\$PREVIOUS"/);
    const upd = stepNamed(update.steps, /^Update to the pinned release/);
    expect(upd.run).toMatch(/engawa -- update "\$NAME" --to "\$PINNED" /);
    expect(upd.run).toContain('--passphrase-file "$PASSPHRASE_FILE"');
    expect(upd.run).toMatch(/jq -e .*'\.updated and \.from == \$from and \.to == \$to'/);
    const after = stepNamed(update.steps, /^Healthy on the pinned release/);
    expect(after.run).toMatch(/wait_healthy\n\s*admin_exists\n/);
    expect(after.run).toMatch(/'\.current == \$v and \.target == null'/);
    expect(at(/^Create on the previous release/)).toBeLessThan(at(/^Wait until healthy/));
    expect(at(/^Wait until healthy/)).toBeLessThan(at(/^The admin exists/));
    expect(at(/^The admin exists/)).toBeLessThan(at(/^Update to the pinned release/));
    expect(at(/^Update to the pinned release/)).toBeLessThan(at(/^Healthy on the pinned release/));
    expect(at(/^Healthy on the pinned release/)).toBeLessThan(at(/^Destroy leaves nothing behind/));
    // the same checks as the first job: the step that writes them is the same
    expect(stepNamed(update.steps, /^Wait until healthy/)).toEqual(stepNamed(job.steps, /^Wait until healthy/));
    expect(stepNamed(update.steps, /^Local PLC directory/)).toEqual(stepNamed(job.steps, /^Local PLC directory/));
  });

  it('finds, for every stack of its matrix, the pinned release and the one before it in `engawa stacks --json`', async () => {
    const find = stepNamed(update.steps, /^The pinned release and the one before it/);
    expect(find.run).toContain(`'.[] | select(.id == $s) | .version'`);
    expect(find.run).toContain(`'.[] | select(.id == $s) | .releases[1].version'`);
    let stdout = '';
    const code = await runCli(['stacks', '--json'], {
      stdout: (t) => (stdout += t),
      stderr: () => undefined,
      env: { ENGAWA_HOME: '/nonexistent/engawa-home' },
    });
    expect(code).toBe(0);
    const stacks = JSON.parse(stdout) as { id: string; version: string; releases: { version: string }[] }[];
    // what the step's jq reads: `.version` and `.releases[1].version` of the stack
    const pair = (id: string) => {
      const s = stacks.find((x) => x.id === id);
      return [s?.releases[1]?.version, s?.version];
    };
    const expected: Record<string, [string, string]> = {
      mastodon: [PREVIOUS_MASTODON_VERSION, MASTODON_VERSION],
      misskey: [PREVIOUS_MISSKEY_VERSION, MISSKEY_VERSION],
      bluesky: [PREVIOUS_PDS_VERSION, PDS_VERSION],
    };
    for (const { stack } of update.strategy.matrix.include) expect(pair(stack), stack).toEqual(expected[stack]);
  });
});
