/**
 * The watchdog: it keeps a home server up between the moments a person looks at it. Driven by
 * Docker's events (the instance manager's one event stream, no polling), it
 * - restarts a service that stays unhealthy longer than its grace (the recipe's `unhealthyGraceS`,
 *   default 120 s): Docker restarts a crashed container, never an unhealthy one. Restarts of one
 *   service back off (doubling) and stop at a cap per hour; then it gives up and reports the
 *   service with its last log lines;
 * - runs a re-check (recheck.ts) when asked (a wake from sleep, a network change) and by itself
 *   when Docker's event stream comes back after it dropped (a dockerd restart);
 * - while Docker cannot be reached, waits and says so once.
 * Every restart is an operation ('heal') under the instance's lock, so none runs while another
 * operation (of any Engawa process) holds the instance; an instance stopped on purpose, or one
 * whose last operation did not leave it running, is never touched. Every action is logged with its
 * reason and handed to `onAction`.
 */
import { toEngawaError } from '../util/errors';
import type { EngineEvent, Subscription } from '../engine/types';
import { projectName } from '../instances';
import { giveUp, heal } from './heal';
import { RestartBudget } from './budget';
import { serviceSpecs, whyNotWatched, type NotReady } from './probe';
import { runRecheck } from './recheck';
import { loadRestarts, RestartsWriter } from './state';
import { DEFAULT_TIMING, type WatchAction, type WatchActionKind, type Watchdog, type WatchdogDeps, type WatchTiming } from './types';

const PROJECT = /^engawa-(.+)$/;
/** Container events after which a service's health check starts again (or it is gone): its unhealthy spell is over. */
const RESETS = new Set(['start', 'restart', 'die', 'stop', 'kill', 'destroy', 'oom']);
const MAX_ENGINE_RETRY_MS = 60_000;

export interface Spell {
  /** when the service was first seen unhealthy (ms) */
  since: number;
  timer?: ReturnType<typeof setTimeout>;
  gaveUp?: boolean;
  /** a restart was put off by another operation and that was said */
  saidBusy?: boolean;
}

/** A watchdog over the manager's instances; see the module comment. */
export function createWatchdog(deps: WatchdogDeps): Watchdog {
  return new WatchdogCore(deps);
}

export class WatchdogCore implements Watchdog {
  readonly timing: WatchTiming;
  readonly budget: RestartBudget;
  running = false;
  /** unhealthy services by `instance/service` */
  readonly spells = new Map<string, Spell>();
  private readonly work = new Set<Promise<unknown>>();
  private readonly sleeps = new Set<{ timer: ReturnType<typeof setTimeout>; done: () => void }>();
  private sub: Subscription | undefined;
  private engineUp: boolean | undefined;
  private saidDown = false;
  private engineTimer: ReturnType<typeof setTimeout> | undefined;
  private engineDelay: number;
  private rechecking: Promise<void> | undefined;

  constructor(readonly deps: WatchdogDeps) {
    this.timing = { ...DEFAULT_TIMING, ...deps.timing };
    const writer = deps.stateFile === undefined ? undefined : new RestartsWriter(deps.stateFile, deps.log);
    this.budget = new RestartBudget(this.timing, writer && ((recent) => this.background(writer.save(recent))));
    this.engineDelay = this.timing.engineRetryMs;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.deps.log('watchdog: watching Docker');
    const file = this.deps.stateFile;
    if (file === undefined) return this.connect();
    // the restart counts of the watchdog before this one, then Docker
    this.background(
      loadRestarts(file, this.timing.windowMs, Date.now(), this.deps.log).then((restarts) => {
        this.budget.restore(restarts);
        if (this.running) this.connect();
      }),
    );
  }

  async stop(): Promise<void> {
    this.running = false;
    this.sub?.close();
    this.sub = undefined;
    if (this.engineTimer) clearTimeout(this.engineTimer);
    this.engineTimer = undefined;
    for (const spell of this.spells.values()) if (spell.timer) clearTimeout(spell.timer);
    this.spells.clear();
    for (const s of this.sleeps) {
      clearTimeout(s.timer);
      s.done();
    }
    await Promise.allSettled([...this.work]);
  }

