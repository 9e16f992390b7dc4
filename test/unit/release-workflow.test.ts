/**
 * .github/workflows/release.yml runs only on GitHub's runners, so what makes it safe is checked
 * here: every action pinned by commit SHA, no job but the publishing one may write, a tag can never
 * build or publish unsigned installers, and the smoke test runs against the packaged app on each OS.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Step {
  name?: string;
  uses?: string;
  if?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  strategy?: { matrix: { include: { os: string; executable: string }[] } };
  steps: Step[];
}
interface Workflow {
  on: { push?: { tags?: string[] }; workflow_dispatch?: { inputs?: Record<string, { type: string }> } };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const read = (file: string): Workflow => parse(readFileSync(new URL(`../../.github/workflows/${file}`, import.meta.url), 'utf8')) as Workflow;
const release = read('release.yml');
const allSteps = (w: Workflow): Step[] => Object.values(w.jobs).flatMap((j) => j.steps);

/** Problems a workflow has against the rules above (exported logic, tested on bad input too). */
function problems(w: Workflow): string[] {
  const out: string[] = [];
  for (const s of allSteps(w)) {
    if (s.uses !== undefined && !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(s.uses)) out.push(`not pinned by commit SHA: ${s.uses}`);
  }
  const writes = (p: Record<string, string> | undefined): string[] =>
    Object.entries(p ?? {})
      .filter(([, v]) => v === 'write')
      .map(([k]) => k);
  if (w.permissions === undefined || writes(w.permissions).length > 0) out.push('the workflow default must be read-only permissions');
  for (const [id, job] of Object.entries(w.jobs)) {
    const runsProjectCode = job.steps.some((s) => s.run !== undefined && /\bnpm\b|\bnpx\b/.test(s.run));
    if (job.permissions === undefined) out.push(`job ${id} must declare its permissions`);
    else if (runsProjectCode && writes(job.permissions).length > 0)
      out.push(`job ${id} runs project code with write permission (${writes(job.permissions).join(', ')})`);
  }
  for (const s of allSteps(w)) {
    const unsignedFlag = s.env?.CSC_IDENTITY_AUTO_DISCOVERY;
    if (unsignedFlag !== undefined && unsignedFlag !== 'true' && !/env\.TAGGED != 'true'/.test(s.if ?? '')) {
      out.push(`step "${s.name}" may build unsigned on a tag`);
    }
    if (s.run !== undefined && /electron-builder/.test(s.run) && !/--publish never/.test(s.run)) out.push(`step "${s.name}" lets electron-builder publish`);
  }
  return out;
}

describe('the release workflow', () => {
  it('is valid: every shell step parses as bash', () => {
    for (const s of allSteps(release)) {
      if (s.run === undefined) continue;
      const r = spawnSync('bash', ['-n'], { input: s.run, encoding: 'utf8' });
      expect(r.status, `${s.name}: ${r.stderr}`).toBe(0);
    }
    expect(release.on.push?.tags).toEqual(['v*']);
    expect(release.on.workflow_dispatch?.inputs?.unsigned?.type).toBe('boolean');
  });

  it('pins actions by SHA, writes only in the publish job, never builds unsigned on a tag', () => {
    expect(problems(release)).toEqual([]);
    expect(problems(read('real-stacks.yml')).filter((p) => p.startsWith('not pinned'))).toEqual([]);
  });

  it('fails a release when signing secrets are missing', () => {
    const installers = release.jobs.installers!;
    const check = installers.steps.find((s) => /Signing credentials/.test(s.name ?? ''));
    expect(check?.if).toBe("env.UNSIGNED != 'true' && runner.os != 'Linux'");
    expect(check?.run).toMatch(/CSC_LINK[\s\S]*exit 1[\s\S]*WIN_CSC_LINK[\s\S]*exit 1/);
    expect(installers.steps.findIndex((s) => s === check)).toBeLessThan(installers.steps.findIndex((s) => /electron-builder/.test(s.run ?? '')));
    const publish = release.jobs.publish!;
    expect(publish.needs).toBe('installers');
    expect(publish.if).toBe("startsWith(github.ref, 'refs/tags/v')");
    expect(publish.permissions).toEqual({ contents: 'write' });
  });

  it('a tagged release refuses images that are not pinned by the digest their tag names (scripts/pin-digests.ts --check)', () => {
    const installers = release.jobs.installers!;
    const pin = installers.steps.find((s) => /scripts\/pin-digests\.ts --check/.test(s.run ?? ''));
    expect(pin?.if).toBe("env.TAGGED == 'true'");
    expect(installers.steps.indexOf(pin!)).toBeLessThan(installers.steps.findIndex((s) => /electron-builder/.test(s.run ?? '')));
  });

  it('smoke-tests the packaged executable on Windows, macOS and Linux', () => {
    const installers = release.jobs.installers!;
    const matrix = installers.strategy!.matrix.include;
    expect(matrix.map((m) => m.os).sort()).toEqual(['macos-latest', 'ubuntu-latest', 'windows-latest']);
    for (const m of matrix)
      expect(m.executable, m.os).toMatch(/^release\/(win-unpacked\/Engawa\.exe|mac-arm64\/Engawa\.app\/Contents\/MacOS\/Engawa|linux-unpacked\/engawa)$/);
    const smokes = installers.steps.filter((s) => /playwright test --config test\/e2e\/electron/.test(s.run ?? ''));
    expect(smokes).toHaveLength(2); // Linux under xvfb, the others directly
    const build = installers.steps.findIndex((s) => /electron-builder/.test(s.run ?? ''));
    for (const s of smokes) {
      expect(s.env?.ENGAWA_APP_EXECUTABLE).toBe('${{ matrix.executable }}');
      expect(installers.steps.indexOf(s)).toBeGreaterThan(build);
    }
    const spec = readFileSync(new URL('../e2e/electron/smoke.spec.ts', import.meta.url), 'utf8');
    expect(spec).toMatch(/process\.env\.ENGAWA_APP_EXECUTABLE/);
    expect(spec).toMatch(/firstWindow\(\)/);
    expect(spec).toMatch(/trayMenu/);
    expect(spec).toMatch(/app\.close\(\)/);
  });

  it('the checks catch each unsafe shape (self-test)', () => {
    const bad: Workflow = {
      on: {},
      permissions: { contents: 'write' },
      jobs: {
        build: {
          permissions: { contents: 'write' },
          steps: [
            { uses: 'actions/checkout@v4' },
            { name: 'npm', run: 'npm ci' },
            { name: 'pack', run: 'npx electron-builder --publish always', env: { CSC_IDENTITY_AUTO_DISCOVERY: 'false' } },
          ],
        },
        other: { steps: [] },
      },
    };
    expect(problems(bad)).toEqual([
      'not pinned by commit SHA: actions/checkout@v4',
      'the workflow default must be read-only permissions',
      'job build runs project code with write permission (contents)',
      'job other must declare its permissions',
      'step "pack" may build unsigned on a tag',
      'step "pack" lets electron-builder publish',
    ]);
  });
});
