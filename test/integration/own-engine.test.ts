/**
 * The own engine (own-engine.ts) keeps to itself: on its own bridge and address pool, containers on a
 * user-defined network reach each other by name and a 127.0.0.1-published port answers from the
 * host, across a restart of its dockerd (the containers come back by their restart policy); a
 * loop-mounted data root has the size asked for; and through start, restart and stop the shared
 * engine keeps its docker0 bridge and still runs a container with a published port. Stopping removes
 * the daemon's bridges, mount and files.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers';
import { canRunOwnEngine, startOwnEngine, type OwnEngine } from './own-engine';

const run = promisify(execFile);
const own = canRunOwnEngine();
const IMAGE = 'local/busybox-httpd:1';

const docker = async (host: string | undefined, args: string[]): Promise<string> =>
  (await run('docker', args, { env: { ...process.env, ...(host && { DOCKER_HOST: host }) } })).stdout.trim();

const links = async (): Promise<string[]> => (JSON.parse((await run('ip', ['-j', 'link'])).stdout) as { ifname: string }[]).map((l) => l.ifname);

/** GET http://127.0.0.1:<port>/etc/hostname from the host. */
const hostname = async (port: number): Promise<string | undefined> => {
  try {
    return (await (await fetch(`http://127.0.0.1:${port}/etc/hostname`, { signal: AbortSignal.timeout(3000) })).text()).trim();
  } catch {
    return undefined;
  }
};

/** The shared engine still has its default bridge and runs a container with a published port. */
async function sharedEngineIntact(port: number): Promise<void> {
  expect(await links()).toContain('docker0');
  const id = await docker(undefined, ['run', '-d', '--rm', '-p', `127.0.0.1:${port}:8080`, IMAGE, 'httpd', '-f', '-p', '8080', '-h', '/']);
  try {
    expect(await eventually(() => hostname(port), 10_000, 'the shared engine container')).toBe(id.slice(0, 12));
  } finally {
    await docker(undefined, ['rm', '-f', id]);
  }
}

describe.skipIf(!own.ok)(`an own engine beside the shared one (${own.reason})`, () => {
  let engine: OwnEngine;
  const port = 40_000 + Math.floor(Math.random() * 10_000);
  beforeAll(async () => {
    engine = await startOwnEngine({ name: 'own-test', sizeMiB: 128, images: [IMAGE] });
  });
  afterAll(async () => engine?.stop());

  /** Containers on a user network talk by name; a published port answers from the host. */
  async function networkWorks(): Promise<void> {
    const out = await docker(engine.dockerHost, [
      'run',
      '--rm',
      '--network',
      'own-net',
      IMAGE,
      'sh',
      '-c',
      'printf "GET /etc/hostname HTTP/1.0\\r\\n\\r\\n" | nc -w 5 own-web 8080 | tail -1',
    ]);
    const id = await docker(engine.dockerHost, ['inspect', '-f', '{{.Config.Hostname}}', 'own-web']);
    expect(out).toBe(id);
    expect(await eventually(() => hostname(port), 15_000, 'the published port')).toBe(id);
  }

  it('runs its containers on its own network, published on 127.0.0.1, across a restart, leaving docker0 alone', async () => {
    expect(await docker(engine.dockerHost, ['images', '--format', '{{.Repository}}:{{.Tag}}'])).toContain(IMAGE);
    const df = (await run('df', ['-k', '--output=size', engine.mountPoint!])).stdout.trim().split('\n')[1]!;
    expect(Number(df)).toBeLessThan(128 * 1024);
    expect(engine.dataRoot.startsWith(engine.mountPoint! + '/')).toBe(true);

    await docker(engine.dockerHost, ['network', 'create', 'own-net']);
    const subnet = await docker(engine.dockerHost, ['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', 'own-net']);
    expect(subnet).toMatch(/^10\.213\.\d+\.0\/24$/);
    await docker(engine.dockerHost, [
      'run',
      '-d',
      '--name',
      'own-web',
      '--restart',
      'unless-stopped',
      '--network',
      'own-net',
      '-p',
      `127.0.0.1:${port}:8080`,
      IMAGE,
      'httpd',
      '-f',
      '-p',
      '8080',
      '-h',
      '/',
    ]);
    await networkWorks();
    await sharedEngineIntact(port + 1);

    await engine.restart();
    expect(await links()).toContain('docker0');
    await eventually(
      async () => ((await docker(engine.dockerHost, ['inspect', '-f', '{{.State.Running}}', 'own-web'])) === 'true' ? true : undefined),
      30_000,
      'own-web back',
    );
    await networkWorks();
    await sharedEngineIntact(port + 1);
    // the restarted daemon stops its containers on shutdown again, like a plain one
    expect(JSON.parse(await readFile(`${engine.dataRoot.replace(/\/mnt\/docker$/, '')}/daemon.json`, 'utf8'))).toEqual({ 'live-restore': false });
  });

  it('stop removes its bridges, mount and files, and the shared engine is as it was', async () => {
    const dir = engine.dataRoot.replace(/\/mnt\/docker$/, '');
    // its default bridge (eo-<id>, named after its directory /tmp/eo-<id>) and own-net's (br-<network id>)
    const netId = await docker(engine.dockerHost, ['network', 'inspect', '-f', '{{.Id}}', 'own-net']);
    const ours = [`eo-${dir.slice('/tmp/eo-'.length)}`, `br-${netId.slice(0, 12)}`];
    expect(await links()).toEqual(expect.arrayContaining(ours));
    await engine.stop();
    const after = await links();
    expect(after.filter((l) => ours.includes(l))).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(await readFile('/proc/self/mounts', 'utf8')).not.toContain(dir);
    await sharedEngineIntact(port + 2);
  });
});
