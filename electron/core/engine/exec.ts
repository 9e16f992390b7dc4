/**
 * Running commands to completion and collecting their output: one-off task containers (`run`
 * steps) and `exec` in a running container. Output is demultiplexed into stdout and stderr.
 */
import type Dockerode from 'dockerode';
import type { Duplex } from 'node:stream';
import { EngawaError } from '../util/errors';
import { FrameDemuxer, LineSplitter, type StreamName } from './demux';
import type { TaskResult } from './types';

/** Called with each complete output line as it arrives. */
export type OutputLineSink = (stream: StreamName, line: string) => void;

/** Reads a multiplexed stream to its end; resolves with the collected stdout and stderr. */
export function collectOutput(stream: NodeJS.ReadableStream, onLine?: OutputLineSink): Promise<{ stdout: string; stderr: string }> {
  const demux = new FrameDemuxer();
  const chunks: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  const splitters: Record<StreamName, LineSplitter> = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (onLine) for (const s of ['stdout', 'stderr'] as const) splitters[s].flush().forEach((l) => onLine(s, l));
      resolve({ stdout: Buffer.concat(chunks.stdout).toString('utf8'), stderr: Buffer.concat(chunks.stderr).toString('utf8') });
    };
    stream.on('data', (chunk: Buffer) => {
      for (const f of demux.push(chunk)) {
        chunks[f.stream].push(f.data);
        if (onLine) splitters[f.stream].push(f.data).forEach((l) => onLine(f.stream, l));
      }
    });
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', (e) => {
      if (!done) {
        done = true;
        reject(e);
      }
    });
  });
}

function writeStdin(stream: NodeJS.ReadableStream, stdin: string | undefined): void {
  if (stdin === undefined) return;
  const duplex = stream as unknown as Duplex;
  duplex.write(stdin);
  duplex.end();
}

/** Runs `cmd` in a running container; a non-zero exit code is returned, not thrown. */
export async function execIn(
  container: Dockerode.Container,
  cmd: string[],
  opts: { env?: Record<string, string>; user?: string; stdin?: string; onLine?: OutputLineSink } = {},
): Promise<TaskResult> {
  const withStdin = opts.stdin !== undefined;
  const exec = await container.exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: withStdin,
    ...(opts.env ? { Env: Object.entries(opts.env).map(([k, v]) => `${k}=${v}`) } : {}),
    ...(opts.user !== undefined ? { User: opts.user } : {}),
  });
  const stream = await exec.start({ hijack: true, stdin: withStdin });
  const output = collectOutput(stream, opts.onLine);
  writeStdin(stream, opts.stdin);
  const { stdout, stderr } = await output;
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? -1, stdout, stderr };
}

/**
 * Creates a container from `spec`, lets `prepare` put files into it, attaches, starts it, feeds `stdin`, waits for it to exit and
 * removes it (also on failure or cancel). A non-zero exit code is returned, not thrown.
 */
export async function runToCompletion(
  docker: Dockerode,
  spec: Dockerode.ContainerCreateOptions,
  opts: { stdin?: string; signal?: AbortSignal; onLine?: OutputLineSink; prepare?: (c: Dockerode.Container) => Promise<void> } = {},
): Promise<TaskResult> {
  if (opts.signal?.aborted) throw new EngawaError('CANCELLED', 'The operation was cancelled.');
  const container = await docker.createContainer(spec);
  const onAbort = (): void => void container.kill().catch(() => undefined);
  try {
    await opts.prepare?.(container);
    const withStdin = opts.stdin !== undefined;
    const stream = await container.attach({ stream: true, stdout: true, stderr: true, stdin: withStdin, hijack: withStdin });
    const output = collectOutput(stream, opts.onLine);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) throw new EngawaError('CANCELLED', 'The operation was cancelled.');
    await container.start();
    writeStdin(stream, opts.stdin);
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const { stdout, stderr } = await output;
    if (opts.signal?.aborted) throw new EngawaError('CANCELLED', 'The operation was cancelled.');
    return { exitCode: StatusCode, stdout, stderr };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}
