/**
 * A private dockerd for one test file: for what the shared engine must never be put through
 * (a dockerd restart, a full disk). Its own data root, exec root and socket live under a short
 * directory in /tmp (the exec root holds unix sockets: 108-byte path limit); with `sizeMiB` the data
 * root sits on a freshly made loop-mounted ext4 image of that size, so a test can fill it.
 *
 * Two daemons on one machine must not touch each other's network: a dockerd started with
 * `--bridge=none` deletes the default docker0 bridge, which the shared engine needs. So each own engine
 * gets its own bridge (a unique name and /24) and its own pool for user-defined networks, and never
 * touches iptables (`--iptables=false --ip-masq=false`): published 127.0.0.1 ports go through
 * docker-proxy, containers on one network talk over the bridge. Engines claim a slot (0–15) with an
 * atomic mkdir, which gives the subnets: bridge 10.212.<slot>.0/24, networks 10.213.<16·slot>.0/20 in /24s.
 * A slot left by a test process that died is swept (daemon killed, bridge removed, unmounted).
 *
 * Needs root, dockerd, mkfs.ext4 and a free loop device: `canRunOwnEngine()` says whether, and why not.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SLOTS_DIR = '/tmp/engawa-own-slots';
const SLOTS = 16;

export interface OwnEngine {
  /** unix://… for DOCKER_HOST or dockerode's socketPath (after the scheme). */
  dockerHost: string;
  /** The daemon's --data-root. */
  dataRoot: string;
  /** With sizeMiB: the loop-mounted filesystem holding the data root (fill it to fill the engine's disk). */
  mountPoint: string | undefined;
  /** SIGTERM the daemon, wait for it to exit, and start it again with the same data. */
  restart: () => Promise<void>;
  /** Stops the daemon and removes its bridge, mount and files. */
  stop: () => Promise<void>;
}

export interface OwnEngineOptions {
  /** A short name for logs and the directory (letters, digits, dashes). */
  name: string;
  /** Size of a loop-mounted ext4 data root, in MiB; without it the data root is a plain directory. */
  sizeMiB?: number;
  /** Images copied from the shared engine (DOCKER_HOST) with `docker save | docker load`. */
  images: string[];
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin')
    .split(':')
    .concat(['/usr/sbin', '/sbin'])
    .some((dir) => existsSync(path.join(dir, cmd)));
}

