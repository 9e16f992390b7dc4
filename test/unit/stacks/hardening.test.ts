/**
 * Issue 14, items 6 and 7, on the plan: every service of every stack (with either tunnel connector)
 * shows no secret in what `docker inspect` shows (Config.Env, Cmd, Entrypoint, the health check)
 * except the env variables its recipe lists with a reason; PostgreSQL's password is a 0400 file;
 * every container drops all capabilities and adds back only its recipe's; plan() refuses a secret
 * anywhere else, from the recipe (INTERNAL) or from an override (INVALID_INPUT).
 */
import { describe, expect, it } from 'vitest';
import { capabilities, serviceContainerSpec, SECURITY_OPT, taskContainerSpec } from '../../../electron/core/engine/spec';
import { assertRecipe } from '../../../electron/core/stacks/assert-recipe';
import { blueskyRecipe } from '../../../electron/core/stacks/bluesky/recipe';
import { composeProject } from '../../../electron/core/stacks/compose';
import { DOCKER_DEFAULT_CAPS } from '../../../electron/core/stacks/hardening';
import { mastodonRecipe } from '../../../electron/core/stacks/mastodon/recipe';
import { misskeyRecipe } from '../../../electron/core/stacks/misskey/recipe';
import { plan } from '../../../electron/core/stacks/plan';
import { generateSecrets } from '../../../electron/core/stacks/secrets';
import { POSTGRES_CAPS, POSTGRES_PASSWORD_FILE, REDIS_CAPS } from '../../../electron/core/stacks/shared-services';
import type { Recipe } from '../../../electron/core/stacks/types';
import { withConnector } from '../../../electron/core/tunnel/connector';
import { withLoginConnector } from '../../../electron/core/tunnel/login-connector';
import { isEngawaError } from '../../../electron/core/util/errors';
import type { Plan } from '../../../electron/core/plan/types';
import { SAMPLE_DOMAIN } from './recipe-helpers';

const SHIPPED = [mastodonRecipe, misskeyRecipe, blueskyRecipe];

/** Each shipped stack alone, with the token connector and with the sign-in connector. */
const VARIANTS: [string, Recipe][] = SHIPPED.flatMap((r): [string, Recipe][] => [
  [r.id, r],
  [`${r.id} + token tunnel`, withConnector(r, { protocol: 'auto' })],
  [`${r.id} + sign-in tunnel`, withLoginConnector(r, { protocol: 'auto', tunnelName: 'engawa-home', tunnelId: '6ff42ae2-765d-4adf-8112-31c55c1551ef' })],
]);

function planOf(recipe: Recipe): { plan: Plan; secrets: Record<string, string> } {
  const secrets = generateSecrets(recipe, {});
  return { plan: plan(recipe, { instance: 'home', domain: SAMPLE_DOMAIN, secrets }), secrets };
}

/**
 * What `docker inspect` of the container shows that may hold a secret, minus the listed env
 * variables: `NAME=value` lines of Config.Env, and Cmd, Entrypoint and the health check's words.
 */
