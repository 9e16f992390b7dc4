import { describe, expect, it } from 'vitest';
import { isEngawaError } from '../../../electron/core/util/errors';
import { validateDomain, validateInstanceName, validateSetting } from '../../../electron/core/stacks/validate';

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    if (!isEngawaError(e, 'INVALID_INPUT')) throw e;
    return e;
  }
  throw new Error('expected INVALID_INPUT');
}

describe('validateInstanceName', () => {
  it.each(['a', 'home', 'my-server-2', 'a'.repeat(32)])('accepts %s', (name) => {
    expect(validateInstanceName(name)).toBe(name);
  });

  it.each(['', 'Home', '1home', '-home', 'home-', 'my_server', 'my.server', 'a'.repeat(33), 'ホーム', 'home server'])(
    'rejects %j and says what is allowed',
    (name) => {
      expect(errorOf(() => validateInstanceName(name)).message).toMatch(/lowercase letters.*digits and hyphens.*starting with a letter/);
    },
  );
});

describe('validateDomain', () => {
  it.each([
    ['example.com', 'example.com'],
    ['Social.Example.COM', 'social.example.com'],
    ['example.com.', 'example.com'],
    ['  example.com  ', 'example.com'],
    ['例え.jp', 'xn--r8jz45g.jp'],
    ['マストドン.例え.jp', 'xn--zck4ad5f2e.xn--r8jz45g.jp'],
    ['ｅｘａｍｐｌｅ．ｃｏｍ', 'example.com'],
    ['a-b.co.uk', 'a-b.co.uk'],
    ['xn--r8jz45g.jp', 'xn--r8jz45g.jp'],
    ['bench.example', 'bench.example'],
  ])('accepts %s as %s', (input, expected) => {
    expect(validateDomain(input)).toBe(expected);
  });

  it.each([
    ['', /empty/],
    ['localhost', /two parts|localhost/],
    ['example', /at least two parts/],
    ['https://example.com', /"https:\/\/"/],
    ['example.com/path', /"\/path"/],
    ['example.com?q=1', /"\?q=1"/],
    ['example.com:8080', /port ":8080"/],
    ['user@example.com', /"@"/],
    ['*.example.com', /wildcards/],
    ['192.168.1.10', /IP address/],
    ['[::1]', /IP address/],
    ['::1', /IP address/],
    ['0x7f.1', /IP address|digits/],
    ['app.localhost', /"\.localhost"/],
    ['myhost.local', /"\.local"/],
    ['server.internal', /"\.internal"/],
    ['router.home.arpa', /"\.home\.arpa"/],
    ['example.123', /"123" cannot be only digits/],
    ['-bad.com', /"-bad"/],
    ['bad-.com', /"bad-"/],
    ['under_score.com', /"under_score"/],
    ['a..b.com', /empty part/],
    ['.example.com', /empty part/],
    [`${'a'.repeat(64)}.com`, /longer than 63/],
    [`${'a.'.repeat(127)}com`, /limit is 253/],
    ['exa mple.com', /space|not allowed/],
  ])('rejects %j with a message naming the problem', (input, message) => {
    expect(errorOf(() => validateDomain(input)).message).toMatch(message);
  });
});

describe('validateSetting', () => {
  const spec = { name: 'locale', description: 'default language', default: 'en', pattern: 'en|ja' };

  it('accepts a value matching the whole pattern', () => {
    expect(validateSetting(spec, 'ja')).toBe('ja');
  });

  it('rejects a partial match, naming the setting', () => {
    expect(errorOf(() => validateSetting(spec, 'jax')).message).toContain('"locale"');
  });

  it('rejects line breaks even without a pattern', () => {
    expect(errorOf(() => validateSetting({ name: 'title', description: 'title', default: '' }, 'a\nb')).message).toMatch(/line breaks/);
    expect(validateSetting({ name: 'title', description: 'title', default: '' }, 'My server ✨')).toBe('My server ✨');
  });
});
