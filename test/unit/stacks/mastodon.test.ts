import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isEngawaError } from '../../../electron/core/util/errors';
import { mastodonRecipe as recipe } from '../../../electron/core/stacks/mastodon/recipe';
import { plan } from '../../../electron/core/stacks/plan';
import { generateSecrets } from '../../../electron/core/stacks/secrets';
import { SAMPLE_DOMAIN, imageTag, planSample, quotedEnvFileLines, quotedEnvValues, upstreamFacts } from './recipe-helpers';

interface UpstreamService {
  image: string;
  command?: string[];
  port?: number;
  healthPath?: string;
  healthcheck?: string;
  dataTarget?: string;
  uploadsTarget?: string;
}
interface UpstreamDb extends UpstreamService {
  composeImage: string;
  minimumMajor: number;
  testedMajors: number[];
  endOfLife: Record<string, string>;
}
interface MastodonFacts {
  version: string;
  services: Record<string, UpstreamService>;
  imageUser: { uid: number; home: string };
  requiredEnv: { keys: string[] };
  secretFormats: Record<string, { pattern: string }>;
  ingress: { rules: { path?: string; service: string; port: number }[] };
  setup: { admin: { output: string } };
  reservedUsernames: { value: string[] };
}

const facts = upstreamFacts<MastodonFacts>('mastodon');
const APP_SERVICES = ['web', 'streaming', 'sidekiq'];
const service = (name: string) => {
  const found = recipe.services.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
};
const healthText = (name: string) => (service(name).healthcheck?.test ?? []).join(' ');

describe('mastodon recipe against upstream facts', () => {
  it('pins the version upstream released and runs exactly upstream’s services on their images', () => {
    expect(recipe.version).toBe(facts.version);
    expect(recipe.services.map((s) => s.name).sort()).toEqual(Object.keys(facts.services).sort());
    for (const [name, up] of Object.entries(facts.services)) expect(service(name).image, name).toBe(up.image);
  });

  it('runs web, streaming and sidekiq on one tag with upstream’s commands', () => {
    expect(new Set(APP_SERVICES.map((n) => imageTag(service(n).image)))).toEqual(new Set([facts.version]));
    for (const name of APP_SERVICES) expect(service(name).command, name).toEqual(facts.services[name]?.command);
  });

  it('runs the newest PostgreSQL major upstream tests, not the end-of-life one of upstream’s compose', () => {
    const db = facts.services.db as UpstreamDb;
    const major = (image: string) => Number(/^(\d+)/.exec(imageTag(image) ?? '')?.[1]);
    const chosen = major(service('db').image);
    expect(chosen).toBe(Math.max(...db.testedMajors));
    expect(chosen).toBeGreaterThanOrEqual(db.minimumMajor);
    expect(Object.keys(db.endOfLife)).not.toContain(String(chosen));
    // the reason for leaving upstream's compose: its major is past its end of life
    expect(Object.keys(db.endOfLife)).toContain(String(major(db.composeImage)));
  });

  it('pins every image to an exact tag', () => {
    for (const s of recipe.services) {
      const tag = imageTag(s.image);
      expect(tag, s.image).toBeDefined();
      expect(tag, s.image).not.toBe('latest');
    }
  });

  it('checks health where upstream does: web /health on 3000, streaming on 4000, the Sidekiq 8 process', () => {
    const web = facts.services.web as UpstreamService;
    const streaming = facts.services.streaming as UpstreamService;
    expect(recipe.web).toMatchObject({ service: 'web', healthPath: web.healthPath, publicHost: '{{domain}}' });
    expect(healthText('web')).toContain(`localhost:${web.port}${web.healthPath}`);
    expect(healthText('streaming')).toContain(`localhost:${streaming.port}${streaming.healthPath}`);
    expect(healthText('sidekiq')).toContain('[s]idekiq 8');
    expect(healthText('db')).toContain('pg_isready -h 127.0.0.1');
    expect(healthText('redis')).toContain('redis-cli');
    for (const s of recipe.services) expect(s.healthcheck?.test.length, s.name).toBeGreaterThan(1);
  });

  it('gives every Mastodon process the env keys upstream requires', () => {
    for (const name of APP_SERVICES) {
      expect(Object.keys(service(name).env ?? {}), name).toEqual(expect.arrayContaining(facts.requiredEnv.keys));
    }
  });

  it('routes /api/v1/streaming to streaming:4000 before the catch-all to web:3000', () => {
    expect(recipe.ingress.map((r) => ({ ...(r.path !== undefined && { path: r.path }), service: r.service, port: r.port }))).toEqual(facts.ingress.rules);
    const streamingRule = recipe.ingress.findIndex((r) => r.service === 'streaming');
    const catchAll = recipe.ingress.findIndex((r) => r.path === undefined);
    expect(streamingRule).toBeGreaterThanOrEqual(0);
    expect(streamingRule).toBeLessThan(catchAll);
    for (const r of recipe.ingress) expect(r.hostname).toBe('{{domain}}');
  });

  it('mounts uploads where upstream does, with the remote-media cache on its own volume left out of backups', () => {
    const upstreamTarget = (facts.services.web as UpstreamService).uploadsTarget as string;
    const inImage = (target: string) => target.replace(facts.imageUser.home, '/mastodon');
    for (const name of ['web', 'sidekiq']) {
      const mounts = service(name).mounts ?? [];
      expect(
        mounts.map((m) => [m.volume, inImage(m.target)]),
        name,
      ).toEqual([
        ['uploads', upstreamTarget],
        ['media-cache', `${upstreamTarget}/cache`],
      ]);
    }
    const volumes = Object.fromEntries(recipe.volumes.map((v) => [v.name, v]));
    expect(volumes.uploads).toMatchObject({ backup: 'data', ownerUid: facts.imageUser.uid });
    expect(volumes['media-cache']).toMatchObject({ backup: 'cache', ownerUid: facts.imageUser.uid });
    expect(service('db').mounts).toEqual([{ volume: 'db-data', target: facts.services.db?.dataTarget }]);
  });
});

