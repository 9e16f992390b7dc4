/**
 * Browser mode composed: the real core (the engine, home, images and recipes the CLI would use:
 * DOCKER_HOST, ENGAWA_HOME, ENGAWA_IMAGES, ENGAWA_RECIPES), its settings and secrets (a 0600
 * file, as the CLI's), and the WebSocket/static host in front of them. The browser-mode twin of
 * electron/start-app.ts; how it is launched (building the renderer, the URL, Ctrl-C) is the
 * launcher's business (scripts/serve.ts), not the core's.
 */
import { createCore } from '../api/create-core';
import { checkOptionsFromEnv } from '../check/index';
import { createServices, loadImageMap, recipeFilesFromEnv } from '../api/wiring';
import { SettingsStore } from '../api/settings';
import { engawaHome, FileSecretStore } from '../instances';
import { startHost, type Host } from './server';

export interface BrowserHostOptions {
  /** the environment the core reads (DOCKER_HOST, ENGAWA_HOME, ENGAWA_IMAGES, ENGAWA_RECIPES, ENGAWA_CLOUDFLARE_API_URL …) */
  env: Record<string, string | undefined>;
  /** the built renderer (dist/renderer) */
  rendererDir: string;
  /** Engawa's version, as app.info reports it */
  version: string;
  /** default: this process's */
  platform?: NodeJS.Platform;
  /** default: the locale this process runs in */
  systemLanguages?: string[];
  /** 0 or absent: a free port */
  port?: number;
  /** absent: a random one */
  token?: string;
  log?: (line: string) => void;
}

export interface BrowserHost {
  host: Host;
  /** closes the host and the core; the servers keep running (Docker restart policies) */
  stop(): Promise<void>;
}

/** Starts core and host; resolves once the host listens. */
export async function startBrowserHost(opts: BrowserHostOptions): Promise<BrowserHost> {
  const { env } = opts;
  const log = opts.log ?? (() => {});
  const platform = opts.platform ?? process.platform;
  const home = engawaHome(env, platform);
  const images = await loadImageMap(env.ENGAWA_IMAGES);
  const secrets = new FileSecretStore(home, platform);
  const services = createServices({ home, env, images, recipeFiles: recipeFilesFromEnv(env), secrets, log });
  const core = createCore({
    services,
    settings: await SettingsStore.open(home),
    info: { version: opts.version, platform, shell: 'browser', systemLanguages: opts.systemLanguages ?? [Intl.DateTimeFormat().resolvedOptions().locale] },
    log,
    backups: { secrets, images, env },
    checks: checkOptionsFromEnv(env),
    watch: { by: 'npm run serve', secrets },
    clock: {},
  });
  let host: Host;
  try {
    host = await startHost({
      core,
      rendererDir: opts.rendererDir,
      ...(opts.port !== undefined && { port: opts.port }),
      ...(opts.token !== undefined && { token: opts.token }),
      log,
    });
  } catch (e) {
    await core.close();
    throw e;
  }
  return {
    host,
    stop: async () => {
      await host.close();
      await core.close();
    },
  };
}
