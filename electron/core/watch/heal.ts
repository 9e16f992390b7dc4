/**
 * What the watchdog does to an instance: restart services as one 'heal' operation under the
 * instance's lock (never while another operation holds it; an instance no longer watched is left
 * alone), and give up on a service the cap allows no more restarts of, with its last log lines.
 */
import { isEngawaError, toEngawaError } from '../util/errors';
import { deriveState, projectName } from '../instances';
import { lastLogLines, serviceSpecs, whyNotWatched, type NotReady } from './probe';
import type { WatchdogCore } from './watchdog';

/**
 * Restarts `items` of `instance` (in order) as one 'heal' operation under the instance's lock,
 * counting each in the budget. Another operation on the instance puts it off (tried again after
 * `busyRetryMs`); an instance that is no longer watched is left alone.
 */
export async function heal(wd: WatchdogCore, instance: string, items: readonly NotReady[]): Promise<void> {
  const project = projectName(instance);
  try {
    await wd.deps.manager.runOperation(instance, 'heal', async (tx) => {
      const record = await tx.get();
      const why = whyNotWatched(record);
      if (why !== null) {
        wd.deps.log(`watchdog: not restarting ${items.map((i) => i.service).join(', ')} of ${instance}: ${why}`);
        return;
      }
      const engine = await wd.deps.engine();
      const specs = serviceSpecs(wd.deps, record);
      for (const item of items) {
        const key = `${instance}/${item.service}`;
        const now = Date.now();
        const nth = wd.budget.used(key, now) + 1;
        wd.budget.record(key, now);
        wd.forget(key);
        const stopTimeoutS = specs.get(item.service)?.stopTimeoutS;
        try {
          await engine.restartService(project, item.service, stopTimeoutS !== undefined ? { timeoutS: stopTimeoutS } : {});
          wd.act(instance, item.service, 'restart', `${item.why}; restart ${nth} of at most ${wd.timing.cap} in ${wd.windowText()}`);
        } catch (e) {
          wd.deps.log(`watchdog: cannot restart ${key}: ${toEngawaError(e).message}`);
        }
      }
      tx.publish(deriveState(await engine.status(project)));
    });
  } catch (e) {
    if (!isEngawaError(e, 'BUSY')) {
      wd.deps.log(`watchdog: cannot restart services of ${instance}: ${toEngawaError(e).message}`);
      return;
    }
    const retryS = Math.round(wd.timing.busyRetryMs / 1000);
    for (const item of items) {
      const key = `${instance}/${item.service}`;
      const spell = wd.spells.get(key) ?? { since: Date.now() };
      wd.spells.set(key, spell);
      // said once per spell, however long the other operation takes
      if (spell.saidBusy !== true) wd.act(instance, item.service, 'skip', `not restarted yet: ${e.message.replace(/\.$/, '')}; trying again every ${retryS} s`);
      spell.saidBusy = true;
      wd.arm(instance, item.service, Date.now() + wd.timing.busyRetryMs);
    }
  }
}

/** Reports a service it will not restart again (the cap is reached), with its last log lines, once per spell. */
export async function giveUp(wd: WatchdogCore, instance: string, service: string): Promise<void> {
  const key = `${instance}/${service}`;
  const spell = wd.spells.get(key) ?? { since: Date.now() };
  if (spell.gaveUp) return;
  spell.gaveUp = true;
  wd.spells.set(key, spell);
  const lines = await lastLogLines(wd.deps, await wd.deps.engine(), instance, projectName(instance), service);
  const reason = `still not healthy after ${wd.timing.cap} restarts in ${wd.windowText()}; not restarting it again until it recovers — it needs a look`;
  wd.act(instance, service, 'give-up', reason, { lastLogLines: lines });
}
