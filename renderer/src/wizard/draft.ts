/**
 * The wizard's choices so far and how they become `instances.create`'s input. The tunnel is a
 * discriminated union, one member per way of reaching the server (tunnel-choice.ts); its tokens
 * live only here, in the wizard's memory, and leave once with the create call.
 */
import type { CreateInstanceInput, InstanceSummary, StackInfo } from '../../../electron/shared/contract';
import { STACK_GUIDES } from '../lib/stack-guide';
import { tunnelInput, type TunnelChoice } from './tunnel-choice';

export type { TunnelChoice };

export interface Draft {
  stack: string | null;
  /** Engawa's short name for the instance (Docker names derive from it) */
  name: string;
  domain: string;
  tunnel: TunnelChoice;
  adminUser: string;
  /** empty: `<user>@<domain>` */
  adminEmail: string;
  /** a password the wizard suggested (stacks whose guide says 'wizard'); null: made up later */
  adminPassword: string | null;
  /** the user confirmed they keep the suggested password */
  passwordKept: boolean;
}

export const emptyDraft = (): Draft => ({
  stack: null,
  name: '',
  domain: '',
  tunnel: { mode: 'none' },
  adminUser: '',
  adminEmail: '',
  adminPassword: null,
  passwordKept: false,
});

/** The wizard's steps in order. */
export const STEPS = ['language', 'docker', 'stack', 'domain', 'tunnel', 'admin', 'create'] as const;
export type StepId = (typeof STEPS)[number];

/** The steps this stack goes through (no admin step for stacks without an admin account). */
export function stepsFor(stack: StackInfo | undefined): StepId[] {
  return STEPS.filter((s) => s !== 'admin' || stack?.admin.kind !== 'none');
}

/** Who makes up the admin's password for this stack. */
export function passwordSource(stack: StackInfo): 'wizard' | 'server' {
  return STACK_GUIDES[stack.id]?.password ?? 'server';
}

/** A free instance name for the stack: its id, then `<id>-2`, `<id>-3` … */
export function suggestName(stackId: string, existing: readonly InstanceSummary[]): string {
  const base =
    stackId
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .replace(/^[^a-z]+/, '')
      .slice(0, 28) || 'server';
  const taken = new Set(existing.map((i) => i.name));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** The create call's input for the draft (the core validates every field). */
export function createInput(draft: Draft, stack: StackInfo): CreateInstanceInput {
  const input: CreateInstanceInput = { stack: stack.id, name: draft.name.trim(), domain: draft.domain.trim() };
  if (draft.tunnel.mode !== 'none') input.tunnel = tunnelInput(draft.tunnel);
  if (stack.admin.kind === 'none') return input;
  const user = draft.adminUser.trim() || stack.admin.defaultUser || '';
  const email = draft.adminEmail.trim() || `${user}@${input.domain}`;
  input.admin = { user, email, ...(draft.adminPassword !== null && passwordSource(stack) === 'wizard' && { password: draft.adminPassword }) };
  return input;
}
