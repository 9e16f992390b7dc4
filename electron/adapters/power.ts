/**
 * Wake from sleep and an unlocked screen, from Electron's powerMonitor to the core's re-check
 * (core/api/watch.ts): after either, the core re-checks Docker, each running server's services and
 * its tunnel connector, and restarts what stays unready (cloudflared often does not reconnect by
 * itself after a Mac sleeps or Windows hibernates). Bursts (resume then unlock) join one re-check.
 */

/** The events of Electron's powerMonitor the app listens to. */
export type PowerEvent = 'resume' | 'unlock-screen';

export interface PowerMonitorLike {
  on(event: PowerEvent, listener: () => void): unknown;
}

const REASONS: Record<PowerEvent, string> = {
  resume: 'the computer woke from sleep',
  'unlock-screen': 'the screen was unlocked',
};

export function forwardWakeEvents(power: PowerMonitorLike, recheck: (reason: string) => Promise<void>, log: (line: string) => void): void {
  for (const event of Object.keys(REASONS) as PowerEvent[]) {
    power.on(event, () => {
      log(`${REASONS[event]}: re-checking the servers`);
      recheck(REASONS[event]).catch((e: unknown) => log(`the re-check after "${event}" failed: ${e instanceof Error ? e.message : String(e)}`));
    });
  }
}
