/**
 * What every `engawa` command gets: parsed arguments, output that redacts secrets, and the core
 * (engine, recipes, instance manager) created lazily so read-only commands work without Docker.
 */
import path from 'node:path';
import type Dockerode from 'dockerode';
import type { Progress } from '../util/progress';
import { createServices, discoverEngine, loadImageMap, recipeFilesFromEnv, retryingOnce } from '../api/wiring';
import { isEngawaError } from '../util/errors';
import type { EngineApi } from '../engine/types';
import type { InstanceManager } from '../instances';
import { FileSecretStore } from '../instances';
import { engawaHome } from '../instances';
import { listRecipes, getRecipe } from '../stacks/registry';
import { redact } from '../plan/redact';
import type { Recipe } from '../stacks/types';
import { UsageError, type ParsedCommand } from './args';
import { progressPrinter } from './format';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  /** aborted on Ctrl-C */
  signal?: AbortSignal;
  /** for tests: use this engine instead of discovering one */
  engine?: () => Promise<EngineApi>;
  /** for tests: the Docker client backups and updates stream volumes and dumps through (else the discovered engine's) */
  docker?: () => Promise<Dockerode>;
}

/** Everything a command needs, created lazily so read-only commands work without Docker. */
export class CliContext {
  readonly json: boolean;
  readonly reveal: boolean;
  readonly home: string;
  /** the exit code of a command that printed its whole answer and still failed (e.g. `check` with a failed item) */
  exitCode = 0;
  private secretsSeen: string[] = [];
  private connect?: () => Promise<EngineApi>;
  private managerInstance?: InstanceManager;

  constructor(
    readonly cmd: ParsedCommand,
    readonly io: CliIo,
  ) {
    this.json = cmd.options.json === true;
    this.reveal = cmd.options['reveal-secrets'] === true;
    const home = typeof cmd.options.home === 'string' ? cmd.options.home : undefined;
    this.home = home ? path.resolve(home) : engawaHome(io.env);
  }

  str(name: string): string | undefined {
    const v = this.cmd.options[name];
    return typeof v === 'string' ? v : undefined;
  }

  engine(): Promise<EngineApi> {
    this.connect ??= retryingOnce(this.io.engine ?? (async () => discoverEngine(this.io.env, await this.images())));
    return this.connect();
  }

  recipeFiles(): string[] {
    return recipeFilesFromEnv(this.io.env);
  }

  recipes(): { get(id: string): Recipe; list(): Recipe[] } {
    const extraRecipeFiles = this.recipeFiles();
    return { get: (id) => getRecipe(id, { extraRecipeFiles }), list: () => listRecipes({ extraRecipeFiles }) };
  }

  async images(): Promise<Record<string, string>> {
    try {
      return await loadImageMap(this.str('images') ?? this.io.env.ENGAWA_IMAGES);
    } catch (e) {
      if (isEngawaError(e, 'INVALID_INPUT')) throw new UsageError(e.message);
      throw e;
    }
  }

  async manager(): Promise<InstanceManager> {
    this.managerInstance ??= createServices({
      home: this.home,
      env: this.io.env,
      images: await this.images(),
      recipeFiles: this.recipeFiles(),
      secrets: new FileSecretStore(this.home),
      engine: () => this.engine(),
    }).manager;
    return this.managerInstance;
  }

  /** remember secret values so that nothing printed contains them */
  addSecrets(values: Iterable<string>): void {
    this.secretsSeen.push(...values);
  }

  redact(text: string): string {
    return this.reveal ? text : redact(text, this.secretsSeen);
  }

  out(text: string): void {
    this.io.stdout(this.redact(text));
  }

  outJson(value: unknown): void {
    this.out(JSON.stringify(value, null, 2) + '\n');
  }

  progress(): (p: Progress) => void {
    if (this.json) return () => {};
    return progressPrinter((line) => this.io.stderr(this.redact(line)));
  }
}

/** A command's implementation. */
export type CommandImpl = (ctx: CliContext) => Promise<void>;
