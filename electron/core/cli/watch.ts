/**
 * `engawa watch [--json]`: the watchdog (core/watch) in the foreground, headless: it prints each
 * action it takes (human lines, or one JSON object a line with --json) on stdout and its log on
 * stderr, until Ctrl-C or SIGTERM, then exits 0. Only one watchdog runs per Engawa home: a second
 * `watch` refuses, naming the first; the lock of one that died is taken over. The disk guard runs
 * beside it (cli/disk-guard.ts; `--disk-warn-gb N --disk-critical-gb N` override the settings' levels).
 * Test hook: ENGAWA_WATCH_TIMING, a JSON object of WatchTiming fields (shorter back-offs in tests).
 */
import { FileSecretStore } from '../instances';
import { EngawaError } from '../util/errors';
import { acquireWatchLock, createWatchdog, validateTiming, watchStateFile, type WatchAction, type WatchTiming } from '../watch/index';
import type { CliContext } from './context';
import { DISK_OPTIONS, diskSettingsOf, startCliDiskGuard } from './disk-guard';
import { runCleanUp } from '../watch/maintenance';
import { CleanScheduler } from '../watch/maintenance-schedule';
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

/** ENGAWA_WATCH_TIMING, checked (watch/timing.ts): nonsense is refused with the allowed range before anything starts. */
function timingFromEnv(value: string | undefined): Partial<WatchTiming> {
  if (value === undefined || value === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new EngawaError('INVALID_INPUT', 'ENGAWA_WATCH_TIMING must be a JSON object.');
  }
  return validateTiming(parsed);
}

/** Resolves when `signal` aborts (never without one). */
const aborted = (signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });

async function watch(ctx: CliContext): Promise<void> {
  const timing = timingFromEnv(ctx.io.env.ENGAWA_WATCH_TIMING);
  const disk = await diskSettingsOf(ctx); // --disk-warn-gb / --disk-critical-gb refused before anything starts
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
      stateFile: watchStateFile(ctx.home),
    });
    watchdog.start();
    const diskGuard = startCliDiskGuard(ctx, manager, disk, (a) => ctx.out(ctx.json ? JSON.stringify(a) + '\n' : formatAction(a)));
    // the daily cache clean-up (watch/maintenance-schedule.ts), run where the watchdog runs
    const cleanLog = (line: string): void => ctx.io.stderr(ctx.redact(line) + '\n');
    const cleanDeps = { manager, engine: () => ctx.engine(), home: ctx.home, log: cleanLog };
    const cleaner = new CleanScheduler({
      manager,
      home: ctx.home,
      log: cleanLog,
      run: async (name) => void (await runCleanUp(cleanDeps, name, { trigger: 'schedule' })),
    });
    cleaner.start();
    ctx.io.stderr(`engawa: watching the servers in ${ctx.home} (process ${process.pid}); Ctrl-C to stop\n`);
    await aborted(ctx.io.signal);
    await diskGuard.stop();
    await cleaner.stop();
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
      options: { ...DISK_OPTIONS },
      summary: 'keep the servers up: restart what stays unhealthy, re-check after Docker comes back (foreground)',
    },
  },
  impl: { watch },
};
