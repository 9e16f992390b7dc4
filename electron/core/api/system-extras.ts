/**
 * Two small `system.*` methods that keep a home server up without Engawa being watched:
 * - `system.dockerAutostart` / `system.setDockerAutostart`: Docker Desktop's own "start when you
 *   sign in" setting (engine/docker-desktop-settings.ts), which the dashboard offers to turn on;
 * - `system.networkChanged`: the page saw `window` `online` (Electron's main process has no such
 *   event; the browser-mode page sends it the same way) and the core re-checks every running
 *   server, as after a wake. Calls close together (several windows, a flapping Wi-Fi) join one
 *   re-check, made a moment later so the network has settled (DHCP, DNS).
 */
import os from 'node:os';
import { readDockerAutostart, writeDockerAutostart, type DockerDesktopPlace } from '../engine/docker-desktop-settings';
import { toEngawaError } from '../util/errors';
import type { Handlers } from './types';

/** The reason the re-check is logged with. */
export const NETWORK_REASON = 'the network came back';
/** How long after the first `online` the re-check runs (later ones within it join it). */
export const NETWORK_DEBOUNCE_MS = 3_000;

export interface SystemExtrasDeps {
  /** where Docker Desktop's settings file is looked for (default: this machine) */
  place?: DockerDesktopPlace;
  recheck: (reason: string) => Promise<void>;
  log: (line: string) => void;
  debounceMs?: number;
}

export interface SystemExtras {
  handlers: Pick<Handlers, 'system.dockerAutostart' | 'system.setDockerAutostart' | 'system.networkChanged'>;
  /** drops a re-check that has not run yet */
  stop(): void;
}

/** This machine, as Docker Desktop's settings are looked for. */
export function realDockerDesktopPlace(): DockerDesktopPlace {
  return { platform: process.platform, home: os.homedir(), env: process.env };
}

export function createSystemExtras(deps: SystemExtrasDeps): SystemExtras {
  const place = deps.place ?? realDockerDesktopPlace();
  let pending: NodeJS.Timeout | undefined;
  return {
    handlers: {
      'system.dockerAutostart': async () => readDockerAutostart(place),
      'system.setDockerAutostart': async ({ enabled }) => {
        const info = await writeDockerAutostart(place, enabled);
        deps.log(`Docker Desktop's "start when you sign in" is now ${enabled ? 'on' : 'off'} (${info.file ?? ''}), as asked`);
        return info;
      },
      'system.networkChanged': async () => {
        if (pending !== undefined) return null;
        pending = setTimeout(() => {
          pending = undefined;
          deps.log(`${NETWORK_REASON}: re-checking the servers`);
          deps.recheck(NETWORK_REASON).catch((e: unknown) => deps.log(`the re-check after a network change failed: ${toEngawaError(e).message}`));
        }, deps.debounceMs ?? NETWORK_DEBOUNCE_MS);
        pending.unref?.();
        return null;
      },
    },
    stop() {
      if (pending !== undefined) clearTimeout(pending);
      pending = undefined;
    },
  };
}
