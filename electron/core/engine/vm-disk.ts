/**
 * Free and total bytes of the disk where Docker keeps its data, measured from inside the engine's
 * machine by the probe helper (vm-probe.ts): on Docker Desktop the data root is in a VM, and
 * `statfs` of the host path Docker reports is wrong there. A container's root filesystem is an
 * overlay on the data root, and an overlay reports the filesystem under it, so `df -P -k /` in the
 * helper (no network, no capabilities, removed when it exits) reads the data root's disk on every
 * engine. The disk guard (watch/disk-guard.ts) asks for it every few minutes.
 */
import type Dockerode from 'dockerode';
import { ping } from './connect';
import { runVmHelper } from './vm-probe';

/** What `df` tells of one filesystem. */
export interface DiskSpace {
  freeBytes: number;
  totalBytes: number;
}

const SCRIPT = 'df -P -k /';

/**
 * Reads POSIX `df -P -k` output (pure): the last line's 1024-blocks (total) and Available (free,
 * what an unprivileged writer such as PostgreSQL can still use). Undefined when it is not df's.
 */
export function parseDfOutput(stdout: string): DiskSpace | undefined {
  const lines = stdout.trim().split('\n');
  if (lines.length < 2) return undefined;
  // Filesystem 1024-blocks Used Available Capacity Mounted-on: count from the left (a mount point may hold spaces)
  const cols = (lines[lines.length - 1] ?? '').trim().split(/\s+/);
  if (cols.length < 6) return undefined;
  const total = Number(cols[1]);
  const free = Number(cols[3]);
  if (!Number.isSafeInteger(total) || !Number.isSafeInteger(free) || total <= 0 || free < 0) return undefined;
  return { freeBytes: free * 1024, totalBytes: total * 1024 };
}

/**
 * Measures Docker's disk. Rejects (ENGINE_UNREACHABLE) when Docker does not answer, so a caller
 * can tell "Docker is away" from "the helper cannot run here" (undefined: no probe image and no
 * registry, Windows containers, an answer that is not df's).
 */
export async function readVmDisk(docker: Dockerode, image: string, timeoutMs = 20_000): Promise<DiskSpace | undefined> {
  await ping(docker);
  const out = await runVmHelper(docker, image, SCRIPT, [], timeoutMs);
  return out === undefined ? undefined : parseDfOutput(out);
}
