/**
 * A server's cache clean-up: its stack's own tools (Recipe.maintenance, e.g. Mastodon's
 * `tootctl media remove --days N`) run in its running services, as one 'clean' operation under the
 * instance's lock, with a progress step per task and each command's output in the log. The cache
 * volumes the tasks shrink are measured before and after (Docker's own sizes), and how the run
 * ended is kept (maintenance-store.ts). The daily schedule (maintenance-schedule.ts), "Clean now"
 * (api/maintenance.ts) and the disk guard all come here.
 *
 * It never touches a volume itself: only the stack's tools remove anything, and a recipe may only
 * name 'cache' volumes (stacks/maintenance.ts checks it). It runs only on a running server (the
 * tools need the database), and refuses clearly otherwise.
 */
import type { CleanRunInfo } from '../../shared/contract';
import type { EngineApi } from '../engine/types';
import { projectName, type InstanceManager, type InstanceRecord } from '../instances';
import { cacheVolumesOf, maintenanceTasks, taskCommand } from '../stacks/maintenance';
import type { MaintenanceTask } from '../stacks/types';
import { EngawaError, isEngawaError, toEngawaError } from '../util/errors';
import { noProgress, type ProgressSink } from '../util/progress';
import { readMaintenance, recordCleanRun } from './maintenance-store';

export type ExecTask = Extract<MaintenanceTask, { kind: 'exec' }>;

