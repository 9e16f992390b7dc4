/**
 * Cloudflare Tunnel on the real engine, through the CLI, against the fake API: the connector runs
 * on the instance network with the right command, token file, health check and no published port
 * (a stand-in for cloudflared, test/stubs/cloudflare/standin.ts, records how it was started
 * and answers `cloudflared tunnel … ready`); a loopback edge routes public host names through the
 * generated ingress to the instance; tokens appear nowhere they must not; destroy cleans up.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstanceManager } from '../../electron/core/instances/manager';
import { FileSecretStore } from '../../electron/core/instances/secret-store';
import { loadRecipeFile } from '../../electron/core/stacks/registry';
import { CLOUDFLARED_IMAGE, TOKEN_FILE } from '../../electron/core/tunnel/connector';
import type { IngressRuleJson } from '../../electron/core/tunnel/types';
import { startEdge, publishedPorts, type Edge } from '../stubs/cloudflare/edge';
import { FakeCloudflare } from '../stubs/cloudflare/fake-api';
import { buildStandin, STANDIN } from '../stubs/cloudflare/standin';
import { secretFile } from '../../electron/core/instances/home';
import { readRawArchive } from '../unit/backup/raw-archive';
import { ENV, PASS } from './backup-world';
import { cli, docker, dockerHealthy, execOutput, labelled, LOCAL_IMAGES, tempHome, TEST_RECIPE, uniqueName, type CliResult } from './helpers';

const name = uniqueName('tun');
const domain = `${name}.example.com`;
const project = `engawa-${name}`;
let home: { dir: string; cleanup: () => Promise<void> };
let files: string;
let fake: FakeCloudflare;
let apiToken: string;
let edge: Edge | undefined;
const outputs: CliResult[] = [];
const savedUrl = process.env.ENGAWA_CLOUDFLARE_API_URL;

async function run(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await cli(home.dir, args, {
    ENGAWA_CLOUDFLARE_API_URL: fake.url,
    ENGAWA_IMAGES: JSON.stringify({ ...LOCAL_IMAGES, [CLOUDFLARED_IMAGE]: STANDIN }),
    ...env,
  });
  outputs.push(r);
  return r;
}

/** GET through the edge with a public Host. */
function viaEdge(host: string, urlPath: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const u = new URL(edge!.url);
  return new Promise((resolve, reject) => {
    http
      .get({ host: u.hostname, port: u.port, path: urlPath, headers: { host } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  await buildStandin(docker());
  home = await tempHome();
  files = await mkdtemp(path.join(os.tmpdir(), 'engawa-tunnel-files-'));
  fake = await FakeCloudflare.start();
  apiToken = fake.addToken();
  fake.addZone('example.com');
  // until the shared composition (api/wiring.ts) passes ENGAWA_CLOUDFLARE_API_URL from the CLI's env
  process.env.ENGAWA_CLOUDFLARE_API_URL = fake.url;
  await writeFile(path.join(files, 'cf-token'), `${apiToken}\n`, { mode: 0o600 });
});

afterAll(async () => {
  await edge?.close();
  await run(['destroy', name, '--yes']).catch(() => undefined);
  await fake?.close();
  if (savedUrl === undefined) delete process.env.ENGAWA_CLOUDFLARE_API_URL;
  else process.env.ENGAWA_CLOUDFLARE_API_URL = savedUrl;
  await home?.cleanup();
  await rm(files, { recursive: true, force: true });
});

describe('Cloudflare Tunnel on the real engine', () => {
  it('plan --tunnel api shows the connector and the ingress without any API call or token', async () => {
    const before = fake.requests.length;
    const r = await run(['plan', 'test-web', '--domain', domain, '--name', name, '--tunnel', 'api', '--json']);
    expect(r.code).toBe(0);
    const shown = r.json() as { services: { name: string; command?: string[] }[]; tunnel: { ingress: IngressRuleJson[] } };
    expect(shown.services.map((s) => s.name)).toContain('cloudflared');
    expect(shown.tunnel.ingress).toEqual([{ hostname: domain, service: 'http://web:8080' }, { service: 'http_status:404' }]);
    expect(fake.requests.length).toBe(before);
  });

  it('a bad zone fails with a clear message and creates nothing', async () => {
    const r = await run([
      'create',
      'test-web',
      '--name',
      name,
      '--domain',
      domain,
      '--tunnel',
      'api',
      '--cloudflare-token-file',
      path.join(files, 'cf-token'),
      '--zone',
      'other.example',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has no domain "other\.example"/);
    expect((await labelled(project)).containers).toEqual([]);
    expect(fake.changes()).toEqual([]);
  });

  it('create --tunnel api provisions the tunnel and runs the connector on the instance network', async () => {
    const r = await run([
      'create',
      'test-web',
      '--name',
      name,
      '--domain',
      domain,
      '--tunnel',
      'api',
      '--cloudflare-token-file',
      path.join(files, 'cf-token'),
      '--zone',
      'example.com',
    ]);
    expect(r.stderr + r.stdout).not.toMatch(/engawa: /);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`public URL: https://${domain}`);
    expect(r.stderr).toMatch(/The domain cannot be changed later/);
    const [tunnel] = fake.liveTunnels();
    expect(tunnel?.config?.ingress).toEqual([{ hostname: domain, service: 'http://web:8080' }, { service: 'http_status:404' }]);
    expect(fake.dns.map((d) => [d.name, d.content, d.proxied])).toEqual([[domain, `${tunnel!.id}.cfargotunnel.com`, true]]);

    const info = await docker().getContainer(`${project}-cloudflared-1`).inspect();
    expect(info.Config.Cmd).toEqual(['tunnel', '--no-autoupdate', '--metrics', '127.0.0.1:20241', 'run']);
    expect(info.Config.Env).toContain(`TUNNEL_TOKEN_FILE=${TOKEN_FILE}`);
    expect(info.Config.Env.some((e) => e.startsWith('TUNNEL_TOKEN='))).toBe(false);
    expect(info.Config.Healthcheck?.Test).toEqual(['CMD', 'cloudflared', 'tunnel', '--metrics', '127.0.0.1:20241', 'ready']);
    expect(info.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    expect(Object.values(info.HostConfig.PortBindings ?? {}).flat()).toEqual([]);
    expect(
      Object.values(info.NetworkSettings.Ports ?? {})
        .flat()
        .filter(Boolean),
    ).toEqual([]);
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([`${project}_default`]);
    await dockerHealthy(`${project}-cloudflared-1`);

    // what the stand-in saw: its command line, its user, its environment, the token file
    const container = `${project}-cloudflared-1`;
    expect((await execOutput(container, ['cat', '/standin/argv'])).trim()).toBe('--no-autoupdate tunnel --no-autoupdate --metrics 127.0.0.1:20241 run');
    expect((await execOutput(container, ['cat', '/standin/uid'])).trim()).toBe('65532');
    expect(await execOutput(container, ['cat', '/standin/env'])).toContain(`TUNNEL_TOKEN_FILE=${TOKEN_FILE}`);
    expect((await execOutput(container, ['stat', '-c', '%a %u %g', TOKEN_FILE])).trim()).toBe('400 65532 65532');
    const connectorToken = (await execOutput(container, ['cat', TOKEN_FILE])).trim();
    expect(JSON.parse(Buffer.from(connectorToken, 'base64').toString())).toMatchObject({ t: tunnel!.id });
    expect(JSON.stringify(info)).not.toContain(connectorToken);
  });

  it('a loopback edge routes the public host through the generated rules to the instance', async () => {
    const recipes = { get: () => loadRecipeFile(TEST_RECIPE), list: () => [loadRecipeFile(TEST_RECIPE)] };
    const m = new InstanceManager({ home: home.dir, engine: () => Promise.reject(new Error('not needed')), secrets: new FileSecretStore(home.dir), recipes });
    const record = await m.get(name);
    edge = await startEdge({ rules: () => fake.liveTunnels()[0]?.config?.ingress ?? [], resolve: publishedPorts(await m.planFor(name), record.ports) });
    const health = await viaEdge(domain, '/health');
    expect(health).toMatchObject({ status: 200, body: 'ok\n' });
    expect(health.headers['cf-ray']).toBeDefined();
    expect((await viaEdge(domain, '/')).body).toContain(`Hello from ${domain}`);
    expect((await viaEdge('someone-else.example.com', '/health')).status).toBe(404);
  });

  it('tunnel status combines the connector, the API and a probe of the public URL', async () => {
    fake.connect(fake.liveTunnels()[0]!.id);
    const r = await run(['tunnel', 'status', name, '--json'], { ENGAWA_TUNNEL_EDGE_URL: edge!.url });
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({
      ok: true,
      publicUrl: `https://${domain}`,
      connector: { health: 'healthy' },
      cloudflare: { status: 'healthy', connections: 4 },
      problems: [],
    });
    const text = await run(['tunnel', 'status', name], { ENGAWA_TUNNEL_EDGE_URL: edge!.url });
    expect(text.stdout).toMatch(/✓ reachable from the internet/);
  });

  it('no token appears in CLI output, the instance record or the plan', async () => {
    const connectorToken = (await execOutput(`${project}-cloudflared-1`, ['cat', TOKEN_FILE])).trim();
    const shownPlan = await run(['plan', 'test-web', '--domain', domain, '--tunnel', 'token']);
    const record = await readFile(path.join(home.dir, 'instances', `${name}.json`), 'utf8');
    const status = await run(['status', name, '--json']);
    const everything = [...outputs.map((o) => o.stdout + o.stderr), record, shownPlan.stdout, status.stdout].join('\n');
    expect(everything).toContain(domain); // the scan reads real output
    for (const token of [apiToken, connectorToken]) expect(everything).not.toContain(token);
  });

  it('a backup leaves the API token out: on a new computer restore takes the user’s own, checked with Cloudflare', async () => {
    const backup = await run(['backup', name, '--json'], ENV);
    expect(backup.code, backup.stderr).toBe(0);
    const file = (backup.json() as { path: string }).path;
    const inFile = JSON.parse((await readRawArchive(file, PASS)).find((e) => e.name === 'secrets.json')!.data.toString('utf8')) as Record<string, string>;
    expect(inFile).not.toHaveProperty('cloudflare_api_token');
    expect(inFile.tunnel_token).toBeDefined();

    // the new computer: an empty home, the same engine; restored under another name beside the original
    const fresh = await tempHome();
    const other = uniqueName('tunnew');
    const restore = (extra: string[]) =>
      cli(fresh.dir, ['restore', file, '--name', other, ...extra], {
        ...ENV,
        ENGAWA_CLOUDFLARE_API_URL: fake.url,
        ENGAWA_IMAGES: JSON.stringify({ ...LOCAL_IMAGES, [CLOUDFLARED_IMAGE]: STANDIN }),
      });
    try {
      const without = await restore([]);
      expect(without.code).toBe(1);
      expect(without.stderr).toMatch(/Cloudflare API token/);
      await writeFile(path.join(files, 'wrong-token'), 'not-a-token-of-this-account-0123456789abcdef');
      const wrong = await restore(['--cloudflare-token-file', path.join(files, 'wrong-token')]);
      expect(wrong.code).toBe(1);
      expect((await labelled(`engawa-${other}`)).containers).toEqual([]);
      const right = await restore(['--cloudflare-token-file', path.join(files, 'cf-token')]);
      expect(right.code, right.stderr).toBe(0);
      const kept = JSON.parse(await readFile(secretFile(fresh.dir, other), 'utf8')) as Record<string, string>;
      expect(kept.cloudflare_api_token).toBe(apiToken);
      for (const r of [without, wrong, right]) expect(r.stdout + r.stderr).not.toContain(apiToken);
    } finally {
      // a throwaway: its containers go without tearing down the tunnel the original still uses
      const left = await labelled(`engawa-${other}`);
      for (const c of left.containers) await docker().getContainer(c.replace(/^\//, '')).remove({ force: true });
      for (const v of left.volumes) await docker().getVolume(v).remove({ force: true });
      for (const n of left.networks) await docker().getNetwork(n).remove();
      await fresh.cleanup();
      await rm(file, { force: true });
    }
  });

  it('destroy removes the connector, the tunnel and only our DNS records', async () => {
    const foreign = fake.addDnsRecord('example.com', { type: 'A', name: 'www.example.com', content: '192.0.2.10' });
    const r = await run(['destroy', name, '--yes']);
    expect(r.code).toBe(0);
    expect(await labelled(project)).toEqual({ containers: [], volumes: [], networks: [] });
    expect(fake.liveTunnels()).toEqual([]);
    expect(fake.dns).toEqual([foreign]);
  });
});

describe('the other tunnel choices on the command line', () => {
  it('usage errors: missing or misplaced tunnel options exit 2 before anything happens', async () => {
    const base = ['create', 'test-web', '--name', 'nothing', '--domain', 'nothing.example.com'];
    const cases: [string[], RegExp][] = [
      [['--tunnel', 'api', '--cloudflare-token-file', path.join(files, 'cf-token')], /--tunnel api needs --zone/],
      [['--tunnel', 'api', '--zone', 'example.com'], /--tunnel api needs --cloudflare-token-file/],
      [['--tunnel', 'token', '--hostname', 'nothing.example.com'], /--tunnel token needs --tunnel-token-file/],
      [['--zone', 'example.com'], /--zone goes with --tunnel api/],
      [['--tunnel', 'carrier-pigeon'], /--tunnel must be one of: none, api, token/],
      [['--tunnel', 'api', '--zone', 'example.com', '--cloudflare-token-file', path.join(files, 'missing')], /Cannot read --cloudflare-token-file/],
    ];
    for (const [extra, message] of cases) {
      const r = await run([...base, ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(await labelled('engawa-nothing')).toEqual({ containers: [], volumes: [], networks: [] });
  });

  it('create --tunnel token runs the connector with the pasted token and says what to enter in the dashboard', async () => {
    const tokenName = uniqueName('tok');
    const tokenDomain = `${tokenName}.example.com`;
    const connectorToken = Buffer.from(JSON.stringify({ a: 'acc', t: '6ff42ae2-765d-4adf-8112-31c55c1551ef', s: 'c2VjcmV0LWZvci10ZXN0cw' })).toString('base64');
    await writeFile(path.join(files, 'tunnel-token'), connectorToken, { mode: 0o600 });
    const before = fake.requests.length;
    try {
      const r = await run([
        'create',
        'test-web',
        '--name',
        tokenName,
        '--domain',
        tokenDomain,
        '--tunnel',
        'token',
        '--tunnel-token-file',
        path.join(files, 'tunnel-token'),
        '--hostname',
        tokenDomain,
        '--tunnel-protocol',
        'http2',
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`  ${tokenDomain}  →  service http://web:8080`);
      expect(r.stdout + r.stderr).not.toContain(connectorToken);
      const info = await docker().getContainer(`engawa-${tokenName}-cloudflared-1`).inspect();
      expect(info.Config.Cmd).toEqual(['tunnel', '--no-autoupdate', '--metrics', '127.0.0.1:20241', '--protocol', 'http2', 'run']);
      expect((await execOutput(`engawa-${tokenName}-cloudflared-1`, ['cat', TOKEN_FILE])).trim()).toBe(connectorToken);
      expect(fake.requests.length).toBe(before);
    } finally {
      expect((await run(['destroy', tokenName, '--yes'])).code).toBe(0);
    }
    expect(fake.requests.length).toBe(before);
  });
});
