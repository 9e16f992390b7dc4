/**
 * The checks `plan()` makes on its inputs, apart from the planning itself: the user's choices
 * (secrets present, settings known and valid, ports in range, overrides of real services with
 * proper variable names, none of the hard deny list of stacks/overrides.ts: INVALID_INPUT) and the recipe's own consistency (services it refers to,
 * names declared once, dependency cycles, captures of declared secrets: INTERNAL, a recipe bug).
 */
import { EngawaError } from '../util/errors';
import type { SetupStep } from '../plan/types';
import type { Recipe, ServiceSpec } from './types';
import { deniedOverride, isDeniedEnv } from './overrides';
import { validateSetting } from './validate';

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Services in dependency order; among services whose dependencies are placed, recipe order wins. */
export function sortByDependencies(recipe: Recipe): ServiceSpec[] {
  for (const s of recipe.services) {
    for (const d of s.dependsOn ?? []) knownService(recipe, d.service, `service "${s.name}"`);
  }
  const placed = new Set<string>();
  const out: ServiceSpec[] = [];
  while (out.length < recipe.services.length) {
    const next = recipe.services.find((s) => !placed.has(s.name) && (s.dependsOn ?? []).every((d) => placed.has(d.service)));
    if (next === undefined) {
      const stuck = recipe.services.filter((s) => !placed.has(s.name)).map((s) => s.name);
      throw recipeBug(`its services depend on each other in a cycle (${stuck.join(', ')})`);
    }
    placed.add(next.name);
    out.push(next);
  }
  return out;
}

export function resolveSecrets(recipe: Recipe, given: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of recipe.secrets) {
    const value = Object.hasOwn(given, spec.name) ? given[spec.name] : undefined;
    if (typeof value !== 'string') {
      throw new EngawaError('INVALID_INPUT', `The secret "${spec.name}" (${spec.description}) is missing for this instance.`, {
        secret: spec.name,
      });
    }
    out[spec.name] = value;
  }
  return out;
}

export function resolveSettings(recipe: Recipe, given: Record<string, string>): Record<string, string> {
  const specs = recipe.settings ?? [];
  for (const name of Object.keys(given)) {
    if (!specs.some((s) => s.name === name)) {
      const known = specs.map((s) => s.name).join(', ') || 'none';
      throw new EngawaError('INVALID_INPUT', `The stack "${recipe.id}" has no setting "${name}" (known settings: ${known}).`, { setting: name });
    }
  }
  return Object.fromEntries(specs.map((s) => [s.name, Object.hasOwn(given, s.name) ? validateSetting(s, given[s.name] as string) : s.default]));
}

export function checkPorts(recipe: Recipe, ports: Record<string, number>): Record<string, number> {
  const names = recipe.services.flatMap((s) => (s.ports ?? []).map((p) => p.name));
  for (const [name, port] of Object.entries(ports)) {
    if (!names.includes(name)) {
      throw new EngawaError('INVALID_INPUT', `The stack "${recipe.id}" has no port named "${name}" (known ports: ${names.join(', ') || 'none'}).`);
    }
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new EngawaError('INVALID_INPUT', `The host port for "${name}" must be a port number from 1 to 65535 (or 0 to let Docker choose), not ${port}.`);
    }
  }
  return ports;
}

export function groupOverrides(
  overrides: readonly { service: string; key: string; value: string }[],
  services: readonly string[],
): Map<string, { key: string; value: string }[]> {
  const byService = new Map<string, { key: string; value: string }[]>();
  for (const o of overrides) {
    if (!services.includes(o.service)) {
      throw new EngawaError('INVALID_INPUT', `Cannot set ${o.service}.${o.key}: there is no service "${o.service}" (services: ${services.join(', ')}).`);
    }
    if (!ENV_KEY.test(o.key)) {
      throw new EngawaError(
        'INVALID_INPUT',
        `Cannot set ${o.service}.${o.key}: an environment variable name uses only letters, digits and "_" and does not start with a digit.`,
      );
    }
    if (isDeniedEnv(o.key)) throw deniedOverride(o.service, o.key);
    byService.set(o.service, [...(byService.get(o.service) ?? []), { key: o.key, value: o.value }]);
  }
  return byService;
}

export function knownService(recipe: Recipe, name: string, where: string): ServiceSpec {
  const found = recipe.services.find((s) => s.name === name);
  if (found === undefined) throw recipeBug(`${where} refers to the unknown service "${name}"`);
  return found;
}

export function unique(names: string[], what: string): string[] {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw recipeBug(`it declares the ${what} "${n}" twice`);
    seen.add(n);
  }
  return names;
}

export function captureOf(recipe: Recipe, step: SetupStep): { secret: string; pattern: string } {
  const c = step.capture as { secret: string; pattern: string };
  if (!recipe.secrets.some((s) => s.name === c.secret)) throw recipeBug(`setup step "${step.name}" captures the undeclared secret "${c.secret}"`);
  if (!/\((?!\?)/.test(c.pattern)) throw recipeBug(`setup step "${step.name}" captures with a pattern that has no group`);
  return { secret: c.secret, pattern: c.pattern };
}

export function recipeBug(what: string): EngawaError {
  return new EngawaError('INTERNAL', `The recipe is broken: ${what}.`);
}
