/**
 * How much disk a project's volumes use, as Docker measures them (`GET /system/df`, the numbers of
 * `docker system df -v`). Docker walks every volume to answer, so this is asked on request only.
 */
import type Dockerode from 'dockerode';
import { LABELS } from '../plan/types';

/** One volume of a project and its size; `bytes` is null when Docker did not measure it. */
export interface VolumeUsage {
  /** the Docker volume's name */
  name: string;
  /** the recipe's volume key (compose's volume label) */
  key: string;
  bytes: number | null;
}

interface DfVolume {
  Name?: string;
  Labels?: Record<string, string> | null;
  UsageData?: { Size?: number } | null;
}

/** The project's volumes (labelled with it and managed by Engawa) out of a `/system/df` answer (pure). */
export function volumeUsageFromDf(df: unknown, project: string): VolumeUsage[] {
  const volumes = (df as { Volumes?: DfVolume[] | null } | null)?.Volumes ?? [];
  return volumes
    .filter((v) => v.Labels?.[LABELS.project] === project && v.Labels[LABELS.managed] === 'true' && typeof v.Name === 'string')
    .map((v) => {
      const size = v.UsageData?.Size;
      return {
        name: v.Name as string,
        key: v.Labels?.[LABELS.volume] ?? (v.Name as string),
        bytes: typeof size === 'number' && size >= 0 ? size : null,
      };
    });
}

/** Asks Docker for the disk use of the project's volumes. */
export async function readVolumeUsage(docker: Dockerode, project: string): Promise<VolumeUsage[]> {
  return volumeUsageFromDf(await systemDf(docker), project);
}

/** Docker's refusal of a second `/system/df` while one runs (any client's: the app, `engawa watch`, Docker Desktop). */
const DF_BUSY = /disk usage operation is already running/;
/** How long a caller waits for another client's `/system/df` to finish before it gives up. */
export const DF_BUSY_WAIT_MS = 30_000;
const inFlight = new WeakMap<Dockerode, Promise<unknown>>();

/**
 * `GET /system/df`, which Docker runs one at a time and refuses meanwhile ("a disk usage operation
 * is already running"): callers in this process share the request under way, and a refusal
 * because another client's runs is asked again (after 250 ms, then up to 2 s apart) for up to
 * DF_BUSY_WAIT_MS. `sleep` is for tests.
 */
export function systemDf(docker: Dockerode, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<unknown> {
  let asking = inFlight.get(docker);
  if (asking === undefined) {
    asking = (async () => {
      const end = Date.now() + DF_BUSY_WAIT_MS;
      for (let pause = 250; ; pause = Math.min(pause * 2, 2000)) {
        try {
          return await docker.df();
        } catch (e) {
          if (!DF_BUSY.test(String((e as Error).message)) || Date.now() + pause > end) throw e;
          await sleep(pause);
        }
      }
    })().finally(() => inFlight.delete(docker));
    inFlight.set(docker, asking);
  }
  return asking;
}
