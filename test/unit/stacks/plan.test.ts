import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LABELS } from '../../../electron/core/plan/types';
import { isEngawaError, type ErrorCode } from '../../../electron/core/util/errors';
import { imagesOf, plan, type PlanChoices } from '../../../electron/core/stacks/plan';
import type { Recipe } from '../../../electron/core/stacks/types';

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/recipes/test-web.json', import.meta.url), 'utf8')) as Recipe;
const recipe = (): Recipe => structuredClone(fixture);

const IMAGES = {
  'docker.io/library/postgres:15': 'local/postgres:15',
  'docker.io/library/redis:7': 'local/redis:7',
  'docker.io/library/busybox:1': 'local/busybox-httpd:1',
};

const choices = (over: Partial<PlanChoices> = {}): PlanChoices => ({
  instance: 'demo',
  domain: 'social.example.com',
  secrets: { db_password: 'dbpassword0123456789', app_secret: 'appsecretabcdef0123' },
  images: IMAGES,
  ports: { http: 18080 },
  ...over,
});

function codeOf(f: () => unknown): { code: ErrorCode; message: string } {
  try {
    f();
  } catch (e) {
    if (isEngawaError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an EngawaError');
}

describe('plan(test-web)', () => {
  const p = plan(recipe(), choices());

  it('names everything after the instance, the way compose does', () => {
    expect(p.project).toBe('engawa-demo');
    expect(p.network.name).toBe('engawa-demo_default');
    expect(p.volumes.map((v) => v.name)).toEqual(['engawa-demo_db', 'engawa-demo_redis', 'engawa-demo_cache']);
    expect(p.services.map((s) => s.containerName)).toEqual(['engawa-demo-db-1', 'engawa-demo-redis-1', 'engawa-demo-web-1']);
    expect(p.services.find((s) => s.name === 'db')?.mounts).toEqual([
      { source: 'engawa-demo_db', volume: 'db', target: '/var/lib/postgresql/data', readOnly: false },
    ]);
  });

  it('labels containers, the network and volumes for compose and for Engawa', () => {
    const web = p.services.find((s) => s.name === 'web')!;
    expect(web.labels).toMatchObject({
      [LABELS.project]: 'engawa-demo',
      [LABELS.service]: 'web',
      [LABELS.oneoff]: 'False',
      [LABELS.containerNumber]: '1',
      'com.docker.compose.depends_on': 'db:service_healthy:false,redis:service_healthy:false',
      [LABELS.managed]: 'true',
      [LABELS.instance]: 'demo',
      [LABELS.stack]: 'test-web',
      [LABELS.configHash]: web.configHash,
    });
    expect(p.services.find((s) => s.name === 'db')!.labels['com.docker.compose.depends_on']).toBe('');
    expect(p.network.labels).toMatchObject({ [LABELS.project]: 'engawa-demo', [LABELS.network]: 'default', [LABELS.managed]: 'true' });
    expect(p.volumes[0]!.labels).toMatchObject({ [LABELS.project]: 'engawa-demo', [LABELS.volume]: 'db', [LABELS.instance]: 'demo' });
  });

  it('renders templates, maps images, applies ports and defaults', () => {
    const web = p.services.find((s) => s.name === 'web')!;
    expect(web.image).toBe('local/busybox-httpd:1');
    expect(web.officialImage).toBe('docker.io/library/busybox:1');
    expect(web.ports).toEqual([{ container: 8080, name: 'http', hostPort: 18080 }]);
    expect(web.files.find((f) => f.path === '/www/index.html')!.content).toContain('social.example.com');
    expect(web.healthcheck!.test[1]).toContain('nc -w 2 db 5432');
    expect(web.init).toBe(true);
    expect(web.stopTimeoutS).toBe(5);
    expect(p.services.find((s) => s.name === 'db')!.stopTimeoutS).toBe(10);
    expect(web.restart).toBe('unless-stopped');
    expect(p.ingress).toEqual([{ hostname: 'social.example.com', service: 'web', port: 8080 }]);
    expect(p.web).toEqual({ service: 'web', port: 'http', healthPath: '/health', publicHost: 'social.example.com' });
    expect(imagesOf(p)).toEqual(['local/postgres:15', 'local/redis:7', 'local/busybox-httpd:1']);
  });

  it('marks secret env, renders setup steps and collects secret values', () => {
    const db = p.services.find((s) => s.name === 'db')!;
    expect(db.env).toEqual({ POSTGRES_USER: 'app', POSTGRES_DB: 'app', POSTGRES_PASSWORD: 'dbpassword0123456789' });
    expect(db.secretEnv).toEqual(['POSTGRES_PASSWORD']);
    expect(p.setup).toEqual([
      expect.objectContaining({
        name: 'create-notes-table',
        kind: 'run',
        service: 'db',
        needs: ['db'],
        phase: 'after-healthy',
        env: { PGPASSWORD: 'dbpassword0123456789' },
        secretEnv: ['PGPASSWORD'],
      }),
    ]);
    expect([...p.secretValues].sort()).toEqual(['appsecretabcdef0123', 'dbpassword0123456789']);
  });

  it('is deterministic and leaves its inputs untouched', () => {
    const r = recipe();
    const c = choices();
    const before = structuredClone({ r, c });
    expect(plan(r, c)).toEqual(plan(r, c));
    expect({ r, c }).toEqual(before);
  });
});

describe('plan: configHash', () => {
  const hashes = (c: PlanChoices) => Object.fromEntries(plan(recipe(), c).services.map((s) => [s.name, s.configHash]));

  it('is a sha256 hex that changes only for the service whose definition changed', () => {
    const base = hashes(choices());
    expect(base.web).toMatch(/^[0-9a-f]{64}$/);
    const changed = hashes(choices({ secrets: { ...choices().secrets, app_secret: 'another-secret-value' } }));
    expect(changed.web).not.toBe(base.web);
    expect(changed.db).toBe(base.db);
    expect(hashes(choices({ ports: { http: 18081 } })).web).not.toBe(base.web);
    expect(hashes(choices({ images: {} })).redis).not.toBe(base.redis);
  });
});

describe('plan: ordering', () => {
  it('puts dependencies first and keeps recipe order among equals', () => {
    const r = recipe();
    r.services.reverse(); // web, redis, db
    expect(plan(r, choices()).services.map((s) => s.name)).toEqual(['redis', 'db', 'web']);
  });

  it('reports a dependency cycle as a recipe bug', () => {
    const r = recipe();
    r.services.find((s) => s.name === 'db')!.dependsOn = [{ service: 'web', condition: 'started' }];
    const e = codeOf(() => plan(r, choices()));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toMatch(/cycle.*db.*web/);
  });
});

describe('plan: choices', () => {
  it('applies --set overrides after rendering, literally', () => {
    const p = plan(
      recipe(),
      choices({
        overrides: [
          { service: 'web', key: 'GREETING', value: 'hi {{domain}}' },
          { service: 'db', key: 'POSTGRES_USER', value: 'other' },
        ],
      }),
    );
    expect(p.services.find((s) => s.name === 'web')!.env.GREETING).toBe('hi {{domain}}');
    expect(p.services.find((s) => s.name === 'db')!.env.POSTGRES_USER).toBe('other');
  });

  it('rejects an override for an unknown service or with a bad variable name', () => {
    expect(codeOf(() => plan(recipe(), choices({ overrides: [{ service: 'nope', key: 'A', value: '1' }] })))).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('"nope"'),
    });
    expect(codeOf(() => plan(recipe(), choices({ overrides: [{ service: 'web', key: '1A', value: '1' }] }))).code).toBe('INVALID_INPUT');
  });

  it('names a missing secret', () => {
    const e = codeOf(() => plan(recipe(), choices({ secrets: { db_password: 'x' } })));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('"app_secret"') });
  });

  it('rejects bad instance names, domains and unknown port names', () => {
    expect(codeOf(() => plan(recipe(), choices({ instance: 'Bad_Name' }))).code).toBe('INVALID_INPUT');
    expect(codeOf(() => plan(recipe(), choices({ domain: 'localhost' }))).code).toBe('INVALID_INPUT');
    expect(codeOf(() => plan(recipe(), choices({ ports: { nope: 1 } }))).code).toBe('INVALID_INPUT');
    expect(codeOf(() => plan(recipe(), choices({ ports: { http: 70000 } }))).code).toBe('INVALID_INPUT');
  });

  it('uses setting defaults, accepts valid values and rejects invalid or unknown ones', () => {
    const r = recipe();
    r.settings = [{ name: 'greeting', description: 'greeting word', default: 'hello', pattern: '[a-z]+' }];
    r.hosts = { www: 'www.{{domain}}' };
    r.services.find((s) => s.name === 'web')!.env!.GREETING = '{{setting.greeting}} {{host.www}}';
    const env = (c: PlanChoices) => plan(r, c).services.find((s) => s.name === 'web')!.env.GREETING;
    expect(env(choices())).toBe('hello www.social.example.com');
    expect(env(choices({ settings: { greeting: 'konnichiwa' } }))).toBe('konnichiwa www.social.example.com');
    expect(plan(r, choices()).hosts).toEqual({ www: 'www.social.example.com' });
    expect(codeOf(() => env(choices({ settings: { greeting: 'Hi!' } }))).code).toBe('INVALID_INPUT');
    expect(codeOf(() => env(choices({ settings: { other: 'x' } }))).code).toBe('INVALID_INPUT');
  });
});

