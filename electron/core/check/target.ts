/**
 * What the check knows of an instance, from its record and plan: the public names its ingress
 * routes (the only names asked), the admin account, the PDS's PLC directory and relays (from the
 * service env the recipe's CheckSpec names, so `--set` overrides count), and the secrets never to show.
 */
import type { InstanceRecord } from '../instances';
import type { Plan } from '../plan/types';
import type { CheckSpec } from '../stacks/types';
import type { CheckTarget } from './types';

/** Replacements for the configured PLC directory and relay (tests: local ones). */
export interface TargetOverrides {
  plcUrl?: string;
  relayUrl?: string;
}

export function targetOf(record: InstanceRecord, plan: Plan, spec: CheckSpec | undefined, overrides: TargetOverrides = {}): CheckTarget {
  const env = (ref: CheckSpec['plcUrlEnv']): string | undefined => {
    if (ref === undefined) return undefined;
    const value = plan.services.find((s) => s.name === ref.service)?.env[ref.env]?.trim();
    return value === '' ? undefined : value;
  };
  const plcUrl = overrides.plcUrl ?? env(spec?.plcUrlEnv);
  const relays =
    overrides.relayUrl !== undefined
      ? [overrides.relayUrl]
      : (env(spec?.relaysEnv) ?? '')
          .split(',')
          .map((r) => r.trim())
          .filter((r) => r !== '');
  return {
    name: record.name,
    stack: record.stack,
    domain: record.domain,
    hosts: { ...plan.hosts },
    publicHost: record.tunnel?.publicHost ?? null,
    healthPath: plan.web.healthPath,
    names: [...new Set(plan.ingress.map((r) => r.hostname))],
    ...(record.admin !== null && { admin: record.admin.user }),
    ...(plcUrl !== undefined && { plcUrl }),
    relays,
    secrets: [...plan.secretValues],
  };
}