describe('mastodon plan for a sample domain', () => {
  it('plans without errors and puts the domain into LOCAL_DOMAIN', () => {
    const { plan: p } = planSample(recipe);
    expect(p.stackVersion).toBe(facts.version);
    for (const name of APP_SERVICES) expect(p.services.find((s) => s.name === name)?.env.LOCAL_DOMAIN).toBe(SAMPLE_DOMAIN);
    expect(p.ingress.map((r) => r.hostname)).toEqual([SAMPLE_DOMAIN, SAMPLE_DOMAIN]);
  });

  it('writes env values and env files without quotes or line breaks', () => {
    const { plan: p } = planSample(recipe);
    expect(quotedEnvValues(p)).toEqual([]);
    expect(quotedEnvFileLines(p)).toEqual([]);
  });

  it('gives the database password to PostgreSQL and to Mastodon alike, marked secret', () => {
    const { plan: p, secrets } = planSample(recipe);
    const db = p.services.find((s) => s.name === 'db');
    const web = p.services.find((s) => s.name === 'web');
    // PostgreSQL reads it from a 0400 file (out of `docker inspect`); Mastodon only from its env
    expect(db?.env.POSTGRES_PASSWORD).toBeUndefined();
    const file = db?.files.find((f) => f.path === db.env.POSTGRES_PASSWORD_FILE);
    expect(file).toMatchObject({ content: secrets.db_password, mode: 0o400, uid: 0, gid: 0, secret: true });
    expect(web?.env.DB_PASS).toBe(secrets.db_password);
    expect(web?.env.DB_USER).toBe(db?.env.POSTGRES_USER);
    expect(web?.env.DB_NAME).toBe(db?.env.POSTGRES_DB);
    expect(web?.secretEnv).toEqual(expect.arrayContaining(['SECRET_KEY_BASE', 'DB_PASS', 'VAPID_PRIVATE_KEY']));
  });

  it('publishes no port but web’s', () => {
    const published = planSample(recipe).plan.services.flatMap((s) => s.ports.map((port) => `${s.name}:${port.container}`));
    expect(published).toEqual(['web:3000']);
  });

  it('creates the uploads volumes owned by uid 991', () => {
    const volumes = planSample(recipe).plan.volumes;
    for (const key of ['uploads', 'media-cache']) {
      expect(
        volumes.find((v) => v.key === key),
        key,
      ).toMatchObject({ ownerUid: 991, ownerGid: 991 });
    }
  });
});

