import { createECDH, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isEngawaError } from '../../../electron/core/util/errors';
import { generateSecret, generateSecrets, password, randomString, secp256k1Scalar, vapidPublicKey } from '../../../electron/core/stacks/secrets';
import type { Recipe, SecretSpec } from '../../../electron/core/stacks/types';

const N = BigInt('0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141');

/** A random source that hands out the given buffers in order. */
function scripted(...chunks: Buffer[]) {
  const calls: number[] = [];
  const source = (size: number) => {
    calls.push(size);
    const next = chunks.shift();
    if (next === undefined) throw new Error('no more bytes');
    return next;
  };
  return { source, calls };
}

function recipeWith(secrets: SecretSpec[]): Recipe {
  return { secrets } as unknown as Recipe;
}

describe('generateSecret', () => {
  it('hex: lowercase hex of the byte count, different each time', () => {
    const a = generateSecret({ type: 'hex', bytes: 64 }, {});
    expect(a).toMatch(/^[0-9a-f]{128}$/);
    expect(generateSecret({ type: 'hex', bytes: 64 }, {})).not.toBe(a);
  });

  it('base64url: unpadded URL-safe base64 of the byte count', () => {
    const v = generateSecret({ type: 'base64url', bytes: 32 }, {});
    expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(v, 'base64url')).toHaveLength(32);
  });

  it('alnum: exact length over [A-Za-z0-9], every class appears over many draws', () => {
    const v = generateSecret({ type: 'alnum', length: 32 }, {});
    expect(v).toMatch(/^[A-Za-z0-9]{32}$/);
    const many = Array.from({ length: 50 }, () => generateSecret({ type: 'alnum', length: 32 }, {})).join('');
    expect(many).toMatch(/[A-Z]/);
    expect(many).toMatch(/[a-z]/);
    expect(many).toMatch(/[0-9]/);
  });

  it('password: requested length, one of each class, shell/env/YAML-safe characters, starts alphanumeric', () => {
    for (let i = 0; i < 200; i++) {
      const v = generateSecret({ type: 'password', length: 24 }, {});
      expect(v).toHaveLength(24);
      expect(v).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]+$/);
      for (const cls of [/[A-Z]/, /[a-z]/, /[0-9]/, /[._-]/]) expect(v).toMatch(cls);
    }
  });

  it('password: refuses lengths under 20 as a recipe bug', () => {
    expect(() => generateSecret({ type: 'password', length: 12 }, {})).toThrow(/at least 20/);
  });

  it('secp256k1-hex: 64 hex chars, a scalar in [1, n)', () => {
    for (let i = 0; i < 20; i++) {
      const v = generateSecret({ type: 'secp256k1-hex' }, {});
      expect(v).toMatch(/^[0-9a-f]{64}$/);
      const k = BigInt(`0x${v}`);
      expect(k >= 1n && k < N).toBe(true);
    }
  });

  it('vapid-private/public: a valid P-256 pair in Mastodon format (padded URL-safe base64)', () => {
    const priv = generateSecret({ type: 'vapid-private' }, {});
    const pub = generateSecret({ type: 'vapid-public', from: 'vp' }, { vp: priv });
    expect(priv).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(pub).toMatch(/^[A-Za-z0-9_-]{87}=$/);
    const privBytes = Buffer.from(priv, 'base64url');
    const pubBytes = Buffer.from(pub, 'base64url');
    expect(privBytes).toHaveLength(32);
    expect(pubBytes).toHaveLength(65);
    expect(pubBytes[0]).toBe(0x04);

    // the public key is the one crypto derives from the private key
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(privBytes);
    expect(ecdh.getPublicKey().equals(pubBytes)).toBe(true);

    // and the point is on the curve: importing it as a JWK validates it
    const jwk = { kty: 'EC', crv: 'P-256', x: pubBytes.subarray(1, 33).toString('base64url'), y: pubBytes.subarray(33).toString('base64url') };
    expect(createPublicKey({ key: jwk, format: 'jwk' }).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const offCurve = { ...jwk, y: Buffer.from(pubBytes.subarray(33).map((b, i) => (i === 31 ? b ^ 1 : b))).toString('base64url') };
    expect(() => createPublicKey({ key: offCurve, format: 'jwk' })).toThrow();
  });

  it('vapid-public: a private key with a leading zero byte still gives a 65-byte point', () => {
    const scalar = Buffer.alloc(32, 7);
    scalar[0] = 0;
    const pub = Buffer.from(vapidPublicKey(scalar.toString('base64url')), 'base64url');
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(scalar);
    expect(pub.equals(ecdh.getPublicKey())).toBe(true);
  });

  it('vapid-public: a missing private key is a recipe bug', () => {
    expect(() => generateSecret({ type: 'vapid-public', from: 'nope' }, {})).toThrow(/nope/);
  });
});

