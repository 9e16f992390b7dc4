/**
 * "Sign in with Cloudflare" on the real engine, through the CLI. A stand-in for cloudflared, built
 * here from local/busybox-httpd:1, behaves like cloudflared 2026.8.2 for the commands Engawa runs
 * (same output formats) and keeps "Cloudflare's side" (tunnels, DNS records, every command line) in
 * the volume beside cert.pem: `tunnel login` prints the link and waits until the test, playing the
 * user, approves a domain; `create`, `token`, `route dns`, `list`, `delete` act on that state;
 * `tunnel … run` records how the connector was started and answers the `ready` check.
 * The engine is the real one, wrapped to record each cloudflared command and each removal, in order.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../electron/core/cli/run';
import { DockerEngine } from '../../electron/core/engine/engine';
import { demuxBuffer } from '../../electron/core/engine/demux';
import type { EngineApi } from '../../electron/core/engine/types';
import { InstanceManager } from '../../electron/core/instances/manager';
import { FileSecretStore } from '../../electron/core/instances/secret-store';
import { loadRecipeFile } from '../../electron/core/stacks/registry';
import { CLOUDFLARED_IMAGE } from '../../electron/core/tunnel/connector';
import { provisionTunnel } from '../../electron/core/tunnel/instance-tunnel';
import { CLOUDFLARED_HOME, LOGIN_CONFIG_FILE, LOGIN_CREDENTIALS_FILE } from '../../electron/core/tunnel/login-connector';
import { secretFile } from '../../electron/core/instances/home';
import { buildScriptImage } from '../stubs/cloudflare/standin';
import { readRawArchive } from '../unit/backup/raw-archive';
import { ENV, PASS } from './backup-world';
import { docker, dockerHealthy, eventually, execOutput, labelled, LOCAL_IMAGES, tempHome, TEST_RECIPE, uniqueName, type CliResult } from './helpers';

const STANDIN = 'local/cloudflared-login-standin:1';
const STANDIN_SCRIPT = String.raw`#!/bin/sh
# cloudflared 2026.8.2 as far as Engawa's sign-in mode uses it (formats from its source).
st="$HOME/.standin-cloudflare"
cf="$HOME/.cloudflared"
all="$*"
log() { printf '%s %s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" >&2; }
while [ "$1" = --no-autoupdate ]; do shift; done
[ "$1" = tunnel ] || { echo "cloudflared version 2026.8.2 (stand-in)"; exit 0; }
shift
config=""; metrics=""
while :; do case "$1" in
  --no-autoupdate) shift;;
  --metrics) metrics="$2"; shift 2;;
  --config) config="$2"; shift 2;;
  --protocol) shift 2;;
  *) break;;
esac; done
cmd="$1"; shift
case "$cmd" in
ready) timeout 3 wget -q -O /dev/null "http://$metrics/ready"; exit $?;;
run)
  echo "$all" > /standin/argv; id -u > /standin/uid; env > /standin/env; cp "$config" /standin/config.yml
  cred=$(sed -n 's/^credentials-file: "\(.*\)"$/\1/p' "$config")
  [ -r "$cred" ] || { log ERR "couldn't read tunnel credentials from $cred"; exit 1; }
  if [ -e "$HOME/.cloudflared/cert.pem" ]; then echo cert.pem > /standin/home; else echo no-cert.pem > /standin/home; fi
  cp "$cred" /standin/credentials.json 2>/dev/null || true
  mkdir -p /standin/www && echo '{"status":200,"readyConnections":4}' > /standin/www/ready
  exec httpd -f -p 20241 -h /standin/www;;
esac
mkdir -p "$st/tunnels" "$st/deleted" "$st/dns"
echo "$all" >> "$st/argv.log"
write_creds() { printf '{"AccountTag":"account-id","TunnelSecret":"%s","TunnelID":"%s","Endpoint":""}' "$(head -c 32 /dev/urandom | base64)" "$2" > "$1"; chmod 400 "$1"; }
if [ "$cmd" = login ]; then
  if [ -s "$cf/cert.pem" ]; then log ERR "You have an existing certificate at $cf/cert.pem which login would overwrite.
If this is intentional, please move or delete that file then run this command again.
 error=<nil>"; exit 0; fi
  mkdir -p "$cf" && chmod 700 "$cf"
  key=$(head -c 32 /dev/urandom | base64 | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
  printf 'Please open the following URL and log in with your Cloudflare account:\n\nhttps://dash.cloudflare.com/argotunnel?aud=&callback=https%%3A%%2F%%2Flogin.cloudflareaccess.org%%2F%s\n\nLeave cloudflared running to download the cert automatically.\n' "$key" >&2
  while [ ! -s "$st/approve" ]; do usleep 200000; done
  mv "$st/approve" "$st/zone"
  token=$(printf '{"zoneID":"zone-id","accountID":"account-id","apiToken":"%s"}' "$(head -c 30 /dev/urandom | base64)" | base64 | tr -d '\n')
  { echo '-----BEGIN ARGO TUNNEL TOKEN-----'; echo "$token" | fold -w 64; echo '-----END ARGO TUNNEL TOKEN-----'; } > "$cf/cert.pem"
  chmod 600 "$cf/cert.pem"
  log INF "You have successfully logged in.
If you wish to copy your credentials to a server, they have been saved to:
$cf/cert.pem"
  exit 0
fi
if [ ! -s "$cf/cert.pem" ]; then
  log ERR "Cannot determine default origin certificate path. No file cert.pem in [~/.cloudflared ~/.cloudflare-warp ~/cloudflare-warp /etc/cloudflared /usr/local/etc/cloudflared]."
  echo "client didn't specify origincert path" >&2; exit 1
fi
cred=""; name=""; out=""; force=""; pos=""
while [ $# -gt 0 ]; do case "$1" in
  --credentials-file|--cred-file) cred="$2"; shift 2;;
  --name|-n) name="$2"; shift 2;;
  --output|-o) out="$2"; shift 2;;
  -f|--force) force=1; shift;;
  *) pos="$pos $1"; shift;;
esac; done
set -- $pos
case "$cmd" in
list)
  body=""; sep=""
  for f in "$st"/tunnels/*; do
    [ -f "$f" ] || continue
    n=$(cat "$f"); [ -z "$name" ] || [ "$n" = "$name" ] || continue
    body="$body$sep{\"id\":\"$(basename "$f")\",\"name\":\"$n\",\"created_at\":\"2026-08-20T10:00:00Z\",\"deleted_at\":\"0001-01-01T00:00:00Z\",\"connections\":[]}"; sep=","
  done
  if [ -z "$body" ]; then echo null; else echo "[$body]"; fi;;
create)
  for f in "$st"/tunnels/*; do [ -f "$f" ] && [ "$(cat "$f")" = "$1" ] && { echo "failed to create tunnel: Create Tunnel API call failed: tunnel with name already exists" >&2; exit 1; }; done
  id=$(cat /proc/sys/kernel/random/uuid)
  echo "$1" > "$st/tunnels/$id"
  write_creds "$cf/$id.json" "$id"
  printf 'Tunnel credentials written to %s. cloudflared chose this file based on where your origin certificate was found. Keep this file secret. To revoke these credentials, delete the tunnel.\n\nCreated tunnel %s with id %s\n' "$cf/$id.json" "$1" "$id";;
token)
  [ -f "$st/tunnels/$1" ] || { echo "error parsing tunnel ID: $1 is neither the ID nor the name of any of your tunnels" >&2; exit 1; }
  if [ -z "$cred" ]; then
    [ -f "$st/secret-$1" ] || head -c 32 /dev/urandom | base64 > "$st/secret-$1"
    printf '{"a":"account-id","t":"%s","s":"%s"}' "$1" "$(cat "$st/secret-$1")" | base64 | tr -d '\n'; echo; exit 0
  fi
  [ -e "$cred" ] && { echo "error writing token credentials to JSON file in path $cred: $cred already exists" >&2; exit 1; }
  write_creds "$cred" "$1";;
route)
  [ "$1" = dns ] || exit 1
  id="$2"; host="$3"; zone=$(cat "$st/zone")
  case "$host" in "$zone"|*."$zone") rec="$host";; *) rec="$host.$zone";; esac
  if [ -f "$st/dns/$rec" ]; then
    if [ "$(cat "$st/dns/$rec")" = "CNAME $id.cfargotunnel.com" ]; then log INF "$rec is already configured to route to your tunnel tunnelID=$id"; exit 0; fi
    echo "Failed to add route: code: 1003, reason: An A, AAAA, or CNAME record with that host already exists." >&2; exit 1
  fi
  echo "CNAME $id.cfargotunnel.com" > "$st/dns/$rec"
  log INF "Added CNAME $rec which will route to this tunnel tunnelID=$id";;
delete)
  [ -f "$st/tunnels/$1" ] || { echo "Tunnel $1 has already been deleted" >&2; exit 1; }
  mv "$st/tunnels/$1" "$st/deleted/$1"; rm -f "$cf/$1.json";;
*) echo "stand-in: unknown command $cmd" >&2; exit 1;;
esac
`;
const DOCKERFILE = `FROM local/busybox-httpd:1
COPY cloudflared /bin/cloudflared
RUN mkdir -p /home/nonroot /standin && chown 65532:65532 /home/nonroot /standin && chmod 700 /home/nonroot \\
 && echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >> /etc/passwd
USER 65532:65532
ENTRYPOINT ["cloudflared", "--no-autoupdate"]
CMD ["version"]
`;

/** The real engine, recording each cloudflared command (`run …`) and each project removal (`remove …`). */
function recordingEngine(real: EngineApi, calls: string[]): EngineApi {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'runStep') {
        return (...a: Parameters<EngineApi['runStep']>) => {
          calls.push(`run ${a[1].command.join(' ')}`);
          return target.runStep(...a);
        };
      }
      if (prop === 'remove') {
        return (...a: Parameters<EngineApi['remove']>) => {
          calls.push(`remove ${a[0]}`);
          return target.remove(...a);
        };
      }
      const v: unknown = Reflect.get(target, prop);
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** A file in a volume, read by a throw-away busybox container. */
async function readVolume(volume: string, file: string): Promise<string> {
  const d = docker();
  const c = await d.createContainer({
    Image: 'local/busybox-httpd:1',
    Cmd: ['cat', `/v/${file}`],
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/v', ReadOnly: true }], NetworkMode: 'none' },
  });
  try {
    await c.start();
    await c.wait();
    const logs = (await c.logs({ stdout: true, stderr: false })) as unknown as Buffer;
    return demuxBuffer(logs).stdout.toString();
  } finally {
    await c.remove({ force: true });
  }
}

