/**
 * The manifest of a backup as a strict schema: a backup file is untrusted input (it travels
 * between computers and may come from anyone), so it supplies data, never behaviour. Every field
 * has a type and a bound, unknown keys are refused at every level, and names that become Docker or
 * Cloudflare names must look like the ones Engawa writes. What a restore then derives from the
 * instance's own name instead (volumes, the sign-in tunnel's home) is done by restore.ts.
 */
import { z } from 'zod';

const text = (max: number) => z.string().max(max);
const count = z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER);
const range = z.tuple([count, count]);
const isoTime = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/, 'an ISO time');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a bad checksum');
/** As instance names are (stacks/validate.ts checks them again on restore). */
const instanceName = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'an instance name');
const hostname = z
  .string()
  .max(253)
  .regex(/^[A-Za-z0-9*.-]+$/, 'a host name');
const serviceName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a service name');
/** The tunnel name Engawa gives: `engawa-<instance>-<hex>`. */
const tunnelName = z.string().regex(/^engawa-[a-z][a-z0-9-]{0,39}-[0-9a-f]{4,16}$/, 'a tunnel name Engawa makes');
const protocol = z.enum(['auto', 'http2']);
const id = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'an id');

const tunnel = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('api'),
    protocol,
    publicHost: hostname,
    name: tunnelName,
    zone: z.strictObject({ id, name: hostname }),
    accountId: id,
    tunnelId: id.optional(),
    hostnames: z.array(hostname).max(32),
    dnsRecords: z.array(z.strictObject({ id, name: hostname })).max(32),
  }),
  z.strictObject({ mode: z.literal('token'), protocol, publicHost: hostname, tunnelId: id }),
  z.strictObject({
    mode: z.literal('login'),
    protocol,
    publicHost: hostname,
    name: tunnelName,
    // replaced on restore by the restored instance's own volume: never a name taken from the file
    volume: z.string().max(128),
    tunnelId: id.optional(),
    hostnames: z.array(hostname).max(32),
    routed: z.array(hostname).max(32),
  }),
]);

const pdsSample = z.strictObject({
  uri: text(512),
  cid: text(128),
  blob: z.strictObject({ did: text(256), cid: text(128), bytes: z.number().int().nonnegative() }).optional(),
});

export const MANIFEST_SCHEMA = z.strictObject({
  format: z.literal('engawa-backup'),
  formatVersion: z.number().int().min(1),
  app: z.strictObject({ version: text(64) }),
  createdAt: isoTime,
  stack: z.strictObject({ id: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a stack id'), version: text(64) }),
  instance: z.strictObject({
    name: instanceName,
    domain: hostname,
    createdAt: isoTime,
    settings: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/), text(1024)),
    overrides: z.array(z.strictObject({ service: serviceName, key: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/), value: text(8192) })).max(256),
    ports: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/), z.number().int().min(0).max(65535)),
    admin: z.strictObject({ user: text(64), email: text(254) }).nullable(),
    tunnel: tunnel.nullable().optional(),
  }),
  entries: z
    .array(
      z.strictObject({
        // bounded only: the archive reader refuses unsafe names (absolute, "..") as the entries come
        path: text(256),
        kind: z.enum(['postgres', 'volume', 'secrets']),
        source: text(128).optional(),
        size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
        sha256,
      }),
    )
    .max(1000),
  excluded: z.array(z.strictObject({ volume: text(128), reason: z.enum(['cache', 'none']), bytes: z.number().int().nonnegative().optional() })).max(64),
  probes: z.strictObject({
    tables: z.record(text(256), range).optional(),
    pds: z
      .strictObject({
        accounts: z.record(text(256), z.strictObject({ heads: z.array(text(128)).max(16), records: range, blobs: range })),
        sample: pdsSample.optional(),
      })
      .optional(),
  }),
  downtimeMs: z
    .number()
    .int()
    .nonnegative()
    .max(7 * 24 * 3600 * 1000),
});

/** The most settings, ports and probed tables or accounts one manifest may list. */
export const MANIFEST_LIMITS = { settings: 64, ports: 32, tables: 256, accounts: 100_000 } as const;
