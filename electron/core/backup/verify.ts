/**
 * Verifying a backup file without touching anything: decrypt it all, check the manifest, every
 * entry's size and SHA-256 and every tar inside (archive-reader.ts), then that this Engawa can
 * restore it: the stack is known and not newer than ours, every database and data volume the
 * recipe keeps is there, and every secret the recipe needs.
 */
import { findRelease, recipeAt, releasesOf } from '../stacks/releases';
import { EngawaError, isEngawaError } from '../util/errors';
import type { Recipe } from '../stacks/types';
import { readArchive, type ReadOptions } from './archive-reader';
import { dumpPath } from './contents';
import type { Manifest } from './manifest';
import { asStep as step } from '../util/progress';
import type { BackupDeps, CommonOptions } from './types';

export interface Verified {
  manifest: Manifest;
  secrets: Record<string, string>;
  recipe: Recipe;
}

export interface VerifyOptions extends CommonOptions {
  /**
   * Sees what was read once every check passed, before the caller uses it: it may refuse it (throw)
   * or complete it (a restore adds the tunnel credential a backup leaves out). Its answer is the result.
   */
  review?: (verified: Verified) => Verified | Promise<Verified>;
}

/** Reads and checks the whole file; see the module comment. Throws INVALID_INPUT (details.reason) when it cannot be restored. */
export async function verifyBackup(deps: Pick<BackupDeps, 'recipes'>, file: string, opts: VerifyOptions): Promise<Verified> {
  let recipe: Recipe | undefined;
  const { manifest, secrets } = await step(opts.onProgress, 'Check the backup file', () =>
    readArchive(file, {
      ...readOptions(opts),
      // refuse a backup of an unknown stack before reading the rest
      onManifest: (m) => void (recipe = recipeFor(deps, m)),
    }),
  );
  const r = recipe as Recipe;
  checkListed(r, manifest);
  checkSecrets(r, secrets);
  const verified: Verified = { manifest, secrets, recipe: r };
  return opts.review ? opts.review(verified) : verified;
}

/** The reader's options from a backup operation's: the passphrase, cancel, and bytes read (reported under `stepName`). */
export function readOptions(opts: CommonOptions, stepName = 'Check the backup file'): ReadOptions {
  return {
    passphrase: opts.passphrase,
    ...(opts.signal && { signal: opts.signal }),
    ...(opts.onBytes && { onBytes: (n: number) => opts.onBytes?.({ step: stepName, current: n, total: 0 }) }),
  };
}

/** Refuses a manifest that lacks a database the recipe keeps (known from the manifest alone, before the data is read). */
export function checkListed(r: Recipe, manifest: Manifest): void {
  const paths = new Set(manifest.entries.map((e) => e.path));
  const dumps = (r.backup?.databases ?? []).filter((d) => !paths.has(dumpPath(d.service)));
  if (dumps.length > 0) {
    throw new EngawaError('INVALID_INPUT', `This backup lacks the database of ${dumps.map((d) => d.service).join(', ')}.`, { reason: 'incomplete' });
  }
}

/** Refuses secrets that lack one the recipe needs. */
export function checkSecrets(r: Recipe, secrets: Record<string, string>): void {
  const missing = r.secrets.filter((s) => !Object.hasOwn(secrets, s.name)).map((s) => s.name);
  if (missing.length > 0) {
    throw new EngawaError('INVALID_INPUT', `This backup lacks secrets the server needs (${missing.join(', ')}).`, { reason: 'incomplete', missing });
  }
}

/** The recipe a manifest was made with, refusing unknown stacks and newer stack versions. */
export function recipeFor(deps: Pick<BackupDeps, 'recipes'>, m: Manifest): Recipe {
  let recipe: Recipe;
  try {
    recipe = deps.recipes.get(m.stack.id);
  } catch (e) {
    if (!isEngawaError(e, 'NOT_FOUND')) throw e;
    throw new EngawaError('INVALID_INPUT', `This backup is of a "${m.stack.id}" server, which this version of Engawa does not know.`, {
      reason: 'stack',
      stack: m.stack.id,
    });
  }
  if (compareVersions(m.stack.version, recipe.version) > 0) {
    throw new EngawaError(
      'INVALID_INPUT',
      `This backup was made with ${recipe.name} ${m.stack.version}, newer than the ${recipe.version} this Engawa runs; update Engawa to restore it.`,
      { reason: 'newer-stack', version: m.stack.version },
    );
  }
  // restored on the release it was made on (an update afterwards moves it on, with its steps)
  if (findRelease(recipe, m.stack.version)) return recipeAt(recipe, m.stack.version);
  throw new EngawaError(
    'INVALID_INPUT',
    `This backup was made with ${recipe.name} ${m.stack.version}, a release this Engawa no longer runs (it runs ${releasesOf(recipe)
      .map((r) => r.version)
      .join(', ')}); restore it with an older Engawa, update the server there, and back it up again.`,
    { reason: 'old-stack', version: m.stack.version },
  );
}

/** Compares dotted versions numerically part by part (1.10 > 1.9); non-numeric parts compare as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/);
  const pb = b.split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x.localeCompare(y);
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}
