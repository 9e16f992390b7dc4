/**
 * What an update would do for an instance, before anything runs: the newest release it can reach
 * (or the one asked for), the path through intermediate releases, whether a security release is on
 * it, the release notes, and what it costs (the download, the pre-update backup, the switch).
 * Refuses, with nothing changed, an unknown target, a downgrade and an unreachable release. Pure.
 */
import { EngawaError } from '../util/errors';
import type { InstanceRecord } from '../instances';
import { changedServices, compareReleases, dataMoves, findRelease, releasesOf, updatePath } from '../stacks/releases';
import type { Recipe, StackRelease } from '../stacks/types';

export interface UpdateStep {
  from: string;
  to: string;
  security: boolean;
  notesUrl?: string;
  /** services recreated on the new release */
  services: string[];
  /** volumes whose data moves by dump and restore (a PostgreSQL major) */
  dataMoves: string[];
}

export interface UpdateInfo {
  name: string;
  stack: string;
  current: string;
  /** the newest release it can reach (the one asked for), undefined when it is up to date */
  target?: string;
  steps: UpdateStep[];
  security: boolean;
  /** the newest release the stack has, even when the instance cannot reach it straight */
  newest: string;
  /** about how much the new images download (0 when unknown) */
  downloadBytes: number;
  /** about how long the server is down: each switch, or a dump and restore for a data move */
  downtimeS: number;
  /** an update the instance started and has not finished (it resumes or rolls back first) */
  unfinished?: { to: string; phase: string };
  /** the last update, while its pre-update backup is kept (a rollback returns to it) */
  rollback?: { to: string; backup: string; at: string };
}

/** A switch of services on the same data: about this long (images are pulled before it). */
const SWITCH_S = 30;
/** A data move: dump, initialise, restore; about this long per step at home sizes. */
const MOVE_S = 300;

/** The steps from the instance's release to `to` (default the newest it can reach); see the module comment for refusals. */
export function stepsTo(recipe: Recipe, record: Pick<InstanceRecord, 'name' | 'stackVersion'>, to?: string): StackRelease[] {
  const current = record.stackVersion;
  if (to !== undefined && !findRelease(recipe, to)) {
    const known = releasesOf(recipe).map((r) => r.version);
    throw new EngawaError('INVALID_INPUT', `${recipe.name} has no release "${to}" Engawa can update to; it knows ${known.join(', ')}.`, {
      reason: 'unknown-release',
      version: to,
      known,
    });
  }
  if (to !== undefined && findRelease(recipe, current) && compareReleases(recipe, to, current) < 0) {
    throw new EngawaError(
      'INVALID_INPUT',
      `"${record.name}" runs ${current}, newer than ${to}: an update never goes back. To return to the release before the last update, use rollback.`,
      { reason: 'downgrade', version: to, current },
    );
  }
  const path = updatePath(recipe, current, to);
  if (path === undefined) {
    throw new EngawaError('INVALID_INPUT', `"${record.name}" cannot update from ${current} to ${to ?? 'a newer release'} with this Engawa.`, {
      reason: 'no-path',
      version: to,
      current,
    });
  }
  return path;
}

/** What `update` would do for `record` (see UpdateInfo). */
export function updateInfo(recipe: Recipe, record: InstanceRecord, to?: string): UpdateInfo {
  const path = stepsTo(recipe, record, to);
  const steps: UpdateStep[] = [];
  let from = record.stackVersion;
  for (const r of path) {
    steps.push({
      from,
      to: r.version,
      security: r.security === true,
      ...(r.notesUrl !== undefined && { notesUrl: r.notesUrl }),
      services: changedServices(recipe, from, r.version),
      dataMoves: dataMoves(recipe, from, r.version),
    });
    from = r.version;
  }
  const target = path.at(-1)?.version;
  return {
    name: record.name,
    stack: recipe.id,
    current: record.stackVersion,
    ...(target !== undefined && { target }),
    steps,
    security: steps.some((s) => s.security),
    newest: recipe.version,
    downloadBytes: path.reduce((n, r) => n + (r.downloadMiB ?? 0) * 1024 * 1024, 0),
    downtimeS: steps.reduce((n, s) => n + (s.dataMoves.length > 0 ? MOVE_S : SWITCH_S), 0),
    ...(record.update && { unfinished: { to: record.update.target, phase: record.update.phase } }),
    ...(record.lastUpdate && { rollback: { to: record.lastUpdate.from, backup: record.lastUpdate.backup, at: record.lastUpdate.at } }),
  };
}