  recheck(reason: string): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.rechecking) {
      this.deps.log(`watchdog: a re-check is running already; "${reason}" joins it`);
      return this.rechecking;
    }
    if (this.sub === undefined) this.connectNow();
    const run = this.track(runRecheck(this, reason)).finally(() => {
      this.rechecking = undefined;
    });
    this.rechecking = run;
    return run;
  }

  /** Records an action: one log line and `onAction`. */
  act(instance: string | null, service: string | null, kind: WatchActionKind, reason: string, extra: Partial<WatchAction> = {}): void {
    const action: WatchAction = { instance, service, kind, reason, at: new Date().toISOString(), ...extra };
    const who = instance === null ? 'Docker' : service === null ? instance : `${instance}/${service}`;
    this.deps.log(`watchdog: ${kind} ${who}: ${reason}`);
    try {
      this.deps.onAction?.(action);
    } catch (e) {
      this.deps.log(`watchdog: an action listener failed: ${(e as Error).message}`);
    }
  }

  /** Docker cannot be reached: said once, until it is back. */
  down(why: string): void {
    this.engineUp = false;
    for (const spell of this.spells.values()) if (spell.timer) clearTimeout(spell.timer);
    this.spells.clear(); // nothing is known while Docker is away; the re-check when it is back reads it all again
    if (this.saidDown) return;
    this.saidDown = true;
    this.act(null, null, 'engine-down', `Docker cannot be reached (${why}); waiting for it to come back`);
  }

  /** Waits `ms`, or less when the watchdog stops. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeps.delete(entry);
          resolve();
        }, ms),
        done: resolve,
      };
      this.sleeps.add(entry);
    });
  }

  /** Restarts `items` of `instance` as one 'heal' operation (see heal.ts). */
  heal(instance: string, items: readonly NotReady[]): Promise<void> {
    return heal(this, instance, items);
  }

  /** Reports a service it will not restart again (see heal.ts). */
  giveUp(instance: string, service: string): Promise<void> {
    return giveUp(this, instance, service);
  }

  /** Runs `p` as work `stop` waits for; failures are logged. */
  track<T>(p: Promise<T>): Promise<T | undefined> {
    const tracked = p.catch((e: unknown) => {
      this.deps.log(`watchdog: ${toEngawaError(e).message}`);
      return undefined;
    });
    this.work.add(tracked);
    tracked.then(
      () => this.work.delete(tracked),
      () => this.work.delete(tracked),
    );
    return tracked;
  }

  /** `track` for work nobody awaits. */
  private background(p: Promise<unknown>): void {
    this.track(p).then(
      () => undefined,
      () => undefined,
    );
  }

  windowText(): string {
    const min = Math.round(this.timing.windowMs / 60_000);
    return min === 60 ? 'an hour' : `${min} min`;
  }

  private connectNow(): void {
    if (this.engineTimer) clearTimeout(this.engineTimer);
    this.engineTimer = undefined;
    this.connect();
  }

  private connect(): void {
    this.background(
      this.deps.engine().then(
        async () => {
          if (!this.running || this.sub !== undefined) return;
          this.engineDelay = this.timing.engineRetryMs;
          this.sub = this.deps.manager.watchEngine({ onEvent: (e) => this.onEvent(e), onConnection: (c) => this.onConnection(c) });
          if (this.engineUp === false) this.back();
          else {
            this.engineUp = true;
            await this.scan();
          }
        },
        (e: unknown) => {
          if (!this.running) return;
          this.down(toEngawaError(e).message);
          this.engineTimer ??= setTimeout(() => {
            this.engineTimer = undefined;
            if (this.running) this.connect();
          }, this.engineDelay);
          this.engineDelay = Math.min(this.engineDelay * 2, MAX_ENGINE_RETRY_MS);
        },
      ),
    );
  }

  private onConnection(connected: boolean): void {
    if (!this.running) return;
    if (!connected) this.down('its event stream dropped: Docker stopped or restarted');
    else if (this.engineUp === false) this.back();
    else this.engineUp = true;
  }

  private back(): void {
    this.engineUp = true;
    this.saidDown = false;
    this.act(null, null, 'engine-back', 'Docker answers again; re-checking every running server');
    this.background(this.recheck('Docker is back'));
  }

  /** Looks at every watched instance once (at start): services unhealthy now start their spell now. */
  private async scan(): Promise<void> {
    const engine = await this.deps.engine();
    for (const record of await this.deps.manager.list()) {
      if (whyNotWatched(record) !== null) continue;
      for (const s of await engine.status(projectName(record.name))) {
        if (s.state === 'running' && s.health === 'unhealthy') this.spellBegins(record.name, s.name);
      }
    }
  }

  private onEvent(e: EngineEvent): void {
    const instance = PROJECT.exec(e.project)?.[1];
    if (instance === undefined || !this.running) return;
    const key = `${instance}/${e.service}`;
    if (e.action === 'health_status' && e.health === 'unhealthy') this.spellBegins(instance, e.service);
    else if (e.action === 'health_status' && e.health === 'healthy') {
      if (this.spells.get(key)?.gaveUp) this.deps.log(`watchdog: ${key} is healthy again`);
      this.forget(key);
    } else if (RESETS.has(e.action) && !this.spells.get(key)?.gaveUp) this.forget(key);
  }

  forget(key: string): void {
    const spell = this.spells.get(key);
    if (spell?.timer) clearTimeout(spell.timer);
    this.spells.delete(key);
  }

  private spellBegins(instance: string, service: string): void {
    const key = `${instance}/${service}`;
    if (this.spells.has(key)) return;
    const spell: Spell = { since: Date.now() };
    this.spells.set(key, spell);
    this.background(
      (async () => {
        const why = whyNotWatched(await this.deps.manager.find(instance));
        if (this.spells.get(key) !== spell) return;
        if (why !== null) {
          this.forget(key);
          this.deps.log(`watchdog: ${key} is unhealthy; leaving it alone: ${why}`);
          return;
        }
        const grace = await this.graceMs(instance, service);
        this.deps.log(`watchdog: ${key} is unhealthy; restarting it if it still is in ${Math.round(grace / 1000)} s`);
        this.arm(instance, service, spell.since + grace);
      })(),
    );
  }

  private async graceMs(instance: string, service: string): Promise<number> {
    const record = await this.deps.manager.find(instance);
    const spec = record && serviceSpecs(this.deps, record).get(service);
    return (spec?.unhealthyGraceS ?? this.timing.defaultGraceS) * 1000;
  }

  /** (Re)arms the spell's timer for `at`. */
  arm(instance: string, service: string, at: number): void {
    const spell = this.spells.get(`${instance}/${service}`);
    if (spell === undefined || !this.running) return;
    if (spell.timer) clearTimeout(spell.timer);
    spell.timer = setTimeout(() => this.background(this.due(instance, service)), Math.max(0, at - Date.now()));
  }

  /** A spell's grace (or back-off, or busy wait) is over: restart the service if it is still unhealthy and may be. */
  private async due(instance: string, service: string): Promise<void> {
    const key = `${instance}/${service}`;
    const spell = this.spells.get(key);
    if (spell === undefined || spell.gaveUp || !this.running) return;
    spell.timer = undefined;
    const why = whyNotWatched(await this.deps.manager.find(instance));
    if (why !== null) {
      this.forget(key);
      this.deps.log(`watchdog: not restarting ${key}: ${why}`);
      return;
    }
    const s = (await (await this.deps.engine()).status(projectName(instance))).find((x) => x.name === service);
    if (s === undefined || s.state !== 'running' || s.health !== 'unhealthy') {
      this.forget(key);
      return;
    }
    const now = Date.now();
    const grace = await this.graceMs(instance, service);
    if (now < spell.since + grace) return this.arm(instance, service, spell.since + grace);
    const next = this.budget.nextAllowed(key, now);
    if (next === null) return this.giveUp(instance, service);
    if (next > now) {
      this.deps.log(`watchdog: ${key} is still unhealthy; backing off, next restart in ${Math.round((next - now) / 1000)} s`);
      return this.arm(instance, service, next);
    }
    const forS = Math.round((now - spell.since) / 1000);
    await this.heal(instance, [{ service, why: `unhealthy for ${forS} s (grace ${Math.round(grace / 1000)} s)` }]);
  }
}
