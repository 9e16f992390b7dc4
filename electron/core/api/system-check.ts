/**
 * `system.check`: the wizard's Docker check and `engawa doctor`: is there an engine, is it new enough, does it
 * have the memory, disk and CPU the stacks need. Pure over an EngineApi and the recipes.
 */
import type { SystemCheckItem, SystemReport } from '../../shared/contract';
import { toEngawaError, type ErrorCode } from '../util/errors';
import type { EngineApi, EngineInfo } from '../engine/types';
import type { Recipe } from '../stacks/types';
import { formatBytes } from '../util/format';

/** One line of the check: the contract's item, its code one of the core's own. */
export interface DoctorCheck extends Omit<SystemCheckItem, 'code'> {
  code?: ErrorCode;
}

/** The check's result, with everything the engine told about itself (the contract carries a summary). */
export interface DoctorReport extends Omit<SystemReport, 'engine' | 'checks'> {
  engine?: EngineInfo;
  checks: DoctorCheck[];
}

/** Free disk below this is a warning: images and a database need room to grow. */
export const MIN_FREE_DISK_BYTES = 10 * 1024 ** 3;

export async function doctor(deps: { engine: () => Promise<EngineApi>; recipes: Recipe[] }): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  let info: EngineInfo;
  try {
    info = await (await deps.engine()).info();
  } catch (e) {
    const err = toEngawaError(e);
    const hint = typeof err.details?.hint === 'string' ? ` ${err.details.hint}` : '';
    checks.push({ id: 'engine', title: 'Docker', ok: false, level: 'error', detail: err.message + hint, code: err.code });
    return { ok: false, checks };
  }
  checks.push({
    id: 'engine',
    title: 'Docker',
    ok: true,
    level: 'info',
    detail: `${info.flavor === 'podman' ? 'Podman' : 'Docker'} ${info.version} (API ${info.apiVersion}) on ${info.os}, ${info.arch}, found via ${info.source}`,
  });
  const shipped = deps.recipes.filter((r) => !r.testOnly);
  const smallest = Math.min(...shipped.map((r) => r.memoryMiB));
  const mem = info.memoryBytes;
  if (shipped.length > 0) {
    const fits = shipped.filter((r) => r.memoryMiB * 1024 ** 2 <= mem).map((r) => r.name);
    const enough = mem >= smallest * 1024 ** 2;
    checks.push({
      id: 'memory',
      title: 'Memory for Docker',
      ok: enough,
      level: enough ? 'info' : 'warn',
      detail: enough
        ? `${formatBytes(mem)}; enough for ${fits.join(', ')}`
        : `${formatBytes(mem)}; at least ${formatBytes(smallest * 1024 ** 2)} is needed. Give Docker more memory in Docker Desktop's settings (Resources).`,
    });
  } else {
    checks.push({ id: 'memory', title: 'Memory for Docker', ok: true, level: 'info', detail: formatBytes(mem) });
  }
  checks.push({ id: 'cpus', title: 'CPUs for Docker', ok: info.cpus >= 1, level: 'info', detail: String(info.cpus) });
  if (info.freeDiskBytes !== undefined) {
    const ok = info.freeDiskBytes >= MIN_FREE_DISK_BYTES;
    checks.push({
      id: 'disk',
      title: 'Free disk',
      ok,
      level: ok ? 'info' : 'warn',
      detail: ok
        ? formatBytes(info.freeDiskBytes)
        : `${formatBytes(info.freeDiskBytes)}; keep at least ${formatBytes(MIN_FREE_DISK_BYTES)} free for images, databases and backups.`,
    });
  }
  if (info.sse42 === false) {
    checks.push({
      id: 'cpu-features',
      title: 'CPU features',
      ok: false,
      level: 'warn',
      detail: 'This CPU lacks SSE4.2, which recent Misskey images need. Mastodon and Bluesky PDS still work.',
    });
  }
  return { ok: checks.every((c) => c.ok || c.level !== 'error'), engine: info, checks };
}

/** The doctor's report as the contract carries it. */
export function toSystemReport(report: DoctorReport): SystemReport {
  const e = report.engine;
  return {
    ok: report.ok,
    checks: report.checks.map((c) => ({ ...c })),
    ...(e && {
      engine: {
        source: e.source,
        endpoint: e.endpoint,
        version: e.version,
        apiVersion: e.apiVersion,
        os: e.os,
        osType: e.osType,
        arch: e.arch,
        cpus: e.cpus,
        memoryBytes: e.memoryBytes,
        flavor: e.flavor,
        ...(e.freeDiskBytes !== undefined && { freeDiskBytes: e.freeDiskBytes }),
        ...(e.sse42 !== undefined && { sse42: e.sse42 }),
      },
    }),
  };
}