describe('secp256k1Scalar boundaries (injected bytes)', () => {
  const hex = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');

  it('redraws 0, n and anything above, and accepts 1 and n-1', () => {
    const { source, calls } = scripted(hex(0n), hex(N), Buffer.alloc(32, 0xff), hex(N + 1n), hex(1n));
    expect(secp256k1Scalar(source)).toBe('0'.repeat(63) + '1');
    expect(calls).toEqual([32, 32, 32, 32, 32]);
    expect(secp256k1Scalar(scripted(hex(N - 1n)).source)).toBe((N - 1n).toString(16));
  });
});

describe('randomString (injected bytes)', () => {
  it('skips bytes that would bias the modulo', () => {
    // 62 symbols: bytes >= 248 are rejected (248 = 4 * 62); 247 is the last accepted byte (247 % 62 = 61)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const { source } = scripted(Buffer.from([248, 255, 0, 61, 62, 247]));
    expect(randomString(alphabet, 4, source)).toBe('A9A9');
  });

  it('draws again when a batch is not enough', () => {
    // 3 symbols: only byte 255 is rejected
    const { source, calls } = scripted(Buffer.alloc(16, 255), Buffer.from([1, 2]));
    expect(randomString('abc', 2, source)).toBe('bc');
    expect(calls).toHaveLength(2);
  });

  it('a password rejects candidates missing a class', () => {
    // first candidate: all 'A' (no lowercase, digit or symbol) → rejected; the second has every class
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    const idx = (s: string) => Buffer.from([...s].map((c) => abc.indexOf(c)));
    const { source } = scripted(Buffer.alloc(16, 0), Buffer.alloc(19, 0), idx('X'), idx('b3-DEFGHIJKLMNOPQRS'));
    expect(password(20, source)).toBe('Xb3-DEFGHIJKLMNOPQRS');
  });
});

describe('generateSecrets', () => {
  const recipe = recipeWith([
    { name: 'vapid_public', kind: { type: 'vapid-public', from: 'vapid_private' }, description: 'public' },
    { name: 'db', kind: { type: 'alnum', length: 32 }, description: 'db' },
    { name: 'admin', kind: { type: 'password', length: 20 }, description: 'admin', userSupplied: true },
    { name: 'vapid_private', kind: { type: 'vapid-private' }, description: 'private' },
  ]);

  it('generates every secret, deriving the public key from its private key whatever the order', () => {
    const s = generateSecrets(recipe, {});
    expect(Object.keys(s).sort()).toEqual(['admin', 'db', 'vapid_private', 'vapid_public']);
    expect(s.vapid_public).toBe(vapidPublicKey(s.vapid_private as string));
  });

  it('never regenerates an existing value and keeps unknown old ones', () => {
    const first = generateSecrets(recipe, {});
    const again = generateSecrets(recipe, { ...first, legacy: 'keep-me' }, { admin: 'ignored-because-existing' });
    expect(again).toEqual({ ...first, legacy: 'keep-me' });
  });

  it('fills only the missing ones, using supplied values for userSupplied secrets only', () => {
    const s = generateSecrets(recipe, { db: 'existing-db-password' }, { admin: 'my-own-password', db: 'not-used' });
    expect(s.db).toBe('existing-db-password');
    expect(s.admin).toBe('my-own-password');
  });

  it('does not mutate its inputs', () => {
    const existing = { db: 'x' };
    generateSecrets(recipe, existing);
    expect(existing).toEqual({ db: 'x' });
  });

  it('a derived secret whose source is not declared is a recipe bug', () => {
    const bad = recipeWith([{ name: 'pub', kind: { type: 'vapid-public', from: 'missing' }, description: 'p' }]);
    let error: unknown;
    try {
      generateSecrets(bad, {});
    } catch (e) {
      error = e;
    }
    expect(isEngawaError(error, 'INTERNAL')).toBe(true);
  });
});
