/**
 * Which env overrides (`--set SERVICE.ENV=VALUE`, InstanceRecord.overrides) may reach a container.
 *
 * - A hard deny list, for everyone, the user included: variables that make a program load code
 *   (NODE_OPTIONS, LD_PRELOAD, RUBYOPT…) or put the tunnel's connector on another tunnel
 *   (TUNNEL_TOKEN and cloudflared's other TUNNEL_* settings). plan() refuses them (INVALID_INPUT).
 * - An allow-list per service (ServiceSpec.overridable), for overrides that come from a backup:
 *   a backup file is untrusted input, so of its overrides only those the recipe declares are
 *   applied; the others are dropped and reported (restore and drill). The user's own `--set` may
 *   set any variable that is not denied.
 * The deny list wins even over a recipe that lists a denied variable.
 */
import { EngawaError } from '../util/errors';
import type { Recipe } from './types';

export interface EnvOverride {
  service: string;
  key: string;
  value: string;
}

/** An override left out, and why: 'denied' (never set by Engawa) or 'not-overridable' (the recipe does not allow it from a backup). */
export interface DroppedOverride {
  service: string;
  key: string;
  reason: 'denied' | 'not-overridable';
}

/** Variables no override may set. */
const DENIED = new Set([
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_REPL_EXTERNAL_MODULE',
  'RUBYOPT',
  'RUBYLIB',
  'PERL5OPT',
  'PERL5LIB',
  'PERLLIB',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PYTHONHOME',
  'BASH_ENV',
  'ENV',
  'PATH',
  'GCONV_PATH',
]);
/** Prefixes of variables no override may set: the dynamic loaders' (LD_PRELOAD, LD_LIBRARY_PATH, DYLD_INSERT_LIBRARIES…) and cloudflared's (TUNNEL_TOKEN…). */
const DENIED_PREFIXES = ['LD_', 'DYLD_', 'TUNNEL_'];

/** True for a variable no override may set (the name is compared as given: env names are case-sensitive). */
export function isDeniedEnv(key: string): boolean {
  return DENIED.has(key) || DENIED_PREFIXES.some((p) => key.startsWith(p));
}

/** True when a pattern of ServiceSpec.overridable (an exact name, or a prefix followed by `*`) matches `key`. */
function matches(pattern: string, key: string): boolean {
  return pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : pattern === key;
}

/** True when a backup's override of `service`.`key` may be applied: the recipe lists it and it is not denied. */
export function isOverridable(recipe: Recipe, service: string, key: string): boolean {
  if (isDeniedEnv(key)) return false;
  const spec = recipe.services.find((s) => s.name === service);
  return (spec?.overridable ?? []).some((p) => matches(p, key));
}

/** Splits a backup's overrides into those applied (allowed by the recipe) and those dropped, in their order. */
export function backupOverrides(recipe: Recipe, overrides: readonly EnvOverride[]): { kept: EnvOverride[]; dropped: DroppedOverride[] } {
  const kept: EnvOverride[] = [];
  const dropped: DroppedOverride[] = [];
  for (const o of overrides) {
    if (isOverridable(recipe, o.service, o.key)) kept.push({ service: o.service, key: o.key, value: o.value });
    else dropped.push({ service: o.service, key: o.key, reason: isDeniedEnv(o.key) ? 'denied' : 'not-overridable' });
  }
  return { kept, dropped };
}

/** The refusal of a denied variable (plan() throws it for any override, the user's own included). */
export function deniedOverride(service: string, key: string): EngawaError {
  return new EngawaError(
    'INVALID_INPUT',
    `Cannot set ${service}.${key}: Engawa never sets ${key}, which makes a program load other code or moves the tunnel's connector to another tunnel.`,
    { path: 'overrides', service, key, reason: 'denied-env' },
  );
}

/**
 * One line for the user about the overrides a backup asked for and did not get, e.g.
 * `web.NODE_OPTIONS (Engawa never sets it); web.FOO (not one a backup may set)`.
 */
export function describeDropped(dropped: readonly DroppedOverride[]): string {
  const names = (reason: DroppedOverride['reason']) => dropped.filter((d) => d.reason === reason).map((d) => `${d.service}.${d.key}`);
  const denied = names('denied');
  const other = names('not-overridable');
  return [
    ...(denied.length > 0 ? [`${denied.join(', ')} (Engawa never sets ${denied.length > 1 ? 'these' : 'it'})`] : []),
    ...(other.length > 0 ? [`${other.join(', ')} (not a setting a backup may change)`] : []),
  ].join('; ');
}
