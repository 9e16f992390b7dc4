import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { composeProject, writeComposeProject } from '../../../electron/core/stacks/compose';
import { plan } from '../../../electron/core/stacks/plan';
import type { Recipe } from '../../../electron/core/stacks/types';

const recipe = JSON.parse(readFileSync(new URL('../../fixtures/recipes/test-web.json', import.meta.url), 'utf8')) as Recipe;
const SECRETS = { db_password: 'dbpassword0123456789', app_secret: 'appsecret$abc#def0123' };
const testPlan = (r: Recipe = recipe) =>
  plan(r, {
    instance: 'demo',
    domain: 'social.example.com',
    secrets: SECRETS,
    images: { 'docker.io/library/postgres:15': 'local/postgres:15' },
    ports: { http: 18080 },
  });

/** Reads an env file the way compose does for the forms we write (plain, or single-quoted literal). */
function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [key, ...rest] = l.split('=');
        const raw = rest.join('=');
        return [key, raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1) : raw];
      }),
  );
}

describe('composeProject', () => {
  const p = testPlan();
  const byPath = (files: { path: string; content: string; mode: number }[]) => new Map(files.map((f) => [f.path, f]));
  const files = byPath(composeProject(p, { reveal: true }).files);
  const doc = YAML.parse(files.get('compose.yaml')!.content);

  it('names the project (in .env, which compose v1 and v2 read), network and volumes as the app does', () => {
    expect(doc.name).toBeUndefined();
    expect(files.get('.env')!.content).toBe('COMPOSE_PROJECT_NAME=engawa-demo\n');
    expect(doc.networks.default.name).toBe('engawa-demo_default');
    expect(doc.volumes.db).toMatchObject({ name: 'engawa-demo_db', external: false });
    expect(Object.keys(doc.volumes)).toEqual(['db', 'redis', 'cache']);
  });

  it('describes each service: the image in use, loopback ports, health checks, dependencies, policies', () => {
    expect(Object.keys(doc.services)).toEqual(['db', 'redis', 'web', 'setup-create-notes-table']);
    const web = doc.services.web;
    expect(web.image).toBe('docker.io/library/busybox:1');
    expect(doc.services.db.image).toBe('local/postgres:15'); // the image map the instance uses
    expect(web.container_name).toBe('engawa-demo-web-1');
    expect(web.command).toEqual(['httpd', '-f', '-v', '-p', '8080', '-h', '/www']);
    expect(web.ports).toEqual(['127.0.0.1:18080:8080']);
    expect(web.healthcheck).toMatchObject({ interval: '500ms', timeout: '5s', retries: 20, start_period: '30s' });
    expect(web.healthcheck.test[0]).toBe('CMD-SHELL');
    expect(web.depends_on).toEqual({ db: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    expect(web).toMatchObject({ init: true, restart: 'unless-stopped', stop_grace_period: '5s', env_file: ['env/web.env'] });
    expect(web.labels).toMatchObject({ 'app.engawa.managed': 'true', 'app.engawa.instance': 'demo', 'app.engawa.stack': 'test-web' });
    expect(web.volumes).toContainEqual({ type: 'volume', source: 'cache', target: '/cache' });
    expect(web.volumes).toContainEqual({ type: 'bind', source: './files/web/www/index.html', target: '/www/index.html', read_only: true });
    expect(doc.services.db.healthcheck.test).toEqual(['CMD-SHELL', 'pg_isready -h 127.0.0.1 -U app -d app']);
  });

  it('turns run setup steps into services only `docker compose run` starts', () => {
    const step = doc.services['setup-create-notes-table'];
    expect(step).toMatchObject({ profiles: ['setup'], restart: 'no', depends_on: { db: { condition: 'service_healthy' } } });
    expect(step.env_file).toEqual(['env/db.env', 'env/setup-create-notes-table.env']);
    expect(files.get('README.md')!.content).toContain('docker compose run --rm setup-create-notes-table');
  });

  it('writes env files with the real values, 0600, and files under files/<service>/', () => {
    expect(parseEnv(files.get('env/db.env')!.content)).toEqual({ POSTGRES_USER: 'app', POSTGRES_DB: 'app', POSTGRES_PASSWORD: SECRETS.db_password });
    expect(parseEnv(files.get('env/web.env')!.content)).toEqual({ APP_SECRET: SECRETS.app_secret });
    expect(files.get('env/web.env')!.content).toBe(`APP_SECRET='${SECRETS.app_secret}'\n`);
    expect(files.get('env/db.env')!.mode).toBe(0o600);
    expect(files.get('env/setup-create-notes-table.env')!.content).toBe(`PGPASSWORD=${SECRETS.db_password}\n`);
    expect(files.get('files/web/www/index.html')!.content).toContain('social.example.com');
  });

  it('never puts a secret into compose.yaml or README.md, and redacts env files unless revealed', () => {
    for (const name of ['compose.yaml', 'README.md']) {
      for (const secret of Object.values(SECRETS)) expect(files.get(name)!.content).not.toContain(secret);
    }
    const hidden = byPath(composeProject(p).files);
    expect(parseEnv(hidden.get('env/db.env')!.content).POSTGRES_PASSWORD).toBe('[redacted]');
    expect(hidden.get('compose.yaml')!.content).toBe(files.get('compose.yaml')!.content);
  });

  it('escapes $ for compose interpolation', () => {
    const r = structuredClone(recipe);
    r.services[1]!.healthcheck!.test = ['CMD-SHELL', 'redis-cli -h $HOSTNAME ping'];
    const yaml = composeProject(testPlan(r)).files.find((f) => f.path === 'compose.yaml')!.content;
    expect(YAML.parse(yaml).services.redis.healthcheck.test[1]).toBe('redis-cli -h $$HOSTNAME ping');
  });

  it('refuses env values with line breaks', () => {
    const withNewline = plan(recipe, {
      instance: 'demo',
      domain: 'social.example.com',
      secrets: SECRETS,
      overrides: [{ service: 'web', key: 'X', value: 'a\nb' }],
    });
    expect(() => composeProject(withNewline)).toThrow(/line break/);
  });
});

describe('writeComposeProject', () => {
  const roots: string[] = [];
  afterAll(async () => {
    for (const r of roots) await rm(r, { recursive: true, force: true });
  });
  const tempRoot = async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'engawa-compose-'));
    roots.push(root);
    return root;
  };

  it('writes every file with its mode into a new folder, with real secrets', async () => {
    const dir = path.join(await tempRoot(), 'export');
    const written = await writeComposeProject(testPlan(), dir);
    expect(written).toContain('compose.yaml');
    expect((await stat(path.join(dir, 'env/db.env'))).mode & 0o777).toBe(0o600);
    expect(await readFile(path.join(dir, 'env/db.env'), 'utf8')).toContain(SECRETS.db_password);
    expect(await readFile(path.join(dir, 'files/web/www/health'), 'utf8')).toBe('ok\n');
    expect((await readdir(path.dirname(dir))).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('accepts an existing empty folder and refuses a non-empty one', async () => {
    const root = await tempRoot();
    const empty = path.join(root, 'empty');
    await mkdir(empty);
    await writeComposeProject(testPlan(), empty);
    expect(await readdir(empty)).toContain('compose.yaml');
    const full = path.join(root, 'full');
    await mkdir(full);
    await writeFile(path.join(full, 'keep.txt'), 'mine');
    await expect(writeComposeProject(testPlan(), full)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await readdir(full)).toEqual(['keep.txt']);
  });
});
