import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { misskeyRecipe as recipe } from '../../../electron/core/stacks/misskey/recipe';
import { render } from '../../../electron/core/stacks/template';
import { SAMPLE_DOMAIN, imageTag, planSample, quotedEnvFileLines, quotedEnvValues, upstreamFacts } from './recipe-helpers';

interface UpstreamService {
  image: string;
  port?: number;
  healthPath?: string;
  dataTarget?: string;
  filesTarget?: string;
  configPath?: string;
}
interface MisskeyFacts {
  version: string;
  services: Record<string, UpstreamService>;
  imageUser: { uid: number };
  config: { requiredKeys: string[]; id: string };
  firstAdmin: { path: string; body: string[]; usernamePattern: string; responseToken: string };
  federation: { path: string; field: string; values: string[] };
  ingress: { rules: { service: string; port: number }[] };
}

interface MisskeyConfig {
  url: string;
  port: number;
  db: { host: string; port: number; db: string; user: string; pass: string };
  redis: { host: string; port: number };
  id: string;
  setupPassword: string;
}

const facts = upstreamFacts<MisskeyFacts>('misskey');
const upWeb = facts.services.web as UpstreamService;
const service = (name: string) => {
  const found = recipe.services.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
};

/** The planned default.yml, parsed, with the plan and secrets it came from. */
function plannedConfig(settings: Record<string, string> = {}) {
  const { plan, secrets } = planSample(recipe, settings);
  const web = plan.services.find((s) => s.name === 'web');
  const file = web?.files.find((f) => f.path === upWeb.configPath);
  if (file === undefined) throw new Error('no default.yml in the plan');
  return { plan, secrets, file, config: parse(file.content) as MisskeyConfig };
}

describe('misskey recipe against upstream facts', () => {
  it('pins the released version and runs upstream’s services on their images', () => {
    expect(recipe.version).toBe(facts.version);
    expect(recipe.services.map((s) => s.name).sort()).toEqual(Object.keys(facts.services).sort());
    for (const [name, up] of Object.entries(facts.services)) expect(service(name).image, name).toBe(up.image);
  });

  it('pins every image to an exact tag', () => {
    for (const s of recipe.services) {
      const tag = imageTag(s.image);
      expect(tag, s.image).toBeDefined();
      expect(tag, s.image).not.toBe('latest');
    }
    expect(imageTag(service('web').image)).toBe(facts.version);
  });

  it('checks health on /healthz at 3000 as the image’s healthcheck.sh does, and every service has a check', () => {
    expect(recipe.web).toMatchObject({ service: 'web', port: 'web', healthPath: upWeb.healthPath, publicHost: '{{domain}}' });
    expect(service('web').ports).toEqual([{ container: upWeb.port, name: 'web' }]);
    expect(service('web').healthcheck?.test.join(' ')).toContain(`localhost:${upWeb.port}${upWeb.healthPath}`);
    expect(service('db').healthcheck?.test.join(' ')).toContain('pg_isready -h 127.0.0.1');
    expect(service('redis').healthcheck?.test.join(' ')).toContain('redis-cli');
    for (const s of recipe.services) expect(s.healthcheck?.test.length, s.name).toBeGreaterThan(1);
  });

  it('mounts data where upstream does, with the files volume owned by the image’s user', () => {
    expect(service('db').mounts).toEqual([{ volume: 'db-data', target: facts.services.db?.dataTarget }]);
    expect(service('redis').mounts).toEqual([{ volume: 'redis-data', target: facts.services.redis?.dataTarget }]);
    expect(service('web').mounts).toEqual([{ volume: 'files', target: upWeb.filesTarget }]);
    expect(recipe.volumes.find((v) => v.name === 'files')).toMatchObject({ backup: 'data', ownerUid: facts.imageUser.uid });
  });

  it('lets the image migrate at start: no setup container and no command override', () => {
    expect(recipe.setup).toEqual([]);
    expect(service('web').command).toBeUndefined();
  });

  it('routes the whole domain to web:3000 with a single rule', () => {
    expect(recipe.ingress.map((r) => ({ service: r.service, port: r.port }))).toEqual(facts.ingress.rules);
    expect(recipe.ingress.map((r) => r.hostname)).toEqual(['{{domain}}']);
  });

  it('says that x86-64 processors need SSE4.2, in both languages', () => {
    const [requirement] = recipe.requires ?? [];
    expect(requirement?.check).toBe('x86-64-sse4.2');
    expect(requirement?.note.en).toContain('SSE4.2');
    expect(requirement?.note.ja).toContain('SSE4.2');
  });
});

