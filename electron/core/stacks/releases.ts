/**
 * A stack's releases: the versions this Engawa can run an instance on, and how to update between
 * them. A recipe describes its newest release; `recipe.releases` lists every release the app keeps
 * (newest first, the first being the recipe's own version), each older one saying how its services
 * differ from the recipe's (its images, and any env, command or health check it had). An instance's
 * recorded release is the truth: `recipeAt(recipe, record.stackVersion)` is what start, backup,
 * export and the tunnel plan from; only an update changes it. Pure.
 */
import { EngawaError } from '../util/errors';
import type { Recipe, ServiceSpec, StackRelease } from './types';

/** The releases of `recipe`, newest first (a recipe without a list has one: its own version). */
export function releasesOf(recipe: Recipe): StackRelease[] {
  return recipe.releases && recipe.releases.length > 0 ? recipe.releases : [{ version: recipe.version }];
}

/** The release `version` of `recipe`, or undefined when this Engawa does not know it. */
export function findRelease(recipe: Recipe, version: string): StackRelease | undefined {
  return releasesOf(recipe).find((r) => r.version === version);
}

/** The release is unknown to this Engawa: NOT_FOUND with reason 'unknown-release' and the releases it knows. */
export function unknownRelease(recipe: Recipe, version: string, what: string): EngawaError {
  const known = releasesOf(recipe).map((r) => r.version);
  return new EngawaError('NOT_FOUND', `${what} ${recipe.name} ${version}, a release this version of Engawa does not know (it knows ${known.join(', ')}).`, {
    reason: 'unknown-release',
    stack: recipe.id,
    version,
    known,
  });
}

/** The recipe as it was at release `version`: its services as that release ran them. Throws `unknownRelease` when unknown. */
export function recipeAt(recipe: Recipe, version: string): Recipe {
  const release = findRelease(recipe, version);
  if (!release) throw unknownRelease(recipe, version, 'This is');
  if (release.version === recipe.version && !release.services) return recipe;
  const services = recipe.services.map((s) => patchService(s, release.services?.[s.name]));
  // as a recipe of its own: that release is its newest, the older ones stay as they are
  const list = releasesOf(recipe);
  const { services: _patch, ...self } = release;
  return { ...recipe, version: release.version, services, releases: [self, ...list.slice(list.indexOf(release) + 1)] };
}

function patchService(s: ServiceSpec, patch: NonNullable<StackRelease['services']>[string] | undefined): ServiceSpec {
  if (!patch) return s;
  const env = { ...s.env };
  for (const [k, v] of Object.entries(patch.env ?? {})) {
    if (v === null) delete env[k];
    else env[k] = v;
  }
  return {
    ...s,
    ...(patch.image !== undefined && { image: patch.image }),
    ...(patch.command !== undefined && { command: patch.command }),
    ...(patch.healthcheck !== undefined && { healthcheck: patch.healthcheck }),
    ...((patch.env !== undefined || s.env !== undefined) && { env }),
  };
}

/** The official image of each service at a release. */
export function releaseImages(recipe: Recipe, version: string): Record<string, string> {
  return Object.fromEntries(recipeAt(recipe, version).services.map((s) => [s.name, s.image]));
}

/** -1, 0, 1: `a` is older than, the same as, or newer than `b` (by their place in the list; both must be known). */
export function compareReleases(recipe: Recipe, a: string, b: string): number {
  const list = releasesOf(recipe).map((r) => r.version);
  const ia = list.indexOf(a);
  const ib = list.indexOf(b);
  if (ia < 0) throw unknownRelease(recipe, a, 'This is');
  if (ib < 0) throw unknownRelease(recipe, b, 'This is');
  return Math.sign(ib - ia);
}

/** True when an instance on `from` may update straight to `to` (a newer release that allows it). */
export function directUpdate(recipe: Recipe, from: string, to: string): boolean {
  const target = findRelease(recipe, to);
  if (!target || compareReleases(recipe, from, to) >= 0) return false;
  return target.from === undefined || target.from.includes(from);
}

/**
 * The releases to pass through from `from` to `to` (default: the newest reachable), fewest steps
 * first; each step is allowed by its target's `from`. [] when already there; undefined when `to`
 * cannot be reached from `from`.
 */
export function updatePath(recipe: Recipe, from: string, to?: string): StackRelease[] | undefined {
  const all = releasesOf(recipe);
  if (!findRelease(recipe, from)) throw unknownRelease(recipe, from, 'The server runs');
  const targets = to !== undefined ? [to] : all.map((r) => r.version);
  for (const target of targets) {
    if (target === from) return [];
    const path = shortestPath(recipe, all, from, target);
    if (path) return path;
  }
  return undefined;
}

function shortestPath(recipe: Recipe, all: StackRelease[], from: string, to: string): StackRelease[] | undefined {
  const prev = new Map<string, string>();
  const queue = [from];
  const seen = new Set([from]);
  while (queue.length > 0) {
    const at = queue.shift() as string;
    if (at === to) break;
    for (const r of all) {
      if (seen.has(r.version) || !directUpdate(recipe, at, r.version)) continue;
      seen.add(r.version);
      prev.set(r.version, at);
      queue.push(r.version);
    }
  }
  if (!seen.has(to)) return undefined;
  const path: StackRelease[] = [];
  for (let v = to; v !== from; v = prev.get(v) as string) path.unshift(findRelease(recipe, v) as StackRelease);
  return path;
}

/** The services whose definition differs between two releases (their containers are recreated by an update). */
export function changedServices(recipe: Recipe, from: string, to: string): string[] {
  const a = recipeAt(recipe, from);
  const b = recipeAt(recipe, to);
  return b.services.filter((s) => JSON.stringify(s) !== JSON.stringify(a.services.find((o) => o.name === s.name))).map((s) => s.name);
}

/**
 * The volumes whose data must move by dump and restore into fresh volumes to go from `from` to `to`:
 * those a release on the way (after `from`, up to `to`) marks in `dataMoves` (a PostgreSQL major).
 */
export function dataMoves(recipe: Recipe, from: string, to: string): string[] {
  const list = releasesOf(recipe);
  const newer = list.slice(
    list.findIndex((r) => r.version === to),
    list.findIndex((r) => r.version === from),
  );
  return [...new Set(newer.flatMap((r) => r.dataMoves ?? []))];
}

/** The recipe's release list is consistent (INTERNAL otherwise, a recipe bug): see the checks below. */
export function checkReleases(recipe: Recipe): void {
  const list = releasesOf(recipe);
  const bug = (why: string) => new EngawaError('INTERNAL', `The recipe "${recipe.id}" is broken: ${why}.`, { recipe: recipe.id });
  if (list[0]?.version !== recipe.version) throw bug(`its newest release must be its version ${recipe.version}`);
  if (list[0].services) throw bug('its newest release is the recipe itself and lists no service changes');
  const seen = new Set<string>();
  for (const [i, r] of list.entries()) {
    if (seen.has(r.version)) throw bug(`the release ${r.version} is listed twice`);
    seen.add(r.version);
    const older = new Set(list.slice(i + 1).map((o) => o.version));
    for (const f of r.from ?? []) if (!older.has(f)) throw bug(`the release ${r.version} names ${f} in "from", which is not an older release`);
    for (const s of Object.keys(r.services ?? {}))
      if (!recipe.services.some((x) => x.name === s)) throw bug(`the release ${r.version} changes an unknown service "${s}"`);
    for (const v of r.dataMoves ?? []) if (!recipe.volumes.some((x) => x.name === v)) throw bug(`the release ${r.version} moves an unknown volume "${v}"`);
  }
}