const LINK = /https:\/\/dash\.cloudflare\.com\/argotunnel\?aud=&callback=https%3A%2F%2Flogin\.cloudflareaccess\.org%2F\S+/;
const name = uniqueName('cfl');
const domain = `${name}.example.com`;
const project = `engawa-${name}`;
const tool = `${project}_cloudflared`;
const images = { ...LOCAL_IMAGES, [CLOUDFLARED_IMAGE]: STANDIN };
let home: { dir: string; cleanup: () => Promise<void> };
const calls: string[] = [];
let engine: EngineApi;
/** the backup the round-trip tests make and restore */
let backupFile = '';

/**
 * `engawa …` in-process on the recording engine. With `approve`, plays the user: when the link
 * appears on stderr, approves that domain inside the waiting `tunnel login` container.
 */
async function run(args: string[], opts: { env?: Record<string, string>; approve?: string } = {}): Promise<CliResult & { approved: Promise<void> }> {
  let stdout = '';
  let stderr = '';
  let approved: Promise<void> = Promise.resolve();
  let seen = false;
  const code = await runCli(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => {
      stderr += s;
      if (opts.approve !== undefined && !seen && LINK.test(stderr)) {
        seen = true;
        approved = approveIn(tool, opts.approve);
      }
    },
    env: {
      DOCKER_HOST: process.env.DOCKER_HOST,
      HOME: process.env.HOME,
      ENGAWA_HOME: home.dir,
      ENGAWA_RECIPES: TEST_RECIPE,
      ENGAWA_IMAGES: JSON.stringify(images),
      ...opts.env,
    },
    engine: () => Promise.resolve(engine),
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout), approved };
}