describe('mastodon secrets', () => {
  const { plan: planned, secrets } = planSample(recipe);
  const webEnv = planned.services.find((s) => s.name === 'web')?.env ?? {};

  it('generates every secret in the format the Ruby tasks produce', () => {
    for (const [key, { pattern }] of Object.entries(facts.secretFormats)) {
      expect(webEnv[key], key).toMatch(new RegExp(pattern));
    }
    expect(secrets.secret_key_base).toHaveLength(128);
    for (const name of ['ar_deterministic_key', 'ar_key_derivation_salt', 'ar_primary_key']) expect(secrets[name]).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('generates a VAPID pair whose public key verifies what the private key signs', () => {
    const b64 = (s: string) => Buffer.from(s, 'base64url');
    const pub = b64(secrets.vapid_public_key as string);
    expect(pub).toHaveLength(65);
    expect(pub[0]).toBe(0x04);
    const jwk = { kty: 'EC', crv: 'P-256', x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33).toString('base64url') };
    const d = b64(secrets.vapid_private_key as string).toString('base64url');
    const signature = sign('sha256', Buffer.from('engawa'), createPrivateKey({ key: { ...jwk, d }, format: 'jwk' }));
    expect(verify('sha256', Buffer.from('engawa'), createPublicKey({ key: jwk, format: 'jwk' }), signature)).toBe(true);
    expect(verify('sha256', Buffer.from('other'), createPublicKey({ key: jwk, format: 'jwk' }), signature)).toBe(false);
  });

  it('never replaces secrets that exist (changing them would lock users out)', () => {
    expect(generateSecrets(recipe, secrets)).toEqual(secrets);
  });
});

describe('mastodon setup steps', () => {
  const steps = (when: string) => recipe.setup.filter((s) => s.when === when);
  const text = (command: string[]) => command.join(' ');

  it('prepares the schema without db:setup, then creates and approves the owner', () => {
    const create = steps('create');
    expect(create.map((s) => s.name)).toEqual(['database', 'admin-account', 'admin-approve']);
    for (const s of recipe.setup) expect(text(s.command)).not.toMatch(/db:(setup|reset|drop|schema:load)/);
    expect(create[0]).toMatchObject({ kind: 'run', service: 'web', phase: 'before-start', needs: ['db', 'redis'] });
    expect(text(create[0]?.command ?? [])).toBe('bundle exec rails db:prepare');
    expect(text(create[1]?.command ?? [])).toMatch(/bin\/tootctl accounts create "\$ADMIN_USER" --email .* --confirmed --role Owner/);
    expect(create[2]?.command).toEqual(['bin/tootctl', 'accounts', 'approve', '{{setting.admin_user}}']);
    expect(create.slice(1).every((s) => s.admin === true)).toBe(true);
  });

  it('passes the owner’s name and e-mail to tootctl from the settings', () => {
    const { plan: p } = planSample(recipe, { admin_user: 'taro', admin_email: 'taro@example.org' });
    const admin = p.setup.find((s) => s.name === 'admin-account');
    expect(admin?.env).toEqual({ ADMIN_USER: 'taro', ADMIN_EMAIL: 'taro@example.org' });
    expect(p.setup.find((s) => s.name === 'admin-approve')?.command).toEqual(['bin/tootctl', 'accounts', 'approve', 'taro']);
  });

  it('refuses owner names that Mastodon reserves', () => {
    const secrets = generateSecrets(recipe, {});
    for (const name of facts.reservedUsernames.value) {
      try {
        plan(recipe, { instance: 'home', domain: SAMPLE_DOMAIN, secrets, settings: { admin_user: name } });
        expect.unreachable(`${name} was accepted`);
      } catch (e) {
        expect(isEngawaError(e, 'INVALID_INPUT'), name).toBe(true);
      }
    }
    expect(facts.reservedUsernames.value).not.toContain(recipe.settings?.find((s) => s.name === 'admin_user')?.default);
  });

  it('upgrades with pre-deployment migrations before start and the rest once healthy', () => {
    const [pre] = steps('pre-upgrade');
    const [post] = steps('post-upgrade');
    expect(pre).toMatchObject({ phase: 'before-start', env: { SKIP_POST_DEPLOYMENT_MIGRATIONS: 'true' } });
    expect(text(pre?.command ?? [])).toBe('bundle exec rails db:migrate');
    expect(post).toMatchObject({ phase: 'after-healthy' });
    expect(post?.env?.SKIP_POST_DEPLOYMENT_MIGRATIONS).toBeUndefined();
    expect(text(post?.command ?? [])).toBe('bundle exec rails db:migrate');
  });
});
