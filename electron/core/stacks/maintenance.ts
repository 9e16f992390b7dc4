/**
 * The clean-up tasks of a recipe (Recipe.maintenance), as data: their references checked, their
 * commands rendered for a days value. Pure; core/watch/maintenance.ts runs them. A task may only
 * shrink volumes a backup treats as 'cache' (re-fetchable copies): a recipe whose clean-up names a
 * data volume is refused, so the clean-up can never be pointed at the user's data.
 */
import { EngawaError } from '../util/errors';
import type { MaintenanceTask, Recipe } from './types';

/** The days a server's clean-up keeps when nobody set it: tootctl media remove's own default (--days 7). */
export const DEFAULT_CLEAN_DAYS = 7;
export const MIN_CLEAN_DAYS = 1;
export const MAX_CLEAN_DAYS = 365;

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/** The days setting's problem, or null when it is a whole number from 1 to 365. */
export function cleanDaysProblem(days: unknown): string | null {
  if (typeof days !== 'number' || !Number.isInteger(days) || days < MIN_CLEAN_DAYS || days > MAX_CLEAN_DAYS) {
    return `the days must be a whole number from ${MIN_CLEAN_DAYS} to ${MAX_CLEAN_DAYS}`;
  }
  return null;
}

/** The recipe's tasks (none when it has no `maintenance`). */
export function maintenanceTasks(recipe: Pick<Recipe, 'maintenance'>): MaintenanceTask[] {
  return recipe.maintenance ?? [];
}

/** The days a task is given for the server's setting `days` (raised to its `minDays`). */
export function taskDays(task: MaintenanceTask, days: number): number {
  return task.kind === 'exec' ? Math.max(days, task.minDays ?? MIN_CLEAN_DAYS) : days;
}

/** The command of an exec task with `{{days}}` filled in. */
export function taskCommand(task: Extract<MaintenanceTask, { kind: 'exec' }>, days: number): string[] {
  const value = String(taskDays(task, days));
  return task.command.map((part) =>
    part.replace(PLACEHOLDER, (whole, inner: string) => {
      if (inner.trim() !== 'days') throw new EngawaError('INTERNAL', `The clean-up task "${task.id}" uses an unknown placeholder ${whole}.`);
      return value;
    }),
  );
}

/** The cache volumes the recipe's tasks shrink, in the recipe's order. */
export function cacheVolumesOf(recipe: Pick<Recipe, 'maintenance' | 'volumes'>): string[] {
  const named = new Set(maintenanceTasks(recipe).flatMap((t) => t.volumes));
  return recipe.volumes.filter((v) => named.has(v.name)).map((v) => v.name);
}

/**
 * Checks the recipe's tasks against the rest of it: unique ids, services and volumes that exist,
 * only 'cache' volumes, only the `{{days}}` placeholder. INVALID_INPUT naming the first problem.
 */
export function checkMaintenance(recipe: Recipe): void {
  const bad = (task: string, what: string): never => {
    throw new EngawaError('INVALID_INPUT', `The clean-up task "${task}" of the recipe "${recipe.id}" is not valid: ${what}.`, { task });
  };
  const services = new Set(recipe.services.map((s) => s.name));
  const volumes = new Map(recipe.volumes.map((v) => [v.name, v.backup]));
  const ids = new Set<string>();
  for (const task of maintenanceTasks(recipe)) {
    if (ids.has(task.id)) bad(task.id, 'another task has the same id');
    ids.add(task.id);
    if (!services.has(task.service)) bad(task.id, `there is no service "${task.service}"`);
    for (const v of task.volumes) {
      if (!volumes.has(v)) bad(task.id, `there is no volume "${v}"`);
      if (volumes.get(v) !== 'cache') bad(task.id, `the volume "${v}" holds data (only cache volumes may be cleaned)`);
    }
    if (task.kind === 'exec') {
      for (const part of task.command) {
        for (const m of part.matchAll(PLACEHOLDER)) if (m[1]?.trim() !== 'days') bad(task.id, `unknown placeholder ${m[0]} (only {{days}})`);
      }
    }
  }
}
