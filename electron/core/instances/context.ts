/**
 * What every instance operation shares, one per manager: its dependencies, the record store, the
 * one state cache, the operations of this process in progress, the engine (connected lazily, so
 * `list` and `get` work without Docker) and the lookups of records, recipes and plans. The
 * operation modules (create, lifecycle, destroy, watcher, operation) are functions of it.
 */
import { isDeniedEnv } from '../stacks/overrides';
import type { PortEnv } from './ports';
import { EngawaError, isEngawaError } from '../util/errors';
import type { EngineApi } from '../engine/types';
import type { Plan } from '../plan/types';
import { plan as makePlan } from '../stacks/plan';
import type { Recipe } from '../stacks/types';
import { validateInstanceName } from '../stacks/validate';
import { findRelease, recipeAt, releasesOf, unknownRelease } from '../stacks/releases';
import { cloudflareOptionsFromEnv, type CloudflareOptions } from '../tunnel/api';
import { recipeWithTunnel, type TunnelOpContext } from '../tunnel/instance-tunnel';
import { lockHolder } from './lock';
import type { SecretStore } from './secret-store';
import { StateCache } from './state-cache';
import { InstanceStore } from './store';
import type { InstanceRecord, Op, OpOptions } from './types';

export interface InstanceManagerDeps {
  /** the Engawa data directory (see home.ts) */
  home: string;
  /** connects to Docker; called only when an operation needs it, again after a failure */
  engine: () => Promise<EngineApi>;
  secrets: SecretStore;
  recipes: { get(id: string): Recipe; list(): Recipe[] };
  /** official image reference → local reference (tests, mirrors) */
  images?: Record<string, string>;
  /** how to reach Cloudflare's API (default: ENGAWA_CLOUDFLARE_API_URL of this process) */
  cloudflare?: CloudflareOptions;
  /** what the OS reserves and how to listen on 127.0.0.1 (default: this machine; tests give a fake) */
  ports?: PortEnv;
  log?: (line: string) => void;
}

/** The compose project of an instance (the same rule as `plan()`). */
export const projectName = (name: string): string => `engawa-${name}`;

const INSTANCE_OF_PROJECT = /^engawa-(.+)$/;

/** The instance a compose project belongs to (the inverse of `projectName`), undefined for other projects. */
export const instanceOfProject = (project: string): string | undefined => INSTANCE_OF_PROJECT.exec(project)?.[1];

export class InstanceContext {
  readonly store: InstanceStore;
  readonly log: (line: string) => void;
  /** operations of this process in progress, by instance */
  readonly active = new Map<string, Op>();
  /** last state told to listeners, by instance, and the listeners */
  readonly states: StateCache;
  private enginePromise?: Promise<EngineApi>;

  constructor(readonly deps: InstanceManagerDeps) {
    this.log = deps.log ?? (() => {});
    this.store = new InstanceStore(deps.home, this.log);
    this.states = new StateCache(this.log);
  }

  engine(): Promise<EngineApi> {
    this.enginePromise ??= this.deps.engine().catch((e: unknown) => {
      this.enginePromise = undefined;
      throw e;
    });
    return this.enginePromise;
  }

  /** The record of `name`; NOT_FOUND (naming the instances that exist) when there is none. */
  async get(name: string): Promise<InstanceRecord> {
    const record = await this.store.read(validateInstanceName(name));
    if (record) return record;
    const names = (await this.store.list()).map((r) => r.name);
    throw new EngawaError(
      'NOT_FOUND',
      names.length > 0 ? `There is no instance "${name}"; the instances are: ${names.join(', ')}.` : `There is no instance "${name}"; none exist yet.`,
      { name, known: names },
    );
  }

  /** True while an operation (of any Engawa process) holds the instance's lock. */
  async busy(name: string): Promise<boolean> {
    return this.active.has(name) || (await lockHolder(this.deps.home, name)) !== null;
  }

  /**
   * The plan of an existing instance at its recorded release, from its record and stored secrets
   * (never generating any). An instance on a release this Engawa no longer knows gets NOT_FOUND
   * ('unknown-release'), unless `lenient` (backups, exports: they only read), which plans it with
   * the oldest release this Engawa knows.
   */
  async planFor(name: string, opts: { lenient?: boolean } = {}): Promise<Plan> {
    const record = await this.get(name);
    return this.planOf(record, opts);
  }