/** What the clean-up needs: the instances, the engine, and the home its state is kept in. */
export interface CleanUpDeps {
  manager: Pick<InstanceManager, 'get' | 'recipeOf' | 'runOperation'>;
  engine: () => Promise<EngineApi>;
  /** the Engawa home: the days setting is read from, and the run recorded in, `<home>/maintenance/<name>.json` */
  home: string;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface CleanUpContext {
  onProgress?: ProgressSink;
  signal?: AbortSignal;
  /** who asked (kept with the result; default 'manual') */
  trigger?: CleanRunInfo['trigger'];
}

export interface CleanUpResult {
  /** the tasks that ran, in order */
  ran: string[];
  /** the cache volumes' size before and after; null when Docker did not measure them */
  cacheBytesBefore: number | null;
  cacheBytesAfter: number | null;
}

/** The tasks Engawa itself runs for the record's stack (exec tasks; admin-ui ones are the admin's). */
export function execTasksOf(deps: { manager: Pick<InstanceManager, 'recipeOf'> }, record: InstanceRecord): ExecTask[] {
  return maintenanceTasks(deps.manager.recipeOf(record)).filter((t): t is ExecTask => t.kind === 'exec');
}

/** The size of `volumes` (recipe names) of `project`, summed; null when any is unmeasured or Docker cannot say. */
export async function cacheBytes(engine: EngineApi, project: string, volumes: readonly string[], log: (line: string) => void): Promise<number | null> {
  if (volumes.length === 0 || engine.volumeUsage === undefined) return null;
  try {
    const usage = (await engine.volumeUsage(project)).filter((u) => volumes.includes(u.key));
    if (usage.length !== volumes.length || usage.some((u) => u.bytes === null)) return null;
    return usage.reduce((n, u) => n + (u.bytes ?? 0), 0);
  } catch (e) {
    log(`cannot measure the cache of ${project}: ${toEngawaError(e).message}`);
    return null;
  }
}

/** Runs the server's clean-up tasks now; see the module comment. NOT_FOUND, STATE (not running), BUSY, TASK_FAILED. */
export async function runCleanUp(deps: CleanUpDeps, name: string, ctx: CleanUpContext = {}): Promise<CleanUpResult> {
  const log = deps.log ?? (() => {});
  const onProgress = ctx.onProgress ?? noProgress;
  const now = deps.now ?? (() => new Date());
  return deps.manager.runOperation(name, 'clean', async (tx) => {
    const record = await tx.get();
    // the daily run runs the daily tasks; "Clean now" and the disk guard run the on-demand ones too
    const tasks = execTasksOf(deps, record).filter((t) => ctx.trigger !== 'schedule' || t.schedule === 'daily');
    const volumes = cacheVolumesOf(deps.manager.recipeOf(record));
    if (tasks.length === 0) return { ran: [], cacheBytesBefore: null, cacheBytesAfter: null };
    const { days } = await readMaintenance(deps.home, name);
    const ran: string[] = [];
    let before: number | null = null;
    const finish = async (outcome: CleanRunInfo['outcome'], after: number | null, error?: string): Promise<void> => {
      const run: CleanRunInfo = {
        at: now().toISOString(),
        trigger: ctx.trigger ?? 'manual',
        outcome,
        days,
        ran: [...ran],
        cacheBytesBefore: before,
        cacheBytesAfter: after,
      };
      await recordCleanRun(deps.home, name, error === undefined ? run : { ...run, error }).catch((e: unknown) =>
        log(`cannot keep the clean-up result of ${name}: ${toEngawaError(e).message}`),
      );
    };
    try {
      const engine = await deps.engine();
      const project = projectName(name);
      await assertRunning(engine, project, name, record, tasks);
      before = await cacheBytes(engine, project, volumes, log);
      for (const task of tasks) {
        if (ctx.signal?.aborted) throw new EngawaError('CANCELLED', 'The clean-up was cancelled.');
        await runTask(engine, project, name, task, days, onProgress, log);
        ran.push(task.id);
      }
      const after = await cacheBytes(engine, project, volumes, log);
      log(`clean-up of ${name} done (${ran.join(', ')}): cache ${before ?? '?'} → ${after ?? '?'} bytes`);
      await finish('done', after);
      return { ran, cacheBytesBefore: before, cacheBytesAfter: after };
    } catch (e) {
      const err = toEngawaError(e);
      await finish(isEngawaError(err, 'STATE') ? 'skipped' : 'failed', null, err.message);
      throw err;
    }
  });
}

/** STATE unless every service the tasks run in is running (and the instance is not half made or half gone). */
async function assertRunning(engine: EngineApi, project: string, name: string, record: InstanceRecord, tasks: readonly ExecTask[]): Promise<void> {
  if (record.pending !== undefined) {
    throw new EngawaError('STATE', `"${name}" is not finished (${record.pending} did not complete), so it cannot be cleaned up.`, { name });
  }
  const services = new Map((await engine.status(project)).map((s) => [s.name, s.state]));
  const down = [...new Set(tasks.map((t) => t.service))].filter((s) => services.get(s) !== 'running');
  if (down.length > 0) {
    throw new EngawaError(
      'STATE',
      `"${name}" is not running (${down.join(', ')} is ${services.get(down[0] as string) ?? 'missing'}): the clean-up runs in its containers; start it first.`,
      {
        name,
        services: down,
      },
    );
  }
}

/** One task: a progress step, the command's output in the log; a non-zero exit is TASK_FAILED with its last lines. */
async function runTask(
  engine: EngineApi,
  project: string,
  name: string,
  task: ExecTask,
  days: number,
  onProgress: ProgressSink,
  log: (line: string) => void,
): Promise<void> {
  const step = `clean:${task.id}`;
  const command = taskCommand(task, days);
  onProgress({ kind: 'step', step, state: 'start', detail: command.join(' ') });
  log(`clean-up of ${name}: ${task.service}: ${command.join(' ')}`);
  let result;
  try {
    result = await engine.exec(project, task.service, command);
  } catch (e) {
    onProgress({ kind: 'step', step, state: 'failed' });
    throw e;
  }
  const lines = `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => l.trim() !== '');
  for (const line of lines) {
    onProgress({ kind: 'log', line });
    log(`clean-up of ${name}: ${task.id}: ${line}`);
  }
  if (result.exitCode !== 0) {
    onProgress({ kind: 'step', step, state: 'failed' });
    const last = lines.slice(-3).join(' / ') || 'no output';
    throw new EngawaError('TASK_FAILED', `The clean-up task "${task.id}" of "${name}" failed (exit ${result.exitCode}): ${last}`, {
      task: task.id,
      exitCode: result.exitCode,
    });
  }
  onProgress({ kind: 'step', step, state: 'done', ...(lines.length > 0 && { detail: lines.at(-1) }) });
}
