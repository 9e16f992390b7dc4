import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { readEngineInfo, type HostProbe } from '../../../electron/core/engine/connect';
import { parseVmProbe } from '../../../electron/core/engine/vm-probe';

const DF = 'overlay 61202244 20123456 37962380  35% /\n';

describe('parseVmProbe', () => {
  it('reads the available KiB of df -P and the cpuinfo flags', () => {
    expect(parseVmProbe(`${DF}--- cpu\nflags\t\t: fpu vme sse4_1 sse4_2 avx\n`)).toEqual({
      freeDiskBytes: 37962380 * 1024,
      cpuFlags: ['fpu', 'vme', 'sse4_1', 'sse4_2', 'avx'],
    });
  });

  it('reads ARM Features and leaves out what it cannot read', () => {
    expect(parseVmProbe(`${DF}--- cpu\nFeatures\t: fp asimd evtstrm\n`).cpuFlags).toEqual(['fp', 'asimd', 'evtstrm']);
    expect(parseVmProbe('df: /: not permitted\n--- cpu\n')).toEqual({});
    expect(parseVmProbe('')).toEqual({});
  });
});

/** An engine in Docker Desktop's Linux VM, reached over a unix socket from a Mac. */
function desktopEngine(): Dockerode {
  return {
    version: async () => ({ Version: '28.2.2', ApiVersion: '1.50', Os: 'linux', Arch: 'amd64' }),
    info: async () => ({
      OperatingSystem: 'Docker Desktop',
      OSType: 'linux',
      Architecture: 'x86_64',
      NCPU: 4,
      MemTotal: 8 * 1024 ** 3,
      DockerRootDir: '/var/lib/docker',
    }),
  } as unknown as Dockerode;
}

/** The Mac itself: its disk and CPU are not the VM's. */
const macHost: HostProbe = { platform: 'darwin', freeBytes: async () => 999 * 1024 ** 3, cpuFlags: async () => ['sse4_2'] };
const endpoint = { source: 'docker-desktop', url: 'unix:///Users/me/.docker/run/docker.sock' };

describe('readEngineInfo on Docker Desktop', () => {
  it('takes free disk and SSE4.2 from inside the VM, not from the host', async () => {
    const info = await readEngineInfo(desktopEngine(), endpoint, macHost, 1000, async () => ({ freeDiskBytes: 5 * 1024 ** 3, cpuFlags: ['fpu', 'sse4_1'] }));
    expect(info.freeDiskBytes).toBe(5 * 1024 ** 3);
    expect(info.sse42).toBe(false);
  });

  it('falls back to the host only for what the probe could not measure', async () => {
    const info = await readEngineInfo(desktopEngine(), endpoint, macHost, 1000, async () => ({ cpuFlags: ['sse4_2'] }));
    expect(info.freeDiskBytes).toBe(999 * 1024 ** 3);
    expect(info.sse42).toBe(true);
    // no probe and not a Linux host: SSE4.2 stays unknown rather than the Mac's answer
    const unprobed = await readEngineInfo(desktopEngine(), endpoint, macHost, 1000, async () => undefined);
    expect(unprobed.sse42).toBeUndefined();
  });
});
