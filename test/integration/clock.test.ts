/**
 * The engine's clock on the real engine (core/watch/clock.ts over DockerEngine): a helper
 * container from the local probe image reads its time, and it is within 30 s of this computer's
 * (the test engine runs on this machine's kernel). The fix is not tried here: it would set the
 * clock of the machine the shared test engine runs on.
 */
import { describe, expect, it } from 'vitest';
import { DockerEngine } from '../../electron/core/engine/engine';
import { PROBE_IMAGE } from '../../electron/core/engine/vm-probe';
import { LABELS } from '../../electron/core/plan/types';
import { measureClock } from '../../electron/core/watch/index';
import { docker, LOCAL_IMAGES } from './helpers';

describe("the real engine's clock", () => {
  it("is read by the probe image's helper and is within 30 s of this computer's", async () => {
    const engine = new DockerEngine(docker(), { probeImage: LOCAL_IMAGES[PROBE_IMAGE] });
    const started = Date.now();
    const m = await measureClock(engine);
    expect(m).toBeDefined();
    expect(m).toMatchObject({ flavor: 'linux', ok: true, fix: null });
    expect(Math.abs(m!.skewMs)).toBeLessThan(30_000);
    expect(m!.engineTime).toBeGreaterThanOrEqual(started - 30_000);
    // no helper container is left behind
    const left = await docker().listContainers({ all: true, filters: { label: [`${LABELS.role}=helper`] } });
    expect(left.filter((c) => c.Command.includes('date -u'))).toEqual([]);
  });

  it('measures nothing (and pulls nothing) without a probe image', async () => {
    expect(await measureClock(new DockerEngine(docker()))).toBeUndefined();
  });
});
