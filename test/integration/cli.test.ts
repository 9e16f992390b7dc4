/**
 * The `engawa` command line on the real engine with the test recipe (Postgres + Redis + busybox
 * web): the whole life of an instance, and every bad input leaving nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, writeFile, mkdir } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { cli, docker, labelled, tempHome, uniqueName, LOCAL_IMAGES } from './helpers';

interface Status {
  name: string;
  stack: string;
  domain: string;
  state: string;
  services: { name: string; state: string; health: string }[];
  localUrl: string;
  publicUrl: string | null;
}

let home: { dir: string; cleanup: () => Promise<void> };
const name = uniqueName('cli');
const project = `engawa-${name}`;

beforeAll(async () => {
  home = await tempHome();
});

afterAll(async () => {
  await cli(home.dir, ['destroy', name, '--yes']);
  await home.cleanup();
});

async function homeFiles(): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(home.dir, p));
    }
  }
  await walk(home.dir);
  return out.sort();
}

describe('engawa CLI lifecycle', () => {
  it('creates an instance that becomes healthy and answers on its local URL', async () => {
    const r = await cli(home.dir, ['create', 'test-web', '--name', name, '--domain', 'Example.COM', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = r.json() as Status;
    expect(s).toMatchObject({ name, stack: 'test-web', domain: 'example.com', state: 'running', publicUrl: null });
    expect(s.services.map((x) => x.name).sort()).toEqual(['db', 'redis', 'web']);
    for (const svc of s.services) expect(svc).toMatchObject({ state: 'running', health: 'healthy' });
    expect(s.localUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${s.localUrl}/health`);
    expect(res.status).toBe(200);
    // every published port is bound to 127.0.0.1 only
    for (const c of await docker().listContainers({ filters: { label: [`com.docker.compose.project=${project}`] } })) {
      for (const p of c.Ports) if (p.PublicPort) expect(p.IP).toBe('127.0.0.1');
    }
  });

  it('reports status as JSON and lists the instance; secrets never appear in output', async () => {
    const st = await cli(home.dir, ['status', name, '--json']);
    expect(st.code).toBe(0);
    expect((st.json() as Status).state).toBe('running');
    const list = await cli(home.dir, ['list', '--json']);
    expect(list.json()).toEqual([{ name, stack: 'test-web', domain: 'example.com', state: 'running' }]);
    const secretsFile = (await homeFiles()).find((f) => f.startsWith('secrets'));
    expect(secretsFile).toBeDefined();
    const plan = await cli(home.dir, ['plan', 'test-web', '--domain', 'example.com', '--json']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('[redacted]');
  });

  it('runs every container so that nothing in it can gain privileges (no-new-privileges)', async () => {
    const containers = await docker().listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
    expect(containers.length).toBeGreaterThanOrEqual(3);
    for (const c of containers) {
      const info = await docker().getContainer(c.Id).inspect();
      expect(info.HostConfig.SecurityOpt, info.Name).toContain('no-new-privileges:true');
    }
  });

  it('keeps the image map given at create: status shows it, restart and backup work without it', async () => {
    const noMap = { ENGAWA_IMAGES: '' }; // a later command that is not told about the local images
    const status = await cli(home.dir, ['status', name, '--json'], noMap);
    expect(status.code, status.stderr).toBe(0);
    expect((status.json() as { images: Record<string, string> }).images).toEqual(LOCAL_IMAGES);
    const restart = await cli(home.dir, ['restart', name], noMap);
    expect(restart.code, restart.stderr).toBe(0);
    const out = await tempHome(); // outside the home: the destroy test below checks it holds nothing of the instance
    try {
      const backup = await cli(home.dir, ['backup', name, '--out', out.dir, '--json'], { ...noMap, ENGAWA_BACKUP_PASSPHRASE: 'kept images passphrase' });
      expect(backup.code, backup.stderr).toBe(0);
      expect((await readdir(out.dir)).some((f) => f.endsWith('.engawa.age'))).toBe(true);
    } finally {
      await out.cleanup();
    }
  });

  it('refuses a name that is taken, and changes nothing', async () => {
    const before = await homeFiles();
    const r = await cli(home.dir, ['create', 'test-web', '--name', name, '--domain', 'other.example', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already/i);
    expect(await homeFiles()).toEqual(before);
  });

  it('refuses a second operation on a busy instance (lock held by another live process)', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await mkdir(path.join(home.dir, 'locks'), { recursive: true });
      await writeFile(
        path.join(home.dir, 'locks', `${name}.lock`),
        JSON.stringify({
          pid: child.pid,
          op: 'backup',
          startedAt: new Date().toISOString(),
          host: (await import('node:os')).hostname(),
          token: 'other-process',
        }),
      );
      const r = await cli(home.dir, ['stop', name]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/busy/i);
      const st = (await cli(home.dir, ['status', name, '--json'])).json() as Status;
      expect(st.state).toBe('running');
    } finally {
      child.kill();
      const { rm } = await import('node:fs/promises');
      await rm(path.join(home.dir, 'locks', `${name}.lock`), { force: true });
    }
  });

  it('prints logs of one service', async () => {
    const r = await cli(home.dir, ['logs', name, '--service', 'db', '--tail', '5']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(5);
    for (const l of lines) expect(l).toMatch(/^db\s+\|/);
  });

  it('stops and starts again', async () => {
    const stop = await cli(home.dir, ['stop', name, '--json']);
    expect(stop.code, stop.stderr).toBe(0);
    const stopped = stop.json() as Status;
    expect(stopped.state).toBe('stopped');
    for (const svc of stopped.services) expect(svc.state).toBe('exited');
    const start = await cli(home.dir, ['start', name, '--json']);
    expect(start.code, start.stderr).toBe(0);
    const started = start.json() as Status;
    expect(started.state).toBe('running');
    for (const svc of started.services) expect(svc.health).toBe('healthy');
  });

  it('refuses to start when its 127.0.0.1 port is taken by another program, and starts nothing', async () => {
    const st = (await cli(home.dir, ['status', name, '--json'])).json() as Status;
    const port = Number(new URL(st.localUrl).port);
    expect((await cli(home.dir, ['stop', name])).code).toBe(0);
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    try {
      const r = await cli(home.dir, ['start', name]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`127.0.0.1:${port}`);
      const after = (await cli(home.dir, ['status', name, '--json'])).json() as Status;
      for (const svc of after.services) expect(svc.state).not.toBe('running');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    expect((await cli(home.dir, ['start', name])).code).toBe(0);
  });

  it('destroys everything it made and nothing else', async () => {
    const bystander = await docker().createVolume({ Name: `${project}-bystander`, Labels: { keep: 'yes' } });
    try {
      const r = await cli(home.dir, ['destroy', name, '--yes']);
      expect(r.code, r.stderr).toBe(0);
      expect(await labelled(project)).toEqual({ containers: [], volumes: [], networks: [] });
      expect((await docker().getVolume(bystander.name).inspect()).Name).toBe(bystander.name);
      expect(await homeFiles()).not.toContainEqual(expect.stringContaining(name));
      const st = await cli(home.dir, ['status', name]);
      expect(st.code).toBe(1);
    } finally {
      await docker().getVolume(bystander.name).remove();
    }
  });
});

describe('engawa CLI bad input', () => {
  let bad: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    bad = await tempHome();
  });
  afterAll(async () => bad.cleanup());

  async function files(d: string): Promise<string[]> {
    const entries = await readdir(d, { withFileTypes: true, recursive: true });
    return entries.filter((e) => !e.isDirectory()).map((e) => e.name);
  }
  async function nothingChanged(n: string): Promise<void> {
    expect(await files(bad.dir)).toEqual([]);
    expect(await labelled(`engawa-${n}`)).toEqual({ containers: [], volumes: [], networks: [] });
  }

  it('rejects an invalid name', async () => {
    const r = await cli(bad.dir, ['create', 'test-web', '--name', 'Bad_Name!', '--domain', 'example.com']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/name/i);
    await nothingChanged('bad_name');
  });

  it('rejects an invalid domain', async () => {
    const n = uniqueName('bad');
    for (const domain of ['localhost', 'http://example.com', 'exa mple.com', '192.168.1.2', 'example']) {
      const r = await cli(bad.dir, ['create', 'test-web', '--name', n, '--domain', domain]);
      expect(r.code, domain).toBe(1);
      expect(r.stderr.split('\n')[0]).toMatch(/domain|address|name/i);
    }
    await nothingChanged(n);
  });

  it('rejects an unknown stack with the list of known ones', async () => {
    const r = await cli(bad.dir, ['create', 'friendica', '--name', 'x', '--domain', 'example.com']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/friendica.*mastodon, misskey/);
    await nothingChanged('x');
  });

  it('reports an image that is missing and cannot be pulled, and creates nothing', async () => {
    const n = uniqueName('img');
    const images = { ...LOCAL_IMAGES, 'docker.io/library/busybox:1': 'local/does-not-exist:1' };
    const r = await cli(bad.dir, ['create', 'test-web', '--name', n, '--domain', 'example.com'], { ENGAWA_IMAGES: JSON.stringify(images) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('local/does-not-exist:1');
    await nothingChanged(n);
  });

  it('explains an unreachable engine with a hint and creates nothing', async () => {
    const n = uniqueName('off');
    const env = { DOCKER_HOST: `unix://${path.join(bad.dir, 'no', 'docker.sock')}` };
    const doc = await cli(bad.dir, ['doctor'], env);
    expect(doc.code).toBe(1);
    expect(doc.stdout + doc.stderr).toMatch(/Docker/);
    const r = await cli(bad.dir, ['create', 'test-web', '--name', n, '--domain', 'example.com'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Docker/);
    await nothingChanged(n);
  });

  it('exits 2 on usage errors', async () => {
    expect((await cli(bad.dir, ['frobnicate'])).code).toBe(2);
    expect((await cli(bad.dir, ['create'])).code).toBe(2);
    expect((await cli(bad.dir, ['destroy', 'x'])).code).toBe(2);
    expect((await cli(bad.dir, ['logs', 'x', '--tail', 'many'])).code).toBe(2);
    expect(await files(bad.dir)).toEqual([]);
  });
});
