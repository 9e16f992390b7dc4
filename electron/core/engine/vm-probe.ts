/**
 * Facts only the engine's own machine can tell: free disk where Docker keeps its data, and the CPU
 * flags its containers see. On Docker Desktop (Windows, macOS) the engine runs in a VM: `statfs`
 * of the host path Docker reports is wrong there (the path is inside the VM) and the host's CPU
 * flags are not necessarily the VM's. So a tiny helper container is asked, on every engine:
 * - `df -Pk /`: a container's root filesystem is an overlay on Docker's data root, and an
 *   overlay reports the free space of the filesystem under it (the data root's);
 * - the `flags` line of /proc/cpuinfo, as the VM's kernel reports it (x86-64 only: `sse4_2`).
 * The container has no network, mounts nothing, and is removed when it exits.
 */
import type Dockerode from 'dockerode';
import { LABELS } from '../plan/types';
import { runToCompletion } from './exec';
import { ensureImages } from './images';

/** The official image of the probe: busybox has `sh`, `df` and `grep` in about 2 MB. */
export const PROBE_IMAGE = 'busybox:1.37.0';

/** What the probe measured; a fact it could not read is left out. */
export interface VmFacts {
  freeDiskBytes?: number;
  cpuFlags?: string[];
}

const MARK = '--- cpu';
const SCRIPT = `df -Pk / | tail -n 1; echo '${MARK}'; grep -m 1 -E '^(flags|Features)' /proc/cpuinfo || true`;

/** Reads the probe's output (pure). */
export function parseVmProbe(stdout: string): VmFacts {
  const [dfPart = '', cpuPart = ''] = stdout.split(`${MARK}\n`);
  const facts: VmFacts = {};
  // POSIX df: Filesystem 1024-blocks Used Available Capacity Mounted-on
  const cols = dfPart.trim().split('\n').pop()?.trim().split(/\s+/) ?? [];
  const availableKiB = cols.length >= 6 ? Number(cols[cols.length - 3]) : NaN;
  if (Number.isSafeInteger(availableKiB) && availableKiB >= 0) facts.freeDiskBytes = availableKiB * 1024;
  const flags = /^(?:flags|Features)\s*:(.*)$/m.exec(cpuPart)?.[1]?.trim();
  if (flags) facts.cpuFlags = flags.split(/\s+/);
  return facts;
}

/**
 * Runs the probe container (pulling its image first if missing). Undefined when it cannot run
 * (no image and no registry, Windows containers, a hung engine): the caller falls back or leaves
 * the facts unknown, never guesses.
 */
export async function probeEngineVm(docker: Dockerode, image: string, timeoutMs = 20_000): Promise<VmFacts | undefined> {
  const out = await runVmHelper(docker, image, SCRIPT, [], timeoutMs);
  return out === undefined ? undefined : parseVmProbe(out);
}

/**
 * Runs `script` with `sh -c` in a throwaway helper container of `image` inside the engine's machine:
 * no network, every capability dropped but `capAdd`, no new privileges. Its stdout, or undefined
 * when it cannot run or exits non-zero (within `timeoutMs`, pull included).
 */
export async function runVmHelper(docker: Dockerode, image: string, script: string, capAdd: string[], timeoutMs: number): Promise<string | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  timer.unref?.();
  try {
    await ensureImages(docker, [image], { signal: controller.signal });
    const result = await runToCompletion(
      docker,
      {
        Image: image,
        Entrypoint: ['sh', '-c'],
        Cmd: [script],
        Labels: { [LABELS.managed]: 'true', [LABELS.role]: 'helper' },
        HostConfig: { NetworkMode: 'none', CapDrop: ['ALL'], ...(capAdd.length > 0 && { CapAdd: capAdd }), SecurityOpt: ['no-new-privileges'] },
      },
      { signal: controller.signal },
    );
    return result.exitCode === 0 ? result.stdout : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
