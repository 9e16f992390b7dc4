/**
 * The project's network and volumes (created when missing, with our labels), listing the project's
 * containers, and removing everything labelled with the project — and nothing else.
 */
import type Dockerode from 'dockerode';
import { EngawaError } from '../util/errors';
import { classifyEngineError } from './classify';
import { runToCompletion } from './exec';
import { LABELS, type Plan, type PlannedVolume } from '../plan/types';

/** Label filters that select exactly the project's objects. */
export function projectFilter(project: string): string[] {
  return [`${LABELS.project}=${project}`, `${LABELS.managed}=true`];
}

function isNotFound(e: unknown): boolean {
  return (e as { statusCode?: number }).statusCode === 404;
}

/** Creates the plan's network when missing; true when it was created. */
export async function ensureNetwork(docker: Dockerode, plan: Plan): Promise<boolean> {
  try {
    await docker.getNetwork(plan.network.name).inspect();
    return false;
  } catch (e) {
    if (!isNotFound(e)) throw classifyEngineError(e);
  }
  await docker.createNetwork({
    Name: plan.network.name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: { ...plan.network.labels, [LABELS.project]: plan.project, [LABELS.managed]: 'true' },
  });
  return true;
}

/** Creates a volume when missing; true when it was created. */
export async function ensureVolume(docker: Dockerode, plan: Plan, volume: PlannedVolume): Promise<boolean> {
  try {
    await docker.getVolume(volume.name).inspect();
    return false;
  } catch (e) {
    if (!isNotFound(e)) throw classifyEngineError(e);
  }
  await docker.createVolume({
    Name: volume.name,
    Labels: { ...volume.labels, [LABELS.project]: plan.project, [LABELS.managed]: 'true' },
  });
  return true;
}

/**
 * Gives a fresh volume's root to `ownerUid:ownerGid` before its first use. The helper container
 * uses the image and mount target of the first service mounting the volume, so Docker's copy of
 * the image's content into an empty volume happens here first and does not undo the chown later.
 */
export async function chownVolume(docker: Dockerode, plan: Plan, volume: PlannedVolume): Promise<void> {
  if (volume.ownerUid === undefined) return;
  const user = plan.services.flatMap((s) => s.mounts.filter((m) => m.source === volume.name).map((m) => ({ s, m })))[0];
  if (!user) return;
  const owner = `${volume.ownerUid}:${volume.ownerGid ?? volume.ownerUid}`;
  const result = await runToCompletion(docker, {
    Image: user.s.image,
    Entrypoint: ['chown'],
    Cmd: [owner, user.m.target],
    User: '0:0',
    Labels: { [LABELS.project]: plan.project, [LABELS.managed]: 'true', [LABELS.role]: 'helper', [LABELS.oneoff]: 'True' },
    HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: volume.name, Target: user.m.target }] },
  });
  if (result.exitCode !== 0) {
    throw new EngawaError('INTERNAL', `Could not prepare the storage "${volume.key}" (chown exited with ${result.exitCode}).`, {
      volume: volume.name,
      stderr: result.stderr.trim().split('\n').slice(-5),
    });
  }
}

/** Every container of the project (all roles, running or not). */
export async function listProjectContainers(docker: Dockerode, project: string): Promise<Dockerode.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: projectFilter(project) } });
}

/** Removes the project's containers (with their anonymous volumes), network and, unless kept, volumes. */
export async function removeProject(docker: Dockerode, project: string, keepVolumes: boolean): Promise<void> {
  const ignoreMissing = (e: unknown): void => {
    if (!isNotFound(e)) throw classifyEngineError(e);
  };
  const containers = await listProjectContainers(docker, project);
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreMissing)));
  const networks = await docker.listNetworks({ filters: { label: projectFilter(project) } });
  for (const n of networks) await docker.getNetwork(n.Id).remove().catch(ignoreMissing);
  if (keepVolumes) return;
  const { Volumes } = await docker.listVolumes({ filters: { label: projectFilter(project) } });
  for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove().catch(ignoreMissing);
}
