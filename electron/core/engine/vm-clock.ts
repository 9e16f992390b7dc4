/**
 * The clock of the engine's machine, read (and on request set) by a tiny helper container, as the
 * VM probe (vm-probe.ts) reads its disk: on Docker Desktop the engine runs in a VM whose clock can
 * drift after the computer sleeps, and only a container sees that clock. Reading runs with no
 * network, every capability dropped and no new privileges; setting adds only CAP_SYS_TIME (the
 * kernel's clock is not namespaced: a container that may set it sets the VM's). Both run the probe
 * image and are removed when they exit.
 */
import type Dockerode from 'dockerode';
import { runVmHelper } from './vm-probe';

/** `date` prints seconds, then nanoseconds where busybox was built with them (else a literal "%N"). */
const READ = 'date -u +%s.%N';

/**
 * Reads `date -u +%s.%N` (pure): ms since the epoch, or undefined. Without the fraction the true time
 * is somewhere in that second: its middle (+500 ms) is the best guess.
 */
export function parseClockOutput(stdout: string): number | undefined {
  const m = /^\s*(\d{9,12})(?:\.(\d{1,9}))?/.exec(stdout);
  if (m === null || m[1] === undefined) return undefined;
  const fraction = m[2] === undefined ? 0.5 : Number(`0.${m[2]}`);
  return Math.round((Number(m[1]) + fraction) * 1000);
}

/** The engine machine's clock (ms since the epoch, UTC); undefined when the helper cannot run. */
export async function readVmClock(docker: Dockerode, image: string, timeoutMs = 20_000): Promise<number | undefined> {
  const out = await runVmHelper(docker, image, READ, [], timeoutMs);
  return out === undefined ? undefined : parseClockOutput(out);
}

/** Sets the engine machine's clock to `epochSeconds` (UTC); false when the helper could not. */
export async function setVmClock(docker: Dockerode, image: string, epochSeconds: number, timeoutMs = 20_000): Promise<boolean> {
  if (!Number.isSafeInteger(epochSeconds) || epochSeconds <= 0) return false;
  return (await runVmHelper(docker, image, `date -u -s @${epochSeconds} >/dev/null`, ['SYS_TIME'], timeoutMs)) !== undefined;
}
