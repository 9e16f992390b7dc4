/**
 * The Docker side of backups, streamed: a volume's files as a tar out of (and into) a helper
 * container that is never started (the volume mounted at /v), a command's stdout streamed out of a
 * running container (pg_dump), a stream fed into a command's stdin (pg_restore), and volume
 * bookkeeping. Nothing is copied inside a container; data flows at the pace it is consumed.
 */
import { randomBytes } from 'node:crypto';
import { Readable, type Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { EngawaError } from '../util/errors';
import { classifyEngineError } from '../engine/classify';
import { FrameDemuxer, lastLines } from '../engine/demux';
import { collectOutput } from '../engine/exec';
import { systemDf } from '../engine/disk';
import { type TaskResult } from '../engine/types';
import { LABELS } from '../plan/types';

/** Labels of a helper container of `project`, so `remove(project)` cleans up after a crash. */
function helperLabels(project: string): Record<string, string> {
  return { [LABELS.project]: project, [LABELS.managed]: 'true', [LABELS.role]: 'helper', [LABELS.oneoff]: 'True' };
}

async function helper(docker: Dockerode, project: string, image: string, volume: string, readOnly: boolean): Promise<Dockerode.Container> {
  try {
    return await docker.createContainer({
      name: `${project}-backup-${randomBytes(4).toString('hex')}`,
      Image: image,
      Labels: helperLabels(project),
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: volume, Target: '/v', ReadOnly: readOnly }] },
    });
  } catch (e) {
    throw classifyEngineError(e);
  }
}

/** The files of `volume` as a tar stream (entries `./…`). */
export async function* exportVolume(docker: Dockerode, project: string, image: string, volume: string): AsyncGenerator<Buffer> {
  const c = await helper(docker, project, image, volume, true);
  try {
    const stream = (await c.getArchive({ path: '/v/.' })) as AsyncIterable<Buffer>;
    for await (const chunk of stream) yield chunk;
  } finally {
    await c.remove({ force: true, v: true }).catch(() => undefined); // v: the image's own anonymous volumes go too
  }
}

/** Extracts a tar stream into `volume` (ownership and modes as in the tar). */
export async function importVolume(docker: Dockerode, project: string, image: string, volume: string, tar: AsyncIterable<Buffer>): Promise<void> {
  const c = await helper(docker, project, image, volume, false);
  try {
    await c.putArchive(Readable.from(tar, { objectMode: false }), { path: '/v' });
  } catch (e) {
    throw classifyEngineError(e);
  } finally {
    await c.remove({ force: true, v: true }).catch(() => undefined); // v: the image's own anonymous volumes go too
  }
}

function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

function failed(what: string, result: TaskResult): EngawaError {
  return new EngawaError('TASK_FAILED', `${what} failed (exit code ${result.exitCode}).`, {
    exitCode: result.exitCode,
    stderr: lastLines(result.stderr, 10),
  });
}

/** Runs `cmd` in a running container and yields its stdout as it comes; a non-zero exit throws TASK_FAILED. */
export async function* execOutput(container: Dockerode.Container, cmd: string[], env: Record<string, string>, what: string): AsyncGenerator<Buffer> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Env: envList(env) });
  const stream = (await exec.start({ hijack: true, stdin: false })) as unknown as AsyncIterable<Buffer>;
  const demux = new FrameDemuxer();
  let stderr = '';
  for await (const chunk of stream) {
    for (const f of demux.push(chunk)) {
      if (f.stream === 'stdout') yield f.data;
      else if (stderr.length < 64 * 1024) stderr += f.data.toString('utf8');
    }
  }
  const info = await exec.inspect();
  const result = { exitCode: info.ExitCode ?? -1, stdout: '', stderr };
  if (result.exitCode !== 0) throw failed(what, result);
}

/** Runs `cmd` in a running container with `input` as its stdin; a non-zero exit throws TASK_FAILED. */
export async function execInput(
  container: Dockerode.Container,
  cmd: string[],
  env: Record<string, string>,
  input: AsyncIterable<Buffer>,
  what: string,
): Promise<TaskResult> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, AttachStdin: true, Env: envList(env) });
  const stream = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
  const output = collectOutput(stream as unknown as NodeJS.ReadableStream);
  // a command that ends early (an error) closes the stream: stop writing then, and report its exit
  const drained = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        stream.off('drain', done);
        stream.off('close', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
    });
  try {
    for await (const chunk of input) {
      if (stream.destroyed) break;
      if (!stream.write(chunk)) await drained();
    }
  } finally {
    if (!stream.destroyed) stream.end();
  }
  const { stdout, stderr } = await output;
  const info = await exec.inspect();
  const result = { exitCode: info.ExitCode ?? -1, stdout, stderr };
  if (result.exitCode !== 0) throw failed(what, result);
  return result;
}

/** Runs `cmd` in a running container and returns its output (probes); non-zero exits are returned. */
export async function execText(container: Dockerode.Container, cmd: string[], env: Record<string, string> = {}): Promise<TaskResult> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Env: envList(env) });
  const stream = await exec.start({ hijack: true, stdin: false });
  const { stdout, stderr } = await collectOutput(stream);
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? -1, stdout, stderr };
}

/** Creates a volume with `labels`; an existing one is an error (restores never reuse volumes). */
export async function createVolume(docker: Dockerode, name: string, labels: Record<string, string>): Promise<void> {
  try {
    await docker.createVolume({ Name: name, Labels: labels });
  } catch (e) {
    throw classifyEngineError(e);
  }
}

/** Removes volumes by name; missing ones are fine. */
export async function removeVolumes(docker: Dockerode, names: Iterable<string>): Promise<void> {
  for (const name of names) {
    await docker
      .getVolume(name)
      .remove()
      .catch((e: unknown) => {
        if ((e as { statusCode?: number }).statusCode !== 404) throw classifyEngineError(e);
      });
  }
}

/**
 * Removes the helper containers of `project` that a killed backup or restore left (they keep
 * volumes in use). Only call it holding the instance's lock: no helper of a live operation exists then.
 */
export async function removeLeftoverHelpers(docker: Dockerode, project: string): Promise<void> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`${LABELS.project}=${project}`, `${LABELS.managed}=true`, `${LABELS.role}=helper`] },
  });
  for (const c of list)
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
}

/** Names of the volumes labelled with `project`. */
export async function projectVolumes(docker: Dockerode, project: string): Promise<string[]> {
  const { Volumes } = await docker.listVolumes({ filters: { label: [`${LABELS.project}=${project}`, `${LABELS.managed}=true`] } });
  return (Volumes ?? []).map((v) => v.Name);
}

/** Bytes used by each named volume, as Docker measures them (`docker system df -v`); -1 when unknown. */
export async function volumeSizes(docker: Dockerode, names: string[]): Promise<Record<string, number>> {
  const df = (await systemDf(docker)) as { Volumes?: { Name: string; UsageData?: { Size?: number } }[] };
  const sizes = new Map((df.Volumes ?? []).map((v) => [v.Name, v.UsageData?.Size ?? -1]));
  return Object.fromEntries(names.map((n) => [n, sizes.get(n) ?? -1]));
}
