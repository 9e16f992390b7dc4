/**
 * `engawa watch [--json]`: the watchdog (core/watch) in the foreground, headless: it prints each
 * action it takes (human lines, or one JSON object a line with --json) on stdout and its log on
 * stderr, until Ctrl-C or SIGTERM, then exits 0. Only one watchdog runs per Engawa home: a second
 * `watch` refuses, naming the first; the lock of one that died is taken over.
 * Test hook: ENGAWA_WATCH_TIMING, a JSON object of WatchTiming fields (shorter back-offs in tests).
 */
import { FileSecretStore } from '../instances';
import { EngawaError } from '../util/errors';
import { acquireWatchLock, createWatchdog, type WatchAction, type WatchTiming } from '../watch/index';
import type { CliContext } from './context';
import type { CommandGroup } from './run';

/** One action as `engawa watch` prints it. */
export function formatAction(a: WatchAction): string {
  const who = a.instance === null ? 'Docker' : a.service === null ? a.instance : `${a.instance}/${a.service}`;
  const lines = [`${a.at} ${a.kind.padEnd(11)} ${who}: ${a.reason}`];
  if (a.lastLogLines && a.lastLogLines.length > 0) {
    lines.push(`  last log lines of ${who}:`, ...a.lastLogLines.map((l) => `    ${l}`));
  }
  return lines.join('\n') + '\n';
}

function timingFromEnv(value: string | undefined): Partial<WatchTiming> {
  if (value === undefined || value === '') return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Partial<WatchTiming>;
  } catch {
    // fall through
  }
  throw new EngawaError('INVALID_INPUT', 'ENGAWA_WATCH_TIMING must be a JSON object.');
}

/** Resolves when `signal` aborts (never without one). */
const aborted = (signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });

async function watch(ctx: CliContext): Promise<void> {
  const timing = timingFromEnv(ctx.io.env.ENGAWA_WATCH_TIMING);
  const lock = await acquireWatchLock(ctx.home, `engawa watch`);
  try {
    if (lock.stale) ctx.io.stderr(`engawa: the watchdog of process ${lock.stale.pid} is gone; taking over its lock\n`);
    const manager = await ctx.manager();
    const secrets = new FileSecretStore(ctx.home);
    for (const r of await manager.list()) ctx.addSecrets(Object.values(await secrets.get(r.name).catch(() => ({}))));
    const watchdog = createWatchdog({
      manager,
      engine: () => ctx.engine(),
      secrets,
      log: (line) => ctx.io.stderr(ctx.redact(line) + '\n'),
      onAction: (a) => ctx.out(ctx.json ? JSON.stringify(a) + '\n' : formatAction(a)),
      timing,
    });
    watchdog.start();
    ctx.io.stderr(`engawa: watching the servers in ${ctx.home} (process ${process.pid}); Ctrl-C to stop\n`);
    await aborted(ctx.io.signal);
    await watchdog.stop();
    ctx.io.stderr('engawa: stopped watching\n');
  } finally {
    await lock.release();
  }
}

export const watchCommands: CommandGroup = {
  specs: {
    watch: {
      args: [],
      options: {},
      summary: 'keep the servers up: restart what stays unhealthy, re-check after Docker comes back (foreground)',
    },
  },
  impl: { watch },
};
