/** A small recipe for the instance manager's tests (two services, two ports, an admin step). */
import type { Recipe } from '../../../electron/core/stacks/types';
import { EngawaError } from '../../../electron/core/util/errors';

export const testRecipe: Recipe = {
  id: 'teststack',
  name: 'Test stack',
  version: '1.0.0',
  summary: { en: 'For tests.', ja: 'テスト用。' },
  memoryMiB: 64,
  settings: [
    { name: 'title', description: 'Site title', default: 'Hello', pattern: '[A-Za-z ]{1,20}' },
    { name: 'admin_user', description: 'Admin user', default: 'admin' },
    { name: 'admin_email', description: 'Admin e-mail', default: '' },
  ],
  secrets: [
    { name: 'db_password', kind: { type: 'alnum', length: 24 }, description: 'database password' },
    { name: 'admin_password', kind: { type: 'password', length: 20 }, description: 'admin password', userSupplied: true },
  ],
  volumes: [{ name: 'db', description: 'database', backup: 'data' }],
  services: [
    {
      name: 'db',
      image: 'example/db:1',
      env: { DB_PASSWORD: '{{secret.db_password}}' },
      envSecrets: { DB_PASSWORD: 'the example image reads it from the environment only' },
      mounts: [{ volume: 'db', target: '/data' }],
      healthcheck: { test: ['CMD', 'true'], intervalMs: 1000, timeoutMs: 1000, retries: 3 },
    },
    {
      name: 'web',
      image: 'example/web:1',
      env: { TITLE: '{{setting.title}}', DB_HOST: '{{service.db}}', DOMAIN: '{{domain}}' },
      ports: [
        { container: 8080, name: 'http' },
        { container: 9000, name: 'admin' },
      ],
      dependsOn: [{ service: 'db', condition: 'healthy' }],
      // what a backup's overrides may set (the deny list wins over the listed NODE_OPTIONS)
      overridable: ['GREETING', 'MAIL_*', 'NODE_OPTIONS'],
      envSecrets: { PASSWORD: 'the admin step’s tool reads it from the environment only' },
    },
  ],
  setup: [
    {
      name: 'admin',
      description: 'Create the admin account',
      when: 'create',
      kind: 'exec',
      service: 'web',
      command: ['create-admin', '{{setting.admin_user}}', '{{setting.admin_email}}'],
      env: { PASSWORD: '{{secret.admin_password}}' },
      phase: 'after-healthy',
      admin: true,
    },
  ],
  ingress: [{ hostname: '{{domain}}', service: 'web', port: 8080 }],
  web: { service: 'web', port: 'http', healthPath: '/', publicHost: '{{domain}}' },
  admin: { kind: 'owner-account', passwordSecret: 'admin_password', defaultUser: 'owner' },
  testOnly: true,
};

/** The recipe source of the manager's tests: the test recipe only, NOT_FOUND for anything else. */
export const testRecipes = {
  get(id: string): Recipe {
    if (id === testRecipe.id) return testRecipe;
    throw new EngawaError('NOT_FOUND', `There is no stack "${id}".`);
  },
  list: (): Recipe[] => [testRecipe],
};
