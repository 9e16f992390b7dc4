/** `stacks.list`: the recipes as the wizard sees them (no images, secrets or steps). */
import type { StackInfo } from '../../shared/contract';
import type { Recipe } from '../stacks/types';

/** A recipe as the wizard sees it (no images, secrets or steps). */
export function toStackInfo(r: Recipe): StackInfo {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    summary: { ...r.summary },
    memoryMiB: r.memoryMiB,
    admin: { kind: r.admin.kind, ...(r.admin.defaultUser !== undefined && { defaultUser: r.admin.defaultUser }) },
    settings: (r.settings ?? []).map((s) => ({
      name: s.name,
      description: s.description,
      default: s.default,
      ...(s.pattern !== undefined && { pattern: s.pattern }),
    })),
    requires: (r.requires ?? []).map((q) => ({ check: q.check, note: { ...q.note } })),
    testOnly: r.testOnly === true,
  };
}
