import { describe, expect, it } from 'vitest';
import { cpuPercent, memoryBytes, serviceStats } from '../../../electron/core/engine/stats';

describe('stats math', () => {
  it('computes CPU percent from the deltas, scaled by online CPUs', () => {
    const s = {
      cpu_stats: { cpu_usage: { total_usage: 3_000 }, system_cpu_usage: 20_000, online_cpus: 4 },
      precpu_stats: { cpu_usage: { total_usage: 1_000 }, system_cpu_usage: 10_000 },
    };
    expect(cpuPercent(s)).toBeCloseTo(80); // 2000/10000 * 4 * 100
    expect(
      cpuPercent({ ...s, cpu_stats: { ...s.cpu_stats, online_cpus: undefined as unknown as number, cpu_usage: { total_usage: 3_000, percpu_usage: [1, 2] } } }),
    ).toBeCloseTo(40);
  });

  it('reports 0 CPU when there is no previous sample', () => {
    expect(cpuPercent({ cpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 9 }, precpu_stats: {} })).toBe(0);
    expect(cpuPercent({})).toBe(0);
  });

  it('subtracts inactive file pages (cgroup v2) or the cache (cgroup v1) from memory use', () => {
    expect(memoryBytes({ memory_stats: { usage: 1000, stats: { inactive_file: 300 } } })).toBe(700);
    expect(memoryBytes({ memory_stats: { usage: 1000, stats: { total_inactive_file: 200, cache: 500 } } })).toBe(800);
    expect(memoryBytes({ memory_stats: { usage: 1000, stats: { cache: 400 } } })).toBe(600);
    expect(memoryBytes({ memory_stats: { usage: 100, stats: { cache: 400 } } })).toBe(100);
  });

  it('sums network bytes over all interfaces', () => {
    const s = serviceStats('web', {
      memory_stats: { usage: 10, limit: 100, stats: {} },
      networks: { eth0: { rx_bytes: 5, tx_bytes: 7 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
    });
    expect(s).toEqual({ service: 'web', cpuPercent: 0, memoryBytes: 10, memoryLimitBytes: 100, netRxBytes: 6, netTxBytes: 9 });
  });
});