describe('plan: recipe bugs are INTERNAL', () => {
  const cases: [string, (r: Recipe) => void, RegExp][] = [
    ['unknown volume', (r) => r.services[0]!.mounts!.push({ volume: 'nope', target: '/x' }), /volume "nope"/],
    ['unknown dependency', (r) => r.services[2]!.dependsOn!.push({ service: 'nope', condition: 'started' }), /service "nope"/],
    ['unknown secret placeholder', (r) => (r.services[0]!.env!.X = '{{secret.nope}}'), /\{\{secret\.nope\}\}/],
    ['unknown setting placeholder', (r) => (r.services[0]!.env!.X = '{{setting.nope}}'), /\{\{setting\.nope\}\}/],
    ['unknown web port', (r) => (r.web.port = 'nope'), /web\.port "nope"/],
    ['unknown web service', (r) => (r.web.service = 'nope'), /service "nope"/],
    ['unknown setup service', (r) => (r.setup[0]!.service = 'nope'), /service "nope"/],
    ['unknown setup need', (r) => (r.setup[0]!.needs = ['nope']), /service "nope"/],
    ['unknown ingress service', (r) => (r.ingress[0]!.service = 'nope'), /service "nope"/],
    ['unknown admin secret', (r) => (r.admin.passwordSecret = 'nope'), /"nope"/],
    ['duplicate service', (r) => r.services.push(structuredClone(r.services[0]!)), /"db" twice/],
    ['duplicate port name', (r) => (r.services[0]!.ports = [{ container: 5432, name: 'http' }]), /"http" twice/],
    ['secret in a command', (r) => (r.services[2]!.command = ['httpd', '{{secret.app_secret}}']), /secret/],
    ['secret in a health check', (r) => (r.services[0]!.healthcheck!.test = ['CMD', '{{secret.db_password}}']), /secret/],
    ['relative file path', (r) => (r.services[2]!.files![0]!.path = 'www/x'), /not absolute/],
  ];
  it.each(cases)('%s', (_name, breakIt, message) => {
    const r = recipe();
    breakIt(r);
    const e = codeOf(() => plan(r, choices()));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toMatch(message);
  });
});

