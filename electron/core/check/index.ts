/**
 * The outside-in check ("Can the world reach me?"): the public server as other servers and apps
 * see it, through its public URL only (run.ts, with the stack's probes from its recipe and the
 * items every stack gets from cross.ts). The result is kept with the instance (store.ts) so the
 * app can show the last one; one check runs at a time per instance. For a Bluesky PDS,
 * `requestCrawl` asks its relays to crawl it (what fixes a relay that does not know a repo).
 * Test hooks (development and tests only; the packaged app drops them, see TEST_HOOK_VARIABLES):
 * ENGAWA_CHECK_FRONT_URL sends every https:// request to a loopback front over plain HTTP instead
 * of the internet, ENGAWA_CHECK_PLC_URL and ENGAWA_CHECK_RELAY_URL replace the configured PLC
 * directory and relay.
 */
import type { InstanceManager } from '../instances';
import type { CheckSpec } from '../stacks/types';
import { EngawaError } from '../util/errors';
import { hideSecrets } from './answer';
import { runCheck } from './run';
import { oneCheckAtATime, saveCheck } from './store';
import { targetOf, type TargetOverrides } from './target';
import { frontTransport, httpsTransport, REQUEST_TIMEOUT_MS } from './transport';
import type { CheckItem, CheckResult, CheckTarget, Transport } from './types';

export type { CheckItem, CheckResult, CheckTarget, ItemDetails, ItemPass, TlsInfo, Transport, TransportAnswer, TransportRequest } from './types';
export { runCheck } from './run';
export { targetOf } from './target';
export { checkFile, forgetCheck, lastCheck } from './store';
export { frontTransport, httpsTransport, REQUEST_TIMEOUT_MS } from './transport';

export interface CheckOptions extends TargetOverrides {
  /** default: the real https transport */
  transport?: Transport;
  /** the local clock (ms) */
  now?: () => number;
  timeoutMs?: number;
}

/** The check options the test hooks ask for (none in normal use). */
export function checkOptionsFromEnv(env: Record<string, string | undefined>): CheckOptions {
  const front = env.ENGAWA_CHECK_FRONT_URL;
  const plc = env.ENGAWA_CHECK_PLC_URL;
  const relay = env.ENGAWA_CHECK_RELAY_URL;
  return {
    ...(front !== undefined && front !== '' && { transport: frontTransport(front) }),
    ...(plc !== undefined && plc !== '' && { plcUrl: plc }),
    ...(relay !== undefined && relay !== '' && { relayUrl: relay }),
  };
}

/** What the check needs of the core. */
export interface CheckDeps {
  home: string;
  manager: Pick<InstanceManager, 'get' | 'planFor' | 'recipeOf'>;
}

/** The check target of instance `name`, from its record, plan and recipe. */
export async function checkTargetOf(deps: CheckDeps, name: string, overrides: TargetOverrides = {}): Promise<CheckTarget> {
  return (await specAndTarget(deps, name, overrides)).target;
}

async function specAndTarget(deps: CheckDeps, name: string, overrides: TargetOverrides): Promise<{ spec: CheckSpec | undefined; target: CheckTarget }> {
  const record = await deps.manager.get(name);
  const plan = await deps.manager.planFor(name, { lenient: true });
  const spec = deps.manager.recipeOf(record, { lenient: true }).check;
  return { spec, target: targetOf(record, plan, spec, overrides) };
}

/**
 * Checks instance `name` from the outside and keeps the result as its last check. A check asked
 * for while one of the same instance runs in this process gets that one's result.
 */
export function checkInstance(deps: CheckDeps, name: string, opts: CheckOptions = {}): Promise<CheckResult> {
  return oneCheckAtATime(deps.home, name, async () => {
    const { spec, target } = await specAndTarget(deps, name, opts);
    const now = opts.now ?? Date.now;
    const started = now();
    const items = await runCheck(spec, target, {
      transport: opts.transport ?? httpsTransport(),
      now,
      ...(opts.timeoutMs !== undefined && { timeoutMs: opts.timeoutMs }),
    });
    const result = resultOf(target, items, started, now() - started);
    await saveCheck(deps.home, result);
    return result;
  });
}

/** The result of a check made at `started` (ms) from its items. */
export function resultOf(target: CheckTarget, items: CheckItem[], started: number, durationMs: number): CheckResult {
  const checks = items.filter((i) => i.kind === 'check');
  return {
    version: 1,
    instance: target.name,
    stack: target.stack,
    publicUrl: target.publicHost === null ? null : `https://${target.publicHost}`,
    checkedAt: new Date(started).toISOString(),
    durationMs,
    ok: !checks.some((i) => i.pass === false),
    counts: {
      passed: checks.filter((i) => i.pass === true).length,
      failed: checks.filter((i) => i.pass === false).length,
      unknown: checks.filter((i) => i.pass === 'unknown').length,
    },
    items,
  };
}

/** How one relay took a requestCrawl. */
export interface CrawlAnswer {
  relay: string;
  ok: boolean;
  /** one plain sentence */
  message: string;
}

/**
 * Asks each relay of a PDS to crawl it (com.atproto.sync.requestCrawl with the PDS's public host
 * name): what makes a relay that does not know the PDS's repos learn them. STATE when the instance
 * is not a PDS with relays.
 */
export async function requestCrawl(target: CheckTarget, opts: Pick<CheckOptions, 'transport' | 'timeoutMs'> = {}): Promise<CrawlAnswer[]> {
  const hostname = target.hosts.pds;
  if (hostname === undefined) throw new EngawaError('STATE', `"${target.name}" is not a Bluesky PDS, so there is no relay to ask.`, { name: target.name });
  if (target.relays.length === 0) {
    throw new EngawaError('STATE', `"${target.name}" has no relays configured (its crawlers setting is empty), so there is nobody to ask.`, {
      name: target.name,
    });
  }
  const transport = opts.transport ?? httpsTransport();
  const answers: CrawlAnswer[] = [];
  for (const relay of target.relays) {
    const url = `${relay.replace(/\/+$/, '')}/xrpc/com.atproto.sync.requestCrawl`;
    const a = await transport({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', 'user-agent': `Engawa-check/1 (AT Protocol; +https://${hostname}/)` },
      body: JSON.stringify({ hostname }),
      timeoutMs: opts.timeoutMs ?? REQUEST_TIMEOUT_MS,
    });
    const ok = a.kind === 'response' && a.status >= 200 && a.status < 300;
    const why = a.kind === 'error' ? `did not answer (${a.code})` : `answered HTTP ${a.status}`;
    answers.push({
      relay,
      ok,
      message: hideSecrets(ok ? `${relay} will crawl ${hostname}.` : `${relay} ${why}; try again later.`, target.secrets),
    });
  }
  return answers;
}
