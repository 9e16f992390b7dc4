/** Shared helpers for the recipe tests: loading upstream-fact fixtures and planning a recipe. */
import { readFileSync } from 'node:fs';
import { composeProject } from '../../../electron/core/stacks/compose';
import { generateSecrets } from '../../../electron/core/stacks/secrets';
import { plan } from '../../../electron/core/stacks/plan';
import type { Plan } from '../../../electron/core/plan/types';
import type { Recipe } from '../../../electron/core/stacks/types';

export const SAMPLE_DOMAIN = 'social.example.net';

/** Reads test/fixtures/upstream/<name>.json. */
export function upstreamFacts<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/upstream/${name}.json`, import.meta.url), 'utf8')) as T;
}

/** Generates a fresh secret set and plans the recipe for the sample domain. */
export function planSample(recipe: Recipe, settings: Record<string, string> = {}): { plan: Plan; secrets: Record<string, string> } {
  const secrets = generateSecrets(recipe, {});
  return { plan: plan(recipe, { instance: 'home', domain: SAMPLE_DOMAIN, secrets, settings }), secrets };
}

/** The image's tag, or undefined when it has none (a digest-pinned reference counts as pinned). */
export function imageTag(image: string): string | undefined {
  if (image.includes('@sha256:')) return image.split('@')[1];
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon < 0 ? undefined : image.slice(colon + 1);
}

/** Env values that an env file would carry with stray quotes or break across lines. */
export function quotedEnvValues(p: Plan): string[] {
  const bad: string[] = [];
  for (const item of [...p.services, ...p.setup]) {
    for (const [key, value] of Object.entries(item.env)) {
      if (/^["']|["']$/.test(value) || /[\r\n]/.test(value)) bad.push(`${item.name}.${key}`);
    }
  }
  return bad;
}

/** Lines of the plan's env files (as the compose export writes them, real values) that quote their value. */
export function quotedEnvFileLines(p: Plan): string[] {
  const envFiles = composeProject(p, { reveal: true }).files.filter((f) => f.path.startsWith('env/'));
  if (envFiles.length === 0) throw new Error('the plan has no env files');
  return envFiles.flatMap((f) =>
    f.content
      .split('\n')
      .filter((line) => line !== '' && !/^[A-Za-z_][A-Za-z0-9_]*=(?!['"])/.test(line))
      .map((line) => `${f.path}: ${line.split('=')[0]}`),
  );
}
