/**
 * The re-check, for the moments a home PC loses its footing: a wake from sleep, a network change,
 * Docker back after a restart. It asks the engine, reads every watched instance's services and
 * asks each tunnel connector whether it has an edge connection (cloudflared's /ready, through its
 * own health check command), lets what is not ready recover by itself for `recheckGraceMs`, then
 * restarts exactly what is still not ready, the connector first, within the restart budget.
 */
import { toEngawaError } from '../util/errors';
import type { EngineApi } from '../engine/types';
import { projectName, type InstanceRecord } from '../instances';
import { notReady, serviceSpecs, whyNotWatched, type NotReady } from './probe';
import type { WatchdogCore } from './watchdog';

/** What a re-check found on one instance. */
interface Finding {
  record: InstanceRecord;
  items: NotReady[];
}

export async function runRecheck(wd: WatchdogCore, reason: string): Promise<void> {
  wd.deps.log(`watchdog: re-checking (${reason})`);
  let engine: EngineApi;
  let found: Finding[];
  try {
    engine = await wd.deps.engine();
    found = await findNotReady(wd, engine);
  } catch (e) {
    const err = toEngawaError(e);
    if (err.code === 'ENGINE_UNREACHABLE') wd.down(err.message);
    else wd.deps.log(`watchdog: the re-check failed: ${err.message}`);
    return;
  }
  if (found.length === 0) {
    wd.act(null, null, 'recheck', `${reason}: every running server is ready`);
    return;
  }
  const list = found.flatMap((f) => f.items.map((i) => `${f.record.name}/${i.service} (${i.why})`)).join(', ');
  const graceS = Math.round(wd.timing.recheckGraceMs / 1000);
  wd.act(null, null, 'recheck', `${reason}: not ready: ${list}; restarting what is still not ready in ${graceS} s`);
  await wd.sleep(wd.timing.recheckGraceMs);
  for (const f of found) {
    if (!wd.running) return;
    const name = f.record.name;
    try {
      const record = await wd.deps.manager.find(name);
      if (record === undefined || whyNotWatched(record) !== null) continue;
      const now = await notReady(engine, projectName(name), record, serviceSpecs(wd.deps, record));
      const still = now.filter((n) => f.items.some((i) => i.service === n.service));
      for (const item of f.items) {
        if (!still.some((n) => n.service === item.service)) wd.deps.log(`watchdog: ${name}/${item.service} became ready by itself`);
      }
      const allowed: NotReady[] = [];
      for (const item of still) {
        if (wd.budget.nextAllowed(`${name}/${item.service}`, Date.now()) === null) await wd.giveUp(name, item.service);
        else allowed.push({ service: item.service, why: `${item.why} after the re-check (${reason})` });
      }
      if (allowed.length > 0) await wd.heal(name, allowed);
    } catch (e) {
      wd.deps.log(`watchdog: cannot re-check ${name}: ${toEngawaError(e).message}`);
    }
  }
}

/** The watched instances with services not ready now (connector first in each). */
async function findNotReady(wd: WatchdogCore, engine: EngineApi): Promise<Finding[]> {
  const found: Finding[] = [];
  for (const record of await wd.deps.manager.list()) {
    if (whyNotWatched(record) !== null) continue;
    const items = await notReady(engine, projectName(record.name), record, serviceSpecs(wd.deps, record));
    if (items.length > 0) found.push({ record, items });
  }
  return found;
}