describe('misskey default.yml', () => {
  it('is written where the image reads it, readable only by the misskey user, and marked secret', () => {
    const { file } = plannedConfig();
    expect(file).toMatchObject({ mode: 0o400, uid: facts.imageUser.uid, gid: facts.imageUser.uid, secret: true });
  });

  it('points at the public URL, port 3000, the db and redis services and the aidx id', () => {
    const { config, secrets, file } = plannedConfig();
    for (const key of facts.config.requiredKeys) expect(config, key).toHaveProperty(key);
    expect(config.url).toBe(`https://${SAMPLE_DOMAIN}/`);
    expect(config.port).toBe(upWeb.port);
    expect(file.content).toMatch(/^port: 3000$/m); // healthcheck.sh greps '^port:'
    expect(config.db).toEqual({ host: 'db', port: 5432, db: 'misskey', user: 'misskey', pass: secrets.db_password });
    expect(config.redis).toEqual({ host: 'redis', port: 6379 });
    expect(config.id).toBe(facts.config.id);
    expect(config.setupPassword).toBe(secrets.setup_password);
  });

  it('uses the credentials the database container is created with', () => {
    const { config, plan } = plannedConfig();
    const db = plan.services.find((s) => s.name === 'db');
    expect(db?.env).toEqual({ POSTGRES_USER: config.db.user, POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password', POSTGRES_DB: config.db.db });
    expect(db?.secretEnv).toEqual([]);
    expect(db?.files).toEqual([{ path: '/run/secrets/postgres_password', content: config.db.pass, mode: 0o400, uid: 0, gid: 0, secret: true }]);
  });
});

describe('misskey plan for a sample domain', () => {
  it('writes env values without quotes and publishes no port but web’s', () => {
    const { plan } = planSample(recipe);
    expect(quotedEnvValues(plan)).toEqual([]);
    expect(quotedEnvFileLines(plan)).toEqual([]);
    expect(plan.services.flatMap((s) => s.ports.map((p) => `${s.name}:${p.container}`))).toEqual(['web:3000']);
    expect(plan.volumes.find((v) => v.key === 'files')).toMatchObject({ ownerUid: 991, ownerGid: 991 });
  });

  it('generates secrets of the right shape', () => {
    const { secrets } = planSample(recipe);
    expect(secrets.db_password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(secrets.setup_password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect((secrets.admin_password ?? '').length).toBeGreaterThanOrEqual(20);
    expect(recipe.admin.passwordSecret).toBe('admin_password');
  });
});

describe('misskey first administrator and federation (HTTP steps)', () => {
  const [admin, federation] = recipe.http ?? [];

  it('creates the first administrator with the body upstream’s endpoint takes', () => {
    expect(admin).toMatchObject({ path: facts.firstAdmin.path, when: 'create', admin: true });
    expect(Object.keys(admin?.body ?? {}).sort()).toEqual([...facts.firstAdmin.body].sort());
  });

  it('turns federation on with the token the first call returns', () => {
    expect(federation).toMatchObject({ path: facts.federation.path, when: 'create', admin: true });
    expect(facts.federation.values).toContain(federation?.body[facts.federation.field]);
    expect(federation?.body[facts.federation.field]).toBe('all');
    expect(federation?.bodyFromResponse).toEqual({ step: admin?.name, field: facts.firstAdmin.responseToken, as: 'i' });
  });

  it('renders the body from the settings and secrets the plan uses', () => {
    const { plan, secrets } = planSample(recipe, { admin_user: 'hanako' });
    const ctx = {
      domain: plan.domain,
      instance: plan.instance,
      project: plan.project,
      hosts: {},
      secrets,
      settings: { admin_user: 'hanako' },
      services: plan.services.map((s) => s.name),
    };
    const body = Object.fromEntries(Object.entries(admin?.body ?? {}).map(([k, v]) => [k, typeof v === 'string' ? render(v, ctx).value : v]));
    expect(body).toEqual({ username: 'hanako', password: secrets.admin_password, setupPassword: secrets.setup_password });
    expect(body.username).toMatch(new RegExp(facts.firstAdmin.usernamePattern));
  });

  it('accepts only user names the endpoint accepts', () => {
    const setting = recipe.settings?.find((s) => s.name === 'admin_user');
    const ours = new RegExp(`^(?:${setting?.pattern})$`);
    const upstream = new RegExp(facts.firstAdmin.usernamePattern);
    for (const name of ['admin', 'Hanako_2', 'a', 'x'.repeat(20), 'x'.repeat(21), 'bad-name', 'ä', '']) {
      expect(ours.test(name), name).toBe(upstream.test(name));
    }
    expect(upstream.test(setting?.default ?? '')).toBe(true);
  });
});
