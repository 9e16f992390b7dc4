/**
 * .github/workflows/real-stacks.yml cannot run here (it pulls the official images), so this checks
 * what can be checked offline: valid YAML of the expected shape, every shell step valid bash, and
 * every `engawa` command it calls existing in this CLI (backup and restore too: no step may skip them).
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allSpecs } from '../../electron/core/cli/run';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  with?: Record<string, unknown>;
  run?: string;
  if?: string;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { 'runs-on': string; strategy: { matrix: { include: { stack: string }[] } }; steps: Step[] }>;
}

const text = readFileSync(new URL('../../.github/workflows/real-stacks.yml', import.meta.url), 'utf8');
const workflow = parse(text, { prettyErrors: true }) as Workflow;
const job = Object.values(workflow.jobs)[0]!;
const runs = job.steps.filter((s) => s.run !== undefined);
/** `npm run --silent engawa -- <command>` calls, per step. */
const engawaCalls = (s: Step) => [...(s.run ?? '').matchAll(/npm run --silent engawa -- ([a-z]+)/g)].map((m) => m[1]!);

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
    for (const s of runs) {
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

  it('calls only commands this CLI has, and never skips backup or restore', () => {
    const known = [...Object.keys(allSpecs()), 'help'];
    for (const s of runs) {
      for (const command of engawaCalls(s)) {
        expect(known, `${s.name}: engawa ${command}`).toContain(command);
        if (command === 'backup' || command === 'restore') expect(s.if, `${s.name} must always run`).toBeUndefined();
      }
    }
  });
});