describe('plan: HTTP steps, captures and hosts from settings', () => {
  const withHttp = (): Recipe => ({
    ...recipe(),
    settings: [...(recipe().settings ?? []), { name: 'prefix', description: 'host prefix', default: 'www.' }],
    hosts: { site: '{{setting.prefix}}{{domain}}' },
    http: [
      {
        name: 'token',
        description: 'd',
        when: 'create',
        path: '/api/token',
        body: { user: 'admin@{{domain}}', n: 1 },
        basicAuth: { user: 'admin', password: '{{secret.app_secret}}' },
      },
      {
        name: 'use',
        description: 'd',
        when: 'create',
        path: '/api/use',
        body: { on: true },
        bodyFromResponse: { step: 'token', field: 'token', as: 'i' },
        admin: true,
      },
    ],
  });

  it('renders bodies and Basic credentials and keeps the answer chaining', () => {
    const p = plan(withHttp(), choices());
    expect(p.http).toEqual([
      {
        name: 'token',
        description: 'd',
        when: 'create',
        path: '/api/token',
        body: { user: 'admin@social.example.com', n: 1 },
        basicAuth: { user: 'admin', password: 'appsecretabcdef0123' },
      },
      {
        name: 'use',
        description: 'd',
        when: 'create',
        path: '/api/use',
        body: { on: true },
        bodyFromResponse: { step: 'token', field: 'token', as: 'i' },
        admin: true,
      },
    ]);
  });

  it('renders hosts with the chosen settings (e.g. a service on the apex instead of a subdomain)', () => {
    expect(plan(withHttp(), choices()).hosts).toEqual({ site: 'www.social.example.com' });
    expect(plan(withHttp(), choices({ settings: { prefix: '' } })).hosts).toEqual({ site: 'social.example.com' });
  });

  it('rejects an HTTP step that uses the answer of a step that does not come before it', () => {
    const r = withHttp();
    r.http = [...(r.http ?? [])].reverse();
    expect(codeOf(() => plan(r, choices())).code).toBe('INTERNAL');
  });

  it('keeps a capture only for a declared secret and a pattern with a group', () => {
    const ok = recipe();
    ok.setup[0] = { ...ok.setup[0]!, capture: { secret: 'app_secret', pattern: '^token: (\\S+)$' } };
    expect(plan(ok, choices()).setup[0]?.capture).toEqual({ secret: 'app_secret', pattern: '^token: (\\S+)$' });
    const undeclared = recipe();
    undeclared.setup[0] = { ...undeclared.setup[0]!, capture: { secret: 'nope', pattern: '(x)' } };
    expect(codeOf(() => plan(undeclared, choices())).code).toBe('INTERNAL');
    const noGroup = recipe();
    noGroup.setup[0] = { ...noGroup.setup[0]!, capture: { secret: 'app_secret', pattern: 'token: \\S+' } };
    expect(codeOf(() => plan(noGroup, choices())).message).toMatch(/no group/);
  });
});
