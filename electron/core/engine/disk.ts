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
  return volumeUsageFromDf(await docker.df(), project);
}
