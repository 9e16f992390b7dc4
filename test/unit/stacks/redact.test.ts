import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { plan } from '../../../electron/core/stacks/plan';
import { redact, redactPlan } from '../../../electron/core/plan/redact';
import type { Recipe } from '../../../electron/core/stacks/types';

const recipe = JSON.parse(readFileSync(new URL('../../fixtures/recipes/test-web.json', import.meta.url), 'utf8')) as Recipe;

describe('redact', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redact('pw=hunter22 again hunter22, key=abcd', ['hunter22', 'abcd'])).toBe('pw=[redacted] again [redacted], key=[redacted]');
  });

  it('replaces the longest secret first so a contained shorter one leaves nothing behind', () => {
    expect(redact('token=abcdefgh', ['abcd', 'abcdefgh'])).toBe('token=[redacted]');
  });

  it('ignores secrets shorter than 4 characters and empty ones', () => {
    expect(redact('a b abc', ['', 'a', 'abc'])).toBe('a b abc');
  });
});

describe('redactPlan', () => {
  const r = structuredClone(recipe);
  r.services[2]!.files!.push({ path: '/etc/app.conf', content: 'secret={{secret.app_secret}}' });
  r.services[2]!.env!.GREETING = 'hello';
  const p = plan(r, {
    instance: 'demo',
    domain: 'example.com',
    secrets: { db_password: 'dbpassword0123456789', app_secret: 'appsecretabcdef0123' },
  });

  it('hides secret env values, secret files and secretValues, keeps the rest', () => {
    const shown = redactPlan(p, false);
    const json = JSON.stringify(shown);
    expect(json).not.toContain('dbpassword0123456789');
    expect(json).not.toContain('appsecretabcdef0123');
    expect('secretValues' in shown).toBe(false);
    const web = shown.services.find((s) => s.name === 'web')!;
    expect(web.env).toEqual({ APP_SECRET: '[redacted]', GREETING: 'hello' });
    expect(web.files.find((f) => f.path === '/etc/app.conf')!.content).toBe('[redacted]');
    expect(web.files.find((f) => f.path === '/www/health')!.content).toBe('ok\n');
    expect(shown.setup[0]!.env.PGPASSWORD).toBe('[redacted]');
  });

  it('reveals values on request but still drops secretValues', () => {
    const shown = redactPlan(p, true);
    expect(shown.services.find((s) => s.name === 'db')!.env.POSTGRES_PASSWORD).toBe('dbpassword0123456789');
    expect('secretValues' in shown).toBe(false);
  });

  it('does not modify the plan', () => {
    const before = structuredClone(p);
    redactPlan(p, false);
    expect(p).toEqual(before);
  });
});