/** Whether this machine can run an own engine, with the reason when it cannot (for describe.skipIf). */
export function canRunOwnEngine(): { ok: boolean; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'an own dockerd needs root' };
  for (const cmd of ['dockerd', 'docker', 'mkfs.ext4', 'losetup', 'ip', 'mount']) {
    if (!onPath(cmd)) return { ok: false, reason: `${cmd} is not installed` };
  }
  try {
    execFileSync('losetup', ['-f'], { stdio: 'pipe' });
  } catch {
    return { ok: false, reason: 'no free loop device' };
  }
  if (!process.env.DOCKER_HOST) return { ok: false, reason: 'DOCKER_HOST (the shared engine to copy images from) is not set' };
  return { ok: true, reason: 'root, dockerd and a free loop device are there' };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(fn: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function answers(dockerHost: string): Promise<boolean> {
  try {
    await run('docker', ['version', '--format', '{{.Server.Version}}'], { env: { ...process.env, DOCKER_HOST: dockerHost }, timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, wait up to 30 s, then SIGKILL. */
async function terminate(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  if (await until(() => !alive(pid), 30_000)) return;
  process.kill(pid, 'SIGKILL');
  await until(() => !alive(pid), 5000);
}

/** Unmounts everything under `dir`, deepest first (leftover netns or overlay mounts, then the loop mount). */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run('umount', ['-l', m]).catch(() => {});
}

/** docker0's IPv4 address (a.b.c.d/n), or undefined when there is no docker0. */
async function sharedBridge(): Promise<string | undefined> {
  const r = await run('ip', ['-j', '-4', 'addr', 'show', 'docker0']).catch(() => undefined);
  const a = r && (JSON.parse(r.stdout) as { addr_info?: { local: string; prefixlen: number }[] }[])[0]?.addr_info?.[0];
  return a && `${a.local}/${a.prefixlen}`;
}

interface SlotRecord {
  owner: number;
  slot: number;
  dir: string;
  bridge: string;
  dockerd?: number;
}

const slotFile = (slot: number): string => path.join(SLOTS_DIR, String(slot), 'slot.json');

/** Tears down what a slot's record names: the daemon, its mounts, its bridge, its directory. */
async function teardown(rec: SlotRecord): Promise<void> {
  const cmdline = rec.dockerd ? await readFile(`/proc/${rec.dockerd}/cmdline`, 'utf8').catch(() => '') : '';
  if (rec.dockerd && cmdline.includes(rec.dir)) await terminate(rec.dockerd); // not a reused pid
  await unmountUnder(rec.dir);
  await run('ip', ['link', 'del', rec.bridge]).catch(() => {});
  // the bridges of its user-defined networks (dockerd leaves them): those with an address in its pool
  const links = JSON.parse((await run('ip', ['-j', '-4', 'addr'])).stdout) as { ifname: string; addr_info?: { local?: string }[] }[];
  for (const l of links) {
    const third = (l.addr_info ?? []).map((a) => /^10\.213\.(\d+)\./.exec(a.local ?? '')?.[1]).find((x) => x !== undefined);
    if (third !== undefined && Math.floor(Number(third) / 16) === rec.slot) await run('ip', ['link', 'del', l.ifname]).catch(() => {});
  }
  await rm(rec.dir, { recursive: true, force: true });
}

/** Claims a free slot (atomic mkdir), sweeping slots whose owning test process is gone. */
async function claimSlot(rec: Omit<SlotRecord, 'owner' | 'slot'>): Promise<number> {
  await mkdir(SLOTS_DIR, { recursive: true });
  for (let slot = 0; slot < SLOTS; slot++) {
    const dir = path.join(SLOTS_DIR, String(slot));
    try {
      await mkdir(dir);
    } catch {
      const old = await readFile(slotFile(slot), 'utf8').then(
        (t) => JSON.parse(t) as SlotRecord,
        () => undefined,
      );
      if (!old || alive(old.owner)) continue; // busy (or being claimed right now)
      await teardown(old);
      await rm(dir, { recursive: true, force: true });
      try {
        await mkdir(dir);
      } catch {
        continue;
      }
    }
    await writeFile(slotFile(slot), JSON.stringify({ ...rec, owner: process.pid, slot }));
    return slot;
  }
  throw new Error(`all ${SLOTS} own-engine slots are busy (${SLOTS_DIR})`);
}

/** Copies images from the shared engine to this one: docker save | docker load. */
async function copyImages(images: string[], dockerHost: string): Promise<void> {
  if (images.length === 0) return;
  await new Promise<void>((resolve, reject) => {
    const save = spawn('docker', ['save', ...images], { stdio: ['ignore', 'pipe', 'pipe'] });
    const load = spawn('docker', ['load', '-q'], { env: { ...process.env, DOCKER_HOST: dockerHost }, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    save.stderr.on('data', (c: Buffer) => (err += c.toString()));
    load.stderr.on('data', (c: Buffer) => (err += c.toString()));
    save.stdout.pipe(load.stdin);
    let pending = 2;
    const done = (code: number | null): void => {
      if (code !== 0) reject(new Error(`copying ${images.join(', ')} failed: ${err.trim()}`));
      else if (--pending === 0) resolve();
    };
    save.on('exit', done);
    load.on('exit', done);
  });
}

export async function startOwnEngine(opts: OwnEngineOptions): Promise<OwnEngine> {
  if (!/^[a-z0-9-]{1,20}$/.test(opts.name)) throw new Error(`own engine name "${opts.name}": letters, digits and dashes, up to 20`);
  const id = randomBytes(3).toString('hex');
  const dir = `/tmp/eo-${id}`;
  const bridge = `eo-${id}`;
  const slot = await claimSlot({ dir, bridge });
  const rec: SlotRecord = { owner: process.pid, slot, dir, bridge };
  const socket = path.join(dir, 'd.sock');
  const dockerHost = `unix://${socket}`;
  const logFile = path.join(dir, 'dockerd.log');
  let mountPoint: string | undefined;
  let dataRoot = path.join(dir, 'data');
  let pid: number | undefined;

  const save = (): Promise<void> => writeFile(slotFile(slot), JSON.stringify(rec));

  const configFile = path.join(dir, 'daemon.json');
  const launch = async (liveRestore: boolean): Promise<void> => {
    await writeFile(configFile, JSON.stringify({ 'live-restore': liveRestore }));
    const log = openSync(logFile, 'a');
    const child = spawn(
      'dockerd',
      [
        `--data-root=${dataRoot}`,
        `--exec-root=${path.join(dir, 'x')}`,
        `--pidfile=${path.join(dir, 'pid')}`,
        `--host=${dockerHost}`,
        `--bridge=${bridge}`,
        '--iptables=false',
        '--ip-masq=false',
        `--default-address-pool=base=10.213.${16 * slot}.0/20,size=24`,
        `--config-file=${configFile}`,
      ],
      { detached: true, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    child.unref();
    pid = child.pid;
    rec.dockerd = pid;
    await save();
    const up = await until(async () => (pid !== undefined && !alive(pid) ? true : answers(dockerHost)), 60_000);
    if (!up || (pid !== undefined && !alive(pid))) {
      const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-20).join('\n');
      throw new Error(`own engine ${opts.name}: dockerd did not answer; last log lines:\n${tail}`);
    }
    if (liveRestore) {
      // back to a plain daemon (reloadable): its next shutdown stops the containers again
      await writeFile(configFile, JSON.stringify({ 'live-restore': false }));
      process.kill(pid!, 'SIGHUP');
    }
  };

  const stop = async (): Promise<void> => {
    await teardown(rec);
    await rm(path.join(SLOTS_DIR, String(slot)), { recursive: true, force: true });
  };

  try {
    await mkdir(dir, { recursive: true });
    if (opts.sizeMiB !== undefined) {
      const image = path.join(dir, 'disk.img');
      mountPoint = path.join(dir, 'mnt');
      await mkdir(mountPoint);
      await run('truncate', ['-s', `${opts.sizeMiB}M`, image]);
      await run('mkfs.ext4', ['-q', '-F', '-m', '0', image]);
      await run('mount', ['-o', 'loop', image, mountPoint]);
      dataRoot = path.join(mountPoint, 'docker');
    }
    await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    await run('ip', ['addr', 'add', `10.212.${slot}.1/24`, 'dev', bridge]);
    await run('ip', ['link', 'set', bridge, 'up']);
    await launch(false);
    await copyImages(opts.images, dockerHost);
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    dockerHost,
    dataRoot,
    mountPoint,
    restart: async () => {
      const shared = await sharedBridge();
      if (pid !== undefined) await terminate(pid);
      // A daemon that finds its old default network at start, with address pools set and live-restore
      // off, deletes the interface named docker0 — the shared engine's. Started with live-restore on,
      // it leaves it alone; the containers were stopped by the shutdown all the same.
      await launch(true);
      if (shared && !(await sharedBridge())) {
        // a safety net: should it happen anyway, give the shared engine its bridge back, and fail
        await run('ip', ['link', 'add', 'docker0', 'type', 'bridge']).catch(() => {});
        await run('ip', ['addr', 'add', shared, 'dev', 'docker0']).catch(() => {});
        await run('ip', ['link', 'set', 'docker0', 'up']).catch(() => {});
        throw new Error(`own engine ${opts.name}: its restart removed docker0 (put back with ${shared})`);
      }
    },
    stop,
  };
}