function shown(
  spec: { Env?: string[]; Cmd?: string[] | string; Entrypoint?: string[] | string; Healthcheck?: { Test?: string[] } },
  listed: Record<string, string>,
): string[] {
  const words = (v: string[] | string | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const env = (spec.Env ?? []).filter((line) => !Object.hasOwn(listed, line.slice(0, line.indexOf('='))));
  return [...env, ...words(spec.Cmd), ...words(spec.Entrypoint), ...words(spec.Healthcheck?.Test)];
}

describe('docker inspect of every service of every stack', () => {
  it.each(VARIANTS)('%s: no secret in Env, Cmd, Entrypoint or the health check but the listed env variables', (_name, recipe) => {
    const { plan: p, secrets } = planOf(recipe);
    const values = Object.values(secrets).filter((v) => v.length >= 8);
    expect(values.length).toBeGreaterThanOrEqual(recipe.secrets.length - 1); // the walk searches real values
    for (const s of p.services) {
      const spec = recipe.services.find((x) => x.name === s.name)!;
      const listed = spec.envSecrets ?? {};
      const containers = [
        serviceContainerSpec(p, s),
        ...p.setup.filter((st) => st.service === s.name && st.kind === 'run').map((st) => taskContainerSpec(p, s, st, 'task', false)),
      ];
      for (const c of containers) {
        const leaks = shown(c, listed).filter((text) => values.some((v) => text.includes(v)));
        expect(leaks, `${s.name}: ${leaks.map((l) => l.split('=')[0]).join(', ')}`).toEqual([]);
      }
      // a file holding a secret is readable by its owner only
      for (const f of s.files.filter((x) => x.secret)) expect(f.mode, `${s.name} ${f.path}`).toBe(0o400);
      // every listed variable says why, and lists something the service really has
      for (const [key, why] of Object.entries(listed)) {
        expect(why.length, `${s.name}.${key}`).toBeGreaterThan(10);
        expect(Object.keys(s.env), `${s.name}.${key}`).toContain(key);
      }
    }
  });

  it('keeps the listed ones to what the images cannot read from a file: Mastodon’s app env and the PDS’s keys, nothing of PostgreSQL, Redis, Misskey or cloudflared', () => {
    const listed = VARIANTS.flatMap(([, r]) => r.services.flatMap((s) => Object.keys(s.envSecrets ?? {}).map((k) => `${r.id}/${s.name}.${k}`)));
    const services = new Set(listed.map((l) => l.split('.')[0]));
    expect([...services].sort()).toEqual(['bluesky/pds', 'mastodon/sidekiq', 'mastodon/streaming', 'mastodon/web']);
    expect(listed).toContain('mastodon/web.DB_PASS');
    expect(listed).toContain('bluesky/pds.PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX');
  });

  it.each([mastodonRecipe, misskeyRecipe])('$id: PostgreSQL reads its password from a 0400 root file named by POSTGRES_PASSWORD_FILE', (recipe) => {
    const { plan: p, secrets } = planOf(recipe);
    const db = p.services.find((s) => s.name === 'db')!;
    expect(db.env).not.toHaveProperty('POSTGRES_PASSWORD');
    expect(db.env.POSTGRES_PASSWORD_FILE).toBe(POSTGRES_PASSWORD_FILE);
    expect(db.files).toEqual([{ path: POSTGRES_PASSWORD_FILE, content: secrets.db_password, mode: 0o400, uid: 0, gid: 0, secret: true }]);
    // the password changes with the secret store, so a restore or an update writes the current one
    const other = plan(recipe, { instance: 'home', domain: SAMPLE_DOMAIN, secrets: { ...secrets, db_password: 'another-password-0123456789' } });
    const db2 = other.services.find((s) => s.name === 'db')!;
    expect(db2.files[0]!.content).toBe('another-password-0123456789');
    expect(db2.configHash).not.toBe(db.configHash);
  });

  it('the token and the sign-in connector read their credentials from 0400 files of cloudflared’s user, never env', () => {
    for (const [, recipe] of VARIANTS.filter(([name]) => name.includes('tunnel'))) {
      const { plan: p } = planOf(recipe);
      const c = p.services.find((s) => s.name === 'cloudflared')!;
      expect(c.secretEnv).toEqual([]);
      const secretFiles = c.files.filter((f) => f.secret);
      expect(secretFiles).toHaveLength(1);
      expect(secretFiles[0]).toMatchObject({ mode: 0o400, uid: 65532, gid: 65532 });
    }
  });
});

describe('capabilities', () => {
  it.each(VARIANTS)('%s: every container drops all, adds back only the recipe’s, and may not gain privileges', (_name, recipe) => {
    const { plan: p } = planOf(recipe);
    for (const s of p.services) {
      const host = serviceContainerSpec(p, s).HostConfig!;
      expect(host.CapDrop).toEqual(['ALL']);
      expect(host.SecurityOpt).toEqual(SECURITY_OPT);
      const expected = { db: POSTGRES_CAPS, redis: REDIS_CAPS }[s.name] ?? [];
      expect([...(host.CapAdd ?? [])].sort(), s.name).toEqual([...expected].sort());
      for (const step of p.setup.filter((st) => st.service === s.name && st.kind === 'run')) {
        expect(taskContainerSpec(p, s, step, 'task', false).HostConfig).toMatchObject(capabilities(s));
      }
    }
  });

  it('writes the same into the compose export, for services and setup steps', () => {
    const { plan: p } = planOf(mastodonRecipe);
    const yaml = composeProject(p).files.find((f) => f.path === 'compose.yaml')!.content;
    const db = yaml.slice(yaml.indexOf('\n  db:'), yaml.indexOf('\n  redis:'));
    expect(db).toMatch(/cap_drop:\n\s+- ALL\n\s+cap_add:\n\s+- CHOWN\n\s+- DAC_OVERRIDE\n\s+- SETGID\n\s+- SETUID/);
    const web = yaml.slice(yaml.indexOf('\n  web:'), yaml.indexOf('\n  streaming:'));
    expect(web).toContain('cap_drop:');
    expect(web).not.toContain('cap_add');
    expect((yaml.match(/cap_drop:/g) ?? []).length).toBe(p.services.length + p.setup.filter((s) => s.kind === 'run').length);
  });

  it('refuses a capability beyond Docker’s defaults as a recipe bug', () => {
    const bad = { ...misskeyRecipe, services: misskeyRecipe.services.map((s) => (s.name === 'web' ? { ...s, capAdd: ['SYS_ADMIN'] } : s)) };
    expect(() => planOf(bad)).toThrow(/SYS_ADMIN.*not one of Docker's defaults/);
    expect(DOCKER_DEFAULT_CAPS).not.toContain('DAC_READ_SEARCH');
  });

  it('refuses Docker’s init over an entrypoint that steps down to another user (SETUID) unless the init may signal it (KILL)', () => {
    const stepsDown = (extra: Partial<Recipe['services'][number]>) => ({
      ...misskeyRecipe,
      services: misskeyRecipe.services.map((s) => (s.name === 'web' ? { ...s, capAdd: ['SETGID', 'SETUID'], ...extra } : s)),
    });
    expect(() => planOf(stepsDown({ init: true }))).toThrow(/"web" runs under Docker's init with SETUID but not KILL/);
    expect(() => planOf(stepsDown({ init: false }))).not.toThrow();
    expect(() => planOf(stepsDown({ init: true, capAdd: ['KILL', 'SETGID', 'SETUID'] }))).not.toThrow();
    expect(() => planOf(stepsDown({ init: undefined }))).toThrow(/runs under Docker's init/); // on unless the recipe says no
    // the stores of every stack are their own process 1, as upstream runs them
    for (const recipe of [mastodonRecipe, misskeyRecipe]) {
      for (const s of planOf(recipe).plan.services.filter((x) => x.name === 'db' || x.name === 'redis')) expect(s.init, `${recipe.id} ${s.name}`).toBe(false);
    }
  });

  it('recipe files may declare capAdd and envSecrets, and a malformed capability is refused with its path', () => {
    const base = JSON.parse(JSON.stringify(misskeyRecipe)) as Recipe;
    base.services[0]!.capAdd = ['CHOWN'];
    base.services[0]!.envSecrets = { X: 'because' };
    expect(() => assertRecipe(base)).not.toThrow();
    base.services[0]!.capAdd = ['cap_chown'];
    expect(() => assertRecipe(base)).toThrow(/services\[0\]\.capAdd\[0\]/);
  });
});

describe('plan() refuses a secret where inspect shows it', () => {
  const errorOf = (f: () => unknown): { code: string; message: string } => {
    try {
      f();
    } catch (e) {
      if (isEngawaError(e)) return { code: e.code, message: e.message };
      throw e;
    }
    throw new Error('expected an error');
  };
  const secrets = generateSecrets(misskeyRecipe, {});
  const planMisskey = (recipe: Recipe, overrides: { service: string; key: string; value: string }[] = []) =>
    plan(recipe, { instance: 'home', domain: SAMPLE_DOMAIN, secrets, overrides });

  it('in an env variable the service does not list (a recipe bug, naming the variable)', () => {
    const bad = {
      ...misskeyRecipe,
      services: misskeyRecipe.services.map((s) => (s.name === 'web' ? { ...s, env: { DB_PASS: '{{secret.db_password}}' } } : s)),
    };
    const e = errorOf(() => planMisskey(bad));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toMatch(/DB_PASS.*envSecrets/);
  });

  it('in a setup step’s env, unless its service lists the variable', () => {
    const step = {
      name: 'x',
      description: 'x',
      when: 'create' as const,
      kind: 'run' as const,
      service: 'web',
      command: ['true'],
      env: { TOKEN: '{{secret.setup_password}}' },
      phase: 'after-healthy' as const,
    };
    const bad = { ...misskeyRecipe, setup: [step] };
    expect(errorOf(() => planMisskey(bad)).message).toMatch(/setup step "x".*TOKEN/);
    const listed = { ...bad, services: bad.services.map((s) => (s.name === 'web' ? { ...s, envSecrets: { TOKEN: 'the tool reads it from env' } } : s)) };
    expect(() => planMisskey(listed)).not.toThrow();
  });

  it('from an override or a setting that repeats a secret’s value (INVALID_INPUT, the value never in the message)', () => {
    const e = errorOf(() => planMisskey(misskeyRecipe, [{ service: 'web', key: 'COPY', value: `x${secrets.db_password}` }]));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/COPY.*"web".*docker inspect/);
    expect(e.message).not.toContain(secrets.db_password);
    // a listed variable may carry its secret, and other values pass
    const listed = withConnector(mastodonRecipe, { protocol: 'auto' });
    const ms = generateSecrets(listed, {});
    expect(() =>
      plan(listed, { instance: 'home', domain: SAMPLE_DOMAIN, secrets: ms, overrides: [{ service: 'web', key: 'DB_PASS', value: ms.db_password! }] }),
    ).not.toThrow();
    expect(() => planMisskey(misskeyRecipe, [{ service: 'web', key: 'GREETING', value: 'hello there' }])).not.toThrow();
    // a setting rendered into a command
    const withSetting: Recipe = {
      ...misskeyRecipe,
      settings: [...(misskeyRecipe.settings ?? []), { name: 'motd', description: 'x', default: '' }],
      services: misskeyRecipe.services.map((s) => (s.name === 'web' ? { ...s, command: ['serve', '--motd', '{{setting.motd}}'] } : s)),
    };
    const cmd = errorOf(() => plan(withSetting, { instance: 'home', domain: SAMPLE_DOMAIN, secrets, settings: { motd: secrets.setup_password! } }));
    expect(cmd).toMatchObject({ code: 'INVALID_INPUT' });
    expect(cmd.message).toMatch(/command/);
  });
});
