/**
 * Secret generators (node:crypto only). Secrets are created once per instance and never regenerated:
 * `generateSecrets` keeps every existing value and only fills in what is missing.
 */
import { createECDH, randomBytes } from 'node:crypto';
import { EngawaError } from '../util/errors';
import type { Recipe, SecretKind } from './types';

/** Source of random bytes; injectable so the rejection logic can be tested. */
export type RandomSource = (size: number) => Buffer;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Unreserved in URLs, literal in shells, env files and YAML plain scalars. */
const PASSWORD_SYMBOLS = '-_.';
const PASSWORD_MIN_LENGTH = 20;

/** Order of the secp256k1 group. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** Generates one secret. `existing` is needed only by kinds derived from another secret (vapid-public). */
export function generateSecret(kind: SecretKind, existing: Record<string, string>): string {
  switch (kind.type) {
    case 'hex':
      return randomBytes(kind.bytes).toString('hex');
    case 'base64url':
      return randomBytes(kind.bytes).toString('base64url');
    case 'alnum':
      return randomString(ALNUM, kind.length);
    case 'password':
      return password(kind.length);
    case 'secp256k1-hex':
      return secp256k1Scalar();
    case 'vapid-private':
      return vapidPrivateKey();
    case 'vapid-public': {
      const privateKey = Object.hasOwn(existing, kind.from) ? existing[kind.from] : undefined;
      if (privateKey === undefined) {
        throw new EngawaError('INTERNAL', `The VAPID public key needs the private key secret "${kind.from}", which does not exist.`);
      }
      return vapidPublicKey(privateKey);
    }
  }
}

/**
 * Returns the complete secret set of `recipe`: every value in `existing` is kept as it is, a
 * `userSupplied` secret takes its value from `supplied` when given, and the rest are generated
 * (a secret derived from another one after it). Extra entries of `existing` are kept too.
 */
export function generateSecrets(recipe: Recipe, existing: Record<string, string>, supplied: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = { ...existing };
  const pending = recipe.secrets.filter((s) => !Object.hasOwn(out, s.name));
  for (const spec of pending) {
    if (spec.userSupplied && Object.hasOwn(supplied, spec.name)) out[spec.name] = supplied[spec.name] as string;
  }
  const declared = new Set(recipe.secrets.map((s) => s.name));
  const generate = (name: string, chain: string[]): void => {
    if (Object.hasOwn(out, name)) return;
    const spec = recipe.secrets.find((s) => s.name === name);
    if (spec === undefined) throw new EngawaError('INTERNAL', `The recipe refers to an undeclared secret "${name}".`);
    if (spec.kind.type === 'vapid-public') {
      if (chain.includes(name) || !declared.has(spec.kind.from)) {
        throw new EngawaError('INTERNAL', `The secret "${name}" is derived from "${spec.kind.from}", which cannot be generated first.`);
      }
      generate(spec.kind.from, [...chain, name]);
    }
    out[name] = generateSecret(spec.kind, out);
  };
  for (const spec of pending) generate(spec.name, []);
  return out;
}

/** `length` characters of `alphabet` (at most 256), uniformly: bytes that would bias the modulo are skipped. */
export function randomString(alphabet: string, length: number, random: RandomSource = randomBytes): string {
  if (alphabet.length < 2 || alphabet.length > 256) throw new EngawaError('INTERNAL', 'The alphabet needs 2 to 256 characters.');
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of random(Math.max(16, length - out.length))) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

/** A password of letters, digits and `-_.` with at least one of each class, starting with a letter or digit. */
export function password(length: number, random: RandomSource = randomBytes): string {
  if (!Number.isInteger(length) || length < PASSWORD_MIN_LENGTH) {
    throw new EngawaError('INTERNAL', `Passwords must be at least ${PASSWORD_MIN_LENGTH} characters long (the recipe asks for ${length}).`);
  }
  for (;;) {
    const candidate = randomString(ALNUM, 1, random) + randomString(ALNUM + PASSWORD_SYMBOLS, length - 1, random);
    if (/[A-Z]/.test(candidate) && /[a-z]/.test(candidate) && /[0-9]/.test(candidate) && /[-_.]/.test(candidate)) {
      return candidate;
    }
  }
}

/** A secp256k1 private key as 64 lowercase hex characters: 32 random bytes, redrawn until 1 ≤ k < n. */
export function secp256k1Scalar(random: RandomSource = randomBytes): string {
  for (;;) {
    const bytes = random(32);
    const k = BigInt(`0x${bytes.toString('hex')}`);
    if (k >= 1n && k < SECP256K1_N) return bytes.toString('hex');
  }
}

/**
 * A P-256 private key in Mastodon's VAPID_PRIVATE_KEY format: the 32-byte scalar (left-padded with
 * zeros) in URL-safe Base64 with `=` padding, as Ruby's `Base64.urlsafe_encode64` writes it.
 */
export function vapidPrivateKey(): string {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const scalar = ecdh.getPrivateKey();
  return urlsafeBase64(Buffer.concat([Buffer.alloc(32 - scalar.length), scalar]));
}

/** The matching VAPID_PUBLIC_KEY: the 65-byte uncompressed point (0x04‖X‖Y), URL-safe Base64 with padding. */
export function vapidPublicKey(privateKey: string): string {
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'));
  } catch (e) {
    throw new EngawaError('INTERNAL', 'The VAPID private key is not a valid P-256 key.', undefined, { cause: e });
  }
  return urlsafeBase64(ecdh.getPublicKey(null, 'uncompressed'));
}

function urlsafeBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}
