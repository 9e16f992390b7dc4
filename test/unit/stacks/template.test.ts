import { describe, expect, it } from 'vitest';
import { isEngawaError } from '../../../electron/core/util/errors';
import { render, type TemplateContext } from '../../../electron/core/stacks/template';

const ctx: TemplateContext = {
  domain: 'example.com',
  instance: 'home',
  project: 'engawa-home',
  hosts: { pds: 'pds.example.com' },
  secrets: { db: 's3cret-value' },
  settings: { locale: 'ja' },
  services: ['db', 'web'],
};

function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('render', () => {
  it('resolves every documented placeholder', () => {
    const r = render('{{domain}} {{host.pds}} {{instance}} {{project}} {{setting.locale}} {{service.db}}', ctx);
    expect(r).toEqual({ value: 'example.com pds.example.com home engawa-home ja db', secret: false });
  });

  it('marks values that use a secret', () => {
    expect(render('postgres://app:{{secret.db}}@{{service.db}}/app', ctx)).toEqual({
      value: 'postgres://app:s3cret-value@db/app',
      secret: true,
    });
  });

  it('leaves text without placeholders alone, including lone braces', () => {
    expect(render('a { b } {{ c', ctx)).toEqual({ value: 'a { b } {{ c', secret: false });
  });

  it.each(['{{nope}}', '{{secret.missing}}', '{{host.other}}', '{{setting.x}}', '{{service.redis}}', '{{secret.constructor}}', '{{}}'])(
    'rejects the unknown placeholder %s as a recipe bug',
    (template) => {
      const e = errorOf(() => render(`x ${template} y`, ctx));
      expect(isEngawaError(e, 'INTERNAL')).toBe(true);
      expect((e as Error).message).toContain(template);
    },
  );
});