  /** `planFor` of a record as given (an operation's record before it is written). */
  async planOf(record: InstanceRecord, opts: { lenient?: boolean } = {}): Promise<Plan> {
    const name = record.name;
    const secrets = await this.deps.secrets.get(name);
    const recipe = recipeWithTunnel(this.recipeOf(record, opts), record.tunnel, secrets);
    const missing = recipe.secrets.filter((s) => !Object.hasOwn(secrets, s.name)).map((s) => s.name);
    if (missing.length > 0) {
      throw new EngawaError('SECRETS', `The secrets of "${name}" are missing (${missing.join(', ')}); restore them from a backup or destroy the instance.`, {
        name,
        missing,
        store: this.deps.secrets.kind,
      });
    }
    return makePlan(recipe, {
      instance: record.name,
      domain: record.domain,
      secrets,
      settings: record.settings,
      overrides: this.allowedOverrides(record),
      ports: record.ports,
      images: this.imagesFor(record),
      ...(record.volumes && { volumeNames: record.volumes }),
    });
  }

  /**
   * The record's env overrides without those no server may run with (stacks/overrides.ts: NODE_OPTIONS,
   * LD_*, TUNNEL_* …). A record of an earlier Engawa may hold one, from `--set` or a restored backup:
   * it is left out with a log line, so the server starts without it instead of not at all.
   */
  allowedOverrides(record: InstanceRecord): InstanceRecord['overrides'] {
    const denied = record.overrides.filter((o) => isDeniedEnv(o.key));
    if (denied.length === 0) return record.overrides;
    this.log(`"${record.name}": leaving out settings no server may change: ${denied.map((o) => `${o.service}.${o.key}`).join(', ')}`);
    return record.overrides.filter((o) => !isDeniedEnv(o.key));
  }

  /** The images an instance runs: the map kept at its create, with what this process was given on top. */
  imagesFor(record: Pick<InstanceRecord, 'images'> | undefined): Record<string, string> {
    return { ...record?.images, ...this.deps.images };
  }

  tunnelContext(opts: OpOptions, record?: Pick<InstanceRecord, 'images'>): TunnelOpContext {
    return {
      cloudflare: this.deps.cloudflare ?? cloudflareOptionsFromEnv(process.env),
      engine: () => this.engine(),
      images: this.imagesFor(record),
      ...(opts.onProgress && { onProgress: opts.onProgress }),
      ...(opts.signal && { signal: opts.signal }),
    };
  }

  /** The recipe a create names, at the release it asks for (default the newest); INVALID_INPUT listing the stacks or releases there are when unknown. */
  recipeForInput(id: string, version?: string): Recipe {
    const recipe = this.findRecipe(id);
    if (recipe && version !== undefined && version !== recipe.version) {
      if (findRelease(recipe, version)) return recipeAt(recipe, version);
      const known = releasesOf(recipe).map((r) => r.version);
      throw new EngawaError('INVALID_INPUT', `${recipe.name} has no release "${version}" Engawa can create; choose one of: ${known.join(', ')}.`, {
        reason: 'unknown-release',
        stack: id,
        version,
        known,
      });
    }
    if (recipe) return recipe;
    const known = this.deps.recipes
      .list()
      .filter((r) => !r.testOnly)
      .map((r) => r.id);
    throw new EngawaError('INVALID_INPUT', `There is no stack "${id}"; choose one of: ${known.join(', ')}.`, { stack: id, known });
  }

  /**
   * The recipe of an existing instance at its recorded release; NOT_FOUND when this version of
   * Engawa does not know the stack, or the release (see planFor for `lenient`).
   */
  recipeOf(record: Pick<InstanceRecord, 'name' | 'stack' | 'stackVersion'>, opts: { lenient?: boolean } = {}): Recipe {
    const base = this.baseRecipeOf(record);
    if (findRelease(base, record.stackVersion)) return recipeAt(base, record.stackVersion);
    const oldest = releasesOf(base).at(-1)?.version ?? base.version;
    if (opts.lenient === true) {
      this.log(`"${record.name}" runs ${base.name} ${record.stackVersion}, which this Engawa does not know; planning it as ${oldest}`);
      return recipeAt(base, oldest);
    }
    throw unknownRelease(base, record.stackVersion, `"${record.name}" runs`);
  }

  /** The stack's recipe as this Engawa ships it (its newest release, with the list of all it knows). */
  baseRecipeOf(record: Pick<InstanceRecord, 'name' | 'stack'>): Recipe {
    const recipe = this.findRecipe(record.stack);
    if (recipe) return recipe;
    throw new EngawaError('NOT_FOUND', `"${record.name}" uses the stack "${record.stack}", which this version of Engawa does not know.`, {
      name: record.name,
      stack: record.stack,
    });
  }

  private findRecipe(id: string): Recipe | undefined {
    try {
      return this.deps.recipes.get(id) ?? undefined;
    } catch (e) {
      if (isEngawaError(e, 'NOT_FOUND')) return undefined;
      throw e;
    }
  }
}

/** The progress sink and abort signal of `opts`, for the engine's and the HTTP steps' options. */
export function withOpts(opts: OpOptions): { onProgress?: OpOptions['onProgress']; signal?: AbortSignal } {
  return { ...(opts.onProgress && { onProgress: opts.onProgress }), ...(opts.signal && { signal: opts.signal }) };
}
