/** Turning one raw `container.stats({stream:false})` sample into the numbers the dashboard shows. */
import type { ServiceStats } from './types';

/** The parts of Docker's stats JSON we read (cgroup v1 and v2 field names). */
export interface RawStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number | undefined> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

/** CPU use in percent of one CPU (like `docker stats`: 200 means two CPUs busy). */
export function cpuPercent(s: RawStats): number {
  const cpu = s.cpu_stats;
  const pre = s.precpu_stats;
  if (!pre?.system_cpu_usage) return 0; // no previous sample: no interval to measure over
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  if (cpuDelta <= 0 || systemDelta <= 0) return 0;
  const cpus = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1;
  return (cpuDelta / systemDelta) * cpus * 100;
}

/** Memory in use without the page cache (as `docker stats`: usage minus inactive file pages). */
export function memoryBytes(s: RawStats): number {
  const usage = s.memory_stats?.usage ?? 0;
  const st = s.memory_stats?.stats ?? {};
  const cache = st['inactive_file'] ?? st['total_inactive_file'] ?? st['cache'] ?? 0;
  return Math.max(0, usage - (cache < usage ? cache : 0));
}

/** All numbers of one service from one sample. */
export function serviceStats(service: string, s: RawStats): ServiceStats {
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  return {
    service,
    cpuPercent: cpuPercent(s),
    memoryBytes: memoryBytes(s),
    memoryLimitBytes: s.memory_stats?.limit ?? 0,
    netRxBytes: rx,
    netTxBytes: tx,
  };
}
