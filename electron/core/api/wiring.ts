/**
 * The core's building blocks composed once, the same way for the CLI, the desktop app and the
 * browser-mode host: the Docker engine (connected lazily), the recipes (shipped + ENGAWA_RECIPES)
 * and the instance manager. Read-only work (listing instances, stacks) never needs Docker.
 */
import { cloudflareOptionsFromEnv, type CloudflareOptions } from '../tunnel/api';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EngawaError } from '../util/errors';
import { connectEngine, realDiscoveryEnv } from '../engine/connect';
import { DockerEngine } from '../engine/engine';
import { PROBE_IMAGE } from '../engine/vm-probe';
import { imageToRun } from '../plan/digests';
import type { EngineApi } from '../engine/types';
import { InstanceManager } from '../instances';
import type { SecretStore } from '../instances';
import { getRecipe, listRecipes } from '../stacks/registry';
import type { Recipe } from '../stacks/types';

/** Where recipes come from. */
export interface RecipeSource {
  get(id: string): Recipe;
  list(): Recipe[];
}

export interface ServicesOptions {
  /** the Engawa data directory */
  home: string;
  /** environment for engine discovery (DOCKER_HOST, HOME …) */
  env: Record<string, string | undefined>;
  /** official image reference → local reference (tests, mirrors) */
  images?: Record<string, string>;
  /** extra recipe JSON files (tests) */
  recipeFiles?: string[];
  secrets: SecretStore;
  /** use this engine instead of discovering one (tests) */
  engine?: () => Promise<EngineApi>;
  log?: (line: string) => void;
}

export interface Services {
  home: string;
  /** connects on first use; after a failure the next call tries again */
  engine: () => Promise<EngineApi>;
  recipes: RecipeSource;
  manager: InstanceManager;
  /** the instances' secrets (the tunnel status reads the Cloudflare API token) */
  secrets?: SecretStore;
  /** Cloudflare: the API address (ENGAWA_CLOUDFLARE_API_URL) and a stand-in edge for the public URL's probe (ENGAWA_TUNNEL_EDGE_URL, tests) */
  tunnel?: { cloudflare: CloudflareOptions; edge?: string };
}

/** Composes engine, recipes and instance manager. */
export function createServices(opts: ServicesOptions): Services {
  const engine = retryingOnce(opts.engine ?? (() => discoverEngine(opts.env, opts.images)));
  const extraRecipeFiles = opts.recipeFiles ?? [];
  const recipes: RecipeSource = {
    get: (id) => getRecipe(id, { extraRecipeFiles }),
    list: () => listRecipes({ extraRecipeFiles }),
  };
  const cloudflare = cloudflareOptionsFromEnv(opts.env);
  const manager = new InstanceManager({
    home: opts.home,
    engine,
    secrets: opts.secrets,
    recipes,
    images: opts.images ?? {},
    cloudflare,
    ...(opts.log && { log: opts.log }),
  });
  const edge = opts.env.ENGAWA_TUNNEL_EDGE_URL;
  return { home: opts.home, engine, recipes, manager, secrets: opts.secrets, tunnel: { cloudflare, ...(edge && { edge }) } };
}

/**
 * Finds and connects the engine the way the docker CLI would (DOCKER_HOST, contexts, desktop
 * sockets). `images` maps official references to local ones (also the probe container's).
 */
export async function discoverEngine(env: Record<string, string | undefined>, images: Record<string, string> = {}): Promise<EngineApi> {
  const { docker, endpoint } = await connectEngine({ discovery: { ...realDiscoveryEnv(), env } });
  return new DockerEngine(docker, { endpoint, probeImage: imageToRun(PROBE_IMAGE, images) });
}

/** Caches the first successful connection; a failed attempt is forgotten so the next call retries. */
export function retryingOnce<T>(connect: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= connect().catch((e: unknown) => {
      pending = undefined;
      throw e;
    });
    return pending;
  };
}

/**
 * Variables that point Engawa at other recipes, images, a Cloudflare API or a tunnel edge: for
 * development, the tests and browser mode. The packaged desktop app ignores them, so whoever can
 * set a user's environment cannot redirect the API token or swap the images.
 */
export const TEST_HOOK_VARIABLES = [
  'ENGAWA_RECIPES',
  'ENGAWA_IMAGES',
  'ENGAWA_CLOUDFLARE_API_URL',
  'ENGAWA_TUNNEL_EDGE_URL',
  'ENGAWA_TEST_KILL_AT',
  'ENGAWA_CHECK_FRONT_URL',
  'ENGAWA_CHECK_PLC_URL',
  'ENGAWA_CHECK_RELAY_URL',
] as const;

/** `env` without the test hooks (see TEST_HOOK_VARIABLES). */
export function withoutTestHooks(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out = { ...env };
  for (const key of TEST_HOOK_VARIABLES) delete out[key];
  return out;
}

/** The recipe files named by ENGAWA_RECIPES (separated like PATH). */
export function recipeFilesFromEnv(env: Record<string, string | undefined>): string[] {
  const v = env.ENGAWA_RECIPES;
  return v ? v.split(path.delimiter).filter(Boolean) : [];
}

/**
 * The image map given as JSON text or as the path of a JSON file (ENGAWA_IMAGES, --images):
 * `{"official/image:tag": "local/image:tag", …}`. INVALID_INPUT when it cannot be read or parsed.
 */
export async function loadImageMap(value: string | undefined): Promise<Record<string, string>> {
  if (!value) return {};
  let text = value;
  if (!value.trim().startsWith('{')) {
    try {
      text = await readFile(value, 'utf8');
    } catch (e) {
      throw new EngawaError('INVALID_INPUT', `Cannot read the image map "${value}": ${(e as Error).message}`, { path: value });
    }
  }
  let map: unknown;
  try {
    map = JSON.parse(text);
  } catch {
    throw new EngawaError('INVALID_INPUT', 'The image map must be JSON: {"official/image:tag": "local/image:tag", …}.');
  }
  if (!map || typeof map !== 'object' || Array.isArray(map) || Object.values(map).some((x) => typeof x !== 'string')) {
    throw new EngawaError('INVALID_INPUT', 'The image map must be a JSON object of strings.');
  }
  return map as Record<string, string>;
}
