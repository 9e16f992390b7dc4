/** The PDS's secrets: their formats, and that an instance's secrets are made once and never again. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngawaError } from '../../../electron/core/util/errors';
import { InstanceManager } from '../../../electron/core/instances/manager';
import { MemorySecretStore } from '../../../electron/core/instances/secret-store';
import { blueskyRecipe } from '../../../electron/core/stacks/bluesky/recipe';
import { generateSecrets, secp256k1Scalar } from '../../../electron/core/stacks/secrets';
import { FakeEngine } from '../instances/fake-engine';

const N = BigInt('0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141');

describe('the PDS’s secret formats', () => {
  it('JWT secret and admin password: 32 hex characters; owner password: 24 characters; all different', () => {
    const s = generateSecrets(blueskyRecipe, {});
    expect(Object.keys(s).sort()).toEqual(['admin_password', 'jwt_secret', 'owner_password', 'plc_rotation_key']);
    expect(s.jwt_secret).toMatch(/^[0-9a-f]{32}$/);
    expect(s.admin_password).toMatch(/^[0-9a-f]{32}$/);
    expect(s.owner_password).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{23}$/);
    expect(new Set(Object.values(s)).size).toBe(4);
  });

  it('rotation key: 64 hex characters of a secp256k1 scalar 1 ≤ k < n, every time', () => {
    for (let i = 0; i < 200; i++) {
      const key = generateSecrets(blueskyRecipe, {}).plc_rotation_key as string;
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      const k = BigInt(`0x${key}`);
      expect(k >= 1n && k < N).toBe(true);
    }
  });

  it('rotation key: draws again when the bytes are 0, n or above n, and keeps leading zeros', () => {
    const n = Buffer.from(N.toString(16), 'hex');
    const small = Buffer.alloc(32);
    small[31] = 1;
    const chunks = [Buffer.alloc(32), n, Buffer.alloc(32, 0xff), small];
    expect(secp256k1Scalar(() => chunks.shift() as Buffer)).toBe(`${'0'.repeat(62)}01`);
    expect(chunks).toEqual([]);
  });

  it('keeps every existing value and fills in only what is missing', () => {
    const first = generateSecrets(blueskyRecipe, {});
    const { plc_rotation_key: _lost, ...partial } = first;
    const again = generateSecrets(blueskyRecipe, partial);
    expect(again).toMatchObject(partial);
    expect(again.plc_rotation_key).toMatch(/^[0-9a-f]{64}$/);
    expect(generateSecrets(blueskyRecipe, first)).toEqual(first);
  });

  it('takes the owner’s password from the user when given, and only that one', () => {
    const s = generateSecrets(blueskyRecipe, {}, { owner_password: 'chosen-by-the-owner', admin_password: 'not-user-supplied' });
    expect(s.owner_password).toBe('chosen-by-the-owner');
    expect(s.admin_password).not.toBe('not-user-supplied');
  });
});

describe('an instance’s secrets through the instance manager', () => {
  let home: string;
  let engine: FakeEngine;
  let secrets: MemorySecretStore;
  let manager: InstanceManager;
  const input = { stack: 'bluesky', name: 'home', domain: 'example.com', admin: null };

  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'engawa-bsky-'));
    engine = new FakeEngine();
    secrets = new MemorySecretStore();
    manager = new InstanceManager({
      home,
      engine: async () => engine,
      secrets,
      recipes: { get: () => blueskyRecipe, list: () => [blueskyRecipe] },
    });
  });

  afterEach(() => rm(home, { recursive: true, force: true }));

  it('are kept when a failed create is resumed, and used unchanged by later plans', async () => {
    engine.failNext('apply', new EngawaError('UNHEALTHY', 'The service "pds" did not become healthy.'));
    await expect(manager.create(input)).rejects.toMatchObject({ code: 'UNHEALTHY' });
    const stored = await secrets.get('home');
    expect(Object.keys(stored).sort()).toEqual(['admin_password', 'jwt_secret', 'owner_password', 'plc_rotation_key']);

    await manager.create(input);
    expect(await secrets.get('home')).toEqual(stored);
    const env = (await manager.planFor('home')).services[0]?.env ?? {};
    expect(env).toMatchObject({
      PDS_JWT_SECRET: stored.jwt_secret,
      PDS_ADMIN_PASSWORD: stored.admin_password,
      PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: stored.plc_rotation_key,
    });
    await manager.restart('home');
    expect(await secrets.get('home')).toEqual(stored);
  });

  it('are never made up again for an existing instance: a lost one is an error, not a new key', async () => {
    await manager.create(input);
    const { plc_rotation_key: _lost, ...rest } = await secrets.get('home');
    await secrets.set('home', rest);
    await expect(manager.planFor('home')).rejects.toMatchObject({ code: 'SECRETS', details: { missing: ['plc_rotation_key'] } });
    await expect(manager.start('home')).rejects.toMatchObject({ code: 'SECRETS' });
    expect(await secrets.get('home')).toEqual(rest);
  });
});