/**
 * The user authorizes `zone` in the browser: the waiting login container sees it. Its output can
 * arrive a moment before Docker lists it as running, so this waits for that first.
 */
async function approveIn(toolProject: string, zone: string): Promise<void> {
  const filters = { label: [`com.docker.compose.project=${toolProject}`, 'app.engawa.role=task'] };
  const login = await eventually(async () => (await docker().listContainers({ filters }))[0], 10_000, 'the running tunnel login container');
  await execOutput(login.Id, ['sh', '-c', `echo ${zone} > ${CLOUDFLARED_HOME}/.standin-cloudflare/approve`]);
}

beforeAll(async () => {
  await buildScriptImage(docker(), STANDIN, DOCKERFILE, STANDIN_SCRIPT);
  home = await tempHome();
  engine = recordingEngine(new DockerEngine(docker()), calls);
});

afterAll(async () => {
  await run(['destroy', name, '--yes']).catch(() => undefined);
  await engine?.remove(tool).catch(() => undefined);
  await home?.cleanup();
  if (backupFile !== '') await rm(backupFile, { force: true });
});

describe('sign in with Cloudflare on the real engine', () => {
  it('plan --tunnel login shows the connector and its config without running anything', async () => {
    const r = await run(['plan', 'test-web', '--domain', domain, '--name', name, '--tunnel', 'login', '--json']);
    expect(r.code).toBe(0);
    const shown = r.json() as { services: { name: string; command?: string[]; files: { path: string; content: string }[] }[]; tunnel: unknown };
    const c = shown.services.find((s) => s.name === 'cloudflared')!;
    expect(c.command).toEqual([
      'tunnel',
      '--no-autoupdate',
      '--metrics',
      '127.0.0.1:20241',
      '--config',
      LOGIN_CONFIG_FILE,
      'run',
      '<tunnel name, chosen at creation>',
    ]);
    expect(parse(c.files.find((f) => f.path === LOGIN_CONFIG_FILE)!.content).ingress).toEqual([
      { hostname: domain, service: 'http://web:8080' },
      { service: 'http_status:404' },
    ]);
    expect(calls).toEqual([]);
    expect(await labelled(tool)).toEqual({ containers: [], volumes: [], networks: [] });
  });

  it('a sign-in nobody finishes times out with a clear message and leaves nothing behind', async () => {
    const r = await run(['create', 'test-web', '--name', name, '--domain', domain, '--tunnel', 'login'], { env: { ENGAWA_TUNNEL_LOGIN_TIMEOUT_S: '3' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(LINK);
    expect(r.stderr).toMatch(/Open this link in your browser, log in to Cloudflare and authorize the domain of/);
    expect(r.stderr).toMatch(/The Cloudflare sign-in was not finished within 3 seconds, so nothing was created; run the command again/);
    expect(calls).toEqual(['run tunnel login', `remove ${tool}`]);
    expect(await labelled(tool)).toEqual({ containers: [], volumes: [], networks: [] });
    expect(await labelled(project)).toEqual({ containers: [], volumes: [], networks: [] });
    expect((await run(['list', '--json'])).json()).toEqual([]);
  });

  it('create --tunnel login: the link reaches the user, then create, route dns and the connector, no token anywhere', async () => {
    calls.length = 0;
    const r = await run(['create', 'test-web', '--name', name, '--domain', domain, '--tunnel', 'login'], { approve: 'example.com' });
    await r.approved;
    expect(r.stderr + r.stdout).not.toMatch(/engawa: /);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`… Sign in to Cloudflare \\(${LINK.source}\\)`));
    expect(r.stdout).toContain(`public URL: https://${domain}`);

    const recordText = await readFile(path.join(home.dir, 'instances', `${name}.json`), 'utf8');
    const record = JSON.parse(recordText) as {
      tunnel: { mode: string; name: string; tunnelId: string; volume: string; routed: string[] };
    };
    const { tunnelId, name: tunnelName } = record.tunnel;
    expect(record.tunnel).toMatchObject({ mode: 'login', volume: tool, routed: [domain] });
    expect(calls).toEqual([
      'run tunnel login',
      'run tunnel list --output json',
      `run tunnel list --name ${tunnelName} --output json`,
      `run tunnel create ${tunnelName}`,
      `run tunnel token ${tunnelId}`,
      `run tunnel route dns ${tunnelId} ${domain}`,
    ]);
    // Cloudflare's side, as the stand-in kept it in the volume
    expect(await readVolume(tool, `.standin-cloudflare/tunnels/${tunnelId}`)).toBe(`${tunnelName}\n`);
    expect(await readVolume(tool, `.standin-cloudflare/dns/${domain}`)).toBe(`CNAME ${tunnelId}.cfargotunnel.com\n`);
    expect(await readVolume(tool, '.cloudflared/cert.pem')).toMatch(/^-----BEGIN ARGO TUNNEL TOKEN-----/);

    const container = `${project}-cloudflared-1`;
    await dockerHealthy(container);
    const info = await docker().getContainer(container).inspect();
    expect(info.Config.Cmd).toEqual(['tunnel', '--no-autoupdate', '--metrics', '127.0.0.1:20241', '--config', LOGIN_CONFIG_FILE, 'run', tunnelName]);
    // the connector gets the tunnel's credentials file only: cloudflared's home with cert.pem is not mounted
    expect(info.Mounts).toEqual([]);
    expect(info.Config.Env.filter((e) => /TOKEN|CRED/.test(e))).toEqual([]);
    expect(Object.values(info.HostConfig.PortBindings ?? {}).flat()).toEqual([]);
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([`${project}_default`]);
    expect(info.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    // what the stand-in connector saw
    expect((await execOutput(container, ['cat', '/standin/argv'])).trim()).toBe(
      `--no-autoupdate tunnel --no-autoupdate --metrics 127.0.0.1:20241 --config ${LOGIN_CONFIG_FILE} run ${tunnelName}`,
    );
    expect((await execOutput(container, ['cat', '/standin/uid'])).trim()).toBe('65532');
    expect((await execOutput(container, ['cat', '/standin/home'])).trim()).toBe('no-cert.pem');
    expect((await execOutput(container, ['stat', '-c', '%a %u', LOGIN_CREDENTIALS_FILE])).trim()).toBe('400 65532');
    const credentials = JSON.parse(await execOutput(container, ['cat', '/standin/credentials.json'])) as Record<string, string>;
    expect(credentials).toEqual({ AccountTag: 'account-id', TunnelID: tunnelId, TunnelSecret: expect.stringMatching(/^[A-Za-z0-9+/]{40,}=*$/) });
    const stored = JSON.parse(await readFile(secretFile(home.dir, name), 'utf8')) as Record<string, string>;
    expect(JSON.parse(stored.tunnel_credentials ?? '{}')).toEqual(credentials);
    expect(parse(await execOutput(container, ['cat', '/standin/config.yml']))).toEqual({
      'credentials-file': LOGIN_CREDENTIALS_FILE,
      ingress: [{ hostname: domain, service: 'http://web:8080' }, { service: 'http_status:404' }],
    });
    // the sign-in's API token stays in the volume, the tunnel secret in the secret store: not in the container's definition, the output or the record
    const pem = await readVolume(tool, '.cloudflared/cert.pem');
    const { apiToken } = JSON.parse(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString()) as { apiToken: string };
    const TunnelSecret = credentials.TunnelSecret ?? '';
    for (const value of [apiToken, TunnelSecret]) {
      expect(value.length).toBeGreaterThan(20);
      for (const place of [JSON.stringify(info), r.stdout + r.stderr, recordText]) expect(place).not.toContain(value);
    }
  });

  it('running the provisioning again reuses the tunnel and changes nothing', async () => {
    const recipes = { get: () => loadRecipeFile(TEST_RECIPE), list: () => [loadRecipeFile(TEST_RECIPE)] };
    const secrets = new FileSecretStore(home.dir);
    const m = new InstanceManager({ home: home.dir, engine: () => Promise.resolve(engine), secrets, recipes, images });
    const before = await m.get(name);
    const plan = await m.planFor(name);
    const argvBefore = await readVolume(tool, '.standin-cloudflare/argv.log');
    calls.length = 0;
    const saved: unknown[] = [];
    const kept = await provisionTunnel(before.tunnel!, plan, await secrets.get(name), async (t) => void saved.push(t), {
      engine: () => Promise.resolve(engine),
      images,
    });
    expect(kept).toEqual(await secrets.get(name));
    const t = before.tunnel as { name: string; tunnelId: string };
    expect(calls).toEqual([`run tunnel list --name ${t.name} --output json`, `run tunnel token ${t.tunnelId}`, `run tunnel route dns ${t.tunnelId} ${domain}`]);
    expect(saved).toEqual([]);
    // Cloudflare's side saw only reads and an unchanged route
    const argvAfter = await readVolume(tool, '.standin-cloudflare/argv.log');
    expect(argvAfter.startsWith(argvBefore)).toBe(true);
    const commands = argvAfter.slice(argvBefore.length).trim().split('\n');
    expect(commands.map((l) => l.split(' ').slice(1, 3).join(' '))).toEqual(['tunnel list', 'tunnel token', 'tunnel route']);
    expect(await readVolume(tool, `.standin-cloudflare/dns/${domain}`)).toBe(`CNAME ${t.tunnelId}.cfargotunnel.com\n`);
    expect((await m.get(name)).tunnel).toEqual(before.tunnel);
  });

  it('a backup holds the tunnel credentials, never cert.pem, and restores over the server keeping its newer credentials', async () => {
    const backup = await run(['backup', name, '--json'], { env: ENV });
    expect(backup.code, backup.stderr).toBe(0);
    const file = (backup.json() as { path: string }).path;
    backupFile = file;
    const entries = await readRawArchive(file, PASS);
    const inFile = JSON.parse(entries.find((e) => e.name === 'secrets.json')!.data.toString('utf8')) as Record<string, string>;
    const stored = JSON.parse(await readFile(secretFile(home.dir, name), 'utf8')) as Record<string, string>;
    expect(inFile.tunnel_credentials).toBe(stored.tunnel_credentials);
    const pem = await readVolume(tool, '.cloudflared/cert.pem');
    const { apiToken } = JSON.parse(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString()) as { apiToken: string };
    for (const e of entries) expect(e.data.includes(apiToken), `${e.name} holds the sign-in`).toBe(false);
    expect(entries.map((e) => e.name).filter((n) => n.includes('cloudflared'))).toEqual([]);

    // the credentials change after the backup (the tunnel re-created, a secret rotated): the server's stay
    const newer = JSON.stringify({
      ...JSON.parse(stored.tunnel_credentials!),
      TunnelSecret: Buffer.from('a newer secret of 32 bytes......').toString('base64'),
    });
    await writeFile(secretFile(home.dir, name), JSON.stringify({ ...stored, tunnel_credentials: newer }));
    const restore = await run(['restore', file], { env: ENV });
    expect(restore.code, restore.stderr).toBe(0);
    const after = JSON.parse(await readFile(secretFile(home.dir, name), 'utf8')) as Record<string, string>;
    expect(after.tunnel_credentials).toBe(newer);
    const container = `${project}-cloudflared-1`;
    await eventually(
      async () => ((await docker().getContainer(container).inspect()).State.Health?.Status === 'healthy' ? true : undefined),
      60_000,
      'the connector healthy',
    );
    expect(await execOutput(container, ['cat', '/standin/credentials.json'])).toBe(newer);
    expect((await docker().getContainer(container).inspect()).Mounts).toEqual([]);
    expect(restore.stdout + restore.stderr).not.toContain(JSON.parse(newer).TunnelSecret);
  });

  it('on a new computer the backup restores with no sign-in: the connector runs the same tunnel from the kept credentials', async () => {
    const fresh = await tempHome();
    const other = uniqueName('cfnew');
    const otherProject = `engawa-${other}`;
    try {
      const r = await runCli(['restore', backupFile, '--name', other], {
        stdout: () => undefined,
        stderr: () => undefined,
        env: { ...process.env, ENGAWA_HOME: fresh.dir, ENGAWA_RECIPES: TEST_RECIPE, ENGAWA_IMAGES: JSON.stringify(images), ...ENV },
        engine: () => Promise.resolve(engine),
      });
      expect(r).toBe(0);
      const record = JSON.parse(await readFile(path.join(fresh.dir, 'instances', `${other}.json`), 'utf8')) as {
        tunnel: { mode: string; volume: string; name: string };
      };
      // names Docker uses are the restored server's own, never the file's
      expect(record.tunnel).toMatchObject({ mode: 'login', volume: `${otherProject}_cloudflared` });
      const container = `${otherProject}-cloudflared-1`;
      await eventually(
        async () => ((await docker().getContainer(container).inspect()).State.Health?.Status === 'healthy' ? true : undefined),
        60_000,
        'the connector healthy',
      );
      const original = JSON.parse(await readFile(secretFile(home.dir, name), 'utf8')) as Record<string, string>;
      const kept = JSON.parse(await readFile(secretFile(fresh.dir, other), 'utf8')) as Record<string, string>;
      expect(JSON.parse(kept.tunnel_credentials!).TunnelID).toBe(JSON.parse(original.tunnel_credentials!).TunnelID);
      expect((await execOutput(container, ['cat', '/standin/argv'])).trim()).toMatch(new RegExp(` run ${record.tunnel.name}$`));
      expect((await execOutput(container, ['cat', '/standin/home'])).trim()).toBe('no-cert.pem');
      // the restore made no sign-in here: no cloudflared home volume for the new server
      expect((await labelled(`${otherProject}_cloudflared`)).volumes).toEqual([]);
    } finally {
      // a throwaway: its containers go without tearing down the tunnel the original still uses
      const left = await labelled(otherProject);
      for (const c of left.containers) await docker().getContainer(c.replace(/^\//, '')).remove({ force: true });
      for (const v of left.volumes) await docker().getVolume(v).remove({ force: true });
      for (const n of left.networks) await docker().getNetwork(n).remove();
      await fresh.cleanup();
    }
  });

  it('destroy removes the connector, then deletes the tunnel with -f, names the DNS record to delete, and removes the sign-in', async () => {
    const t = JSON.parse(await readFile(path.join(home.dir, 'instances', `${name}.json`), 'utf8')) as { tunnel: { name: string; tunnelId: string } };
    calls.length = 0;
    const r = await run(['destroy', name, '--yes']);
    expect(r.code).toBe(0);
    expect(calls).toEqual([
      `remove ${project}`,
      `run tunnel list --name ${t.tunnel.name} --output json`,
      `run tunnel delete -f ${t.tunnel.tunnelId}`,
      `remove ${tool}`,
    ]);
    expect(r.stderr).toContain(`delete the CNAME record ${domain} (it points to ${t.tunnel.tunnelId}.cfargotunnel.com)`);
    expect(r.stderr).toMatch(/- Delete the DNS records Engawa made \(cloudflared cannot delete DNS records/);
    expect(await labelled(project)).toEqual({ containers: [], volumes: [], networks: [] });
    expect(await labelled(tool)).toEqual({ containers: [], volumes: [], networks: [] });
  });
});
