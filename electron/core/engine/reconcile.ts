/**
 * The one decision of reconciling a service: given the container that exists now (if any) and the
 * planned configuration hash, what must happen to it. A changed hash means recreate; an equal hash
 * never touches a running container.
 */
import type { ServiceStatus } from './types';

export type ServiceAction =
  /** no container: create it, then start it */
  | 'create'
  /** the container's configuration differs (or it is dead): remove, create, start */
  | 'recreate'
  /** same configuration, not running: start it */
  | 'start'
  /** same configuration, paused: unpause it */
  | 'unpause'
  /** same configuration, running (or restarting under its restart policy): leave it alone */
  | 'keep';

/** The existing container, as far as the decision needs it. */
export interface ExistingContainer {
  state: ServiceStatus['state'];
  configHash?: string;
}

/** Decides what to do with one service's container. */
export function decideAction(existing: ExistingContainer | undefined, configHash: string): ServiceAction {
  if (!existing) return 'create';
  if (existing.configHash !== configHash) return 'recreate';
  switch (existing.state) {
    case 'running':
    case 'restarting':
      return 'keep';
    case 'paused':
      return 'unpause';
    case 'created':
    case 'exited':
      return 'start';
    default:
      // dead, removing, missing: nothing to reuse
      return 'recreate';
  }
}
