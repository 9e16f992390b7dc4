/**
 * Dependency order of services. The plan is already in dependency order for starting; stopping
 * has no plan, so each container carries compose's `com.docker.compose.depends_on` label
 * ("db:service_healthy:false,redis:service_started:false") and we stop dependents first.
 */
import { LABELS } from '../plan/types';

export const DEPENDS_ON_LABEL = LABELS.dependsOn;

export interface Dependency {
  service: string;
  condition: 'healthy' | 'started';
}

/** Compose's label value for a service's dependencies. */
export function dependsOnLabel(deps: readonly Dependency[]): string {
  return deps.map((d) => `${d.service}:service_${d.condition}:false`).join(',');
}

/** Parses the compose label back into service names (unknown parts ignored). */
export function parseDependsOnLabel(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((part) => part.split(':')[0]?.trim() ?? '')
    .filter((s) => s !== '');
}

/**
 * Groups services into stop waves: every service is in an earlier wave than the services it
 * depends on, so dependents stop first. Dependencies on services not in `deps` are ignored;
 * a cycle (never produced by a valid plan) ends up in the last wave rather than looping.
 */
export function stopWaves(deps: ReadonlyMap<string, readonly string[]>): string[][] {
  const remaining = new Set(deps.keys());
  const waves: string[][] = [];
  while (remaining.size > 0) {
    // a service can stop now when no remaining service depends on it
    const wave = [...remaining].filter((s) => ![...remaining].some((o) => o !== s && (deps.get(o) ?? []).includes(s)));
    const next = wave.length > 0 ? wave : [...remaining];
    waves.push(next.sort());
    for (const s of next) remaining.delete(s);
  }
  return waves;
}

/** `names` plus everything they depend on, transitively. */
export function dependencyClosure(names: readonly string[], deps: ReadonlyMap<string, readonly string[]>): Set<string> {
  const out = new Set<string>();
  const visit = (n: string): void => {
    if (out.has(n)) return;
    out.add(n);
    for (const d of deps.get(n) ?? []) visit(d);
  };
  for (const n of names) visit(n);
  return out;
}
