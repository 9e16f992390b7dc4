/**
 * The world the check's unit tests run in: a shipped recipe planned for a domain (its real plan,
 * so the check's names, PLC directory and relays come from the plan as in the app), an instance
 * record with a tunnel, and the Cloudflare-like front (test/stubs/cloudflare/front.ts) answering
 * with canned upstream answers. Every https:// request goes to the front (frontTransport).
 */
import type { InstanceRecord } from '../../../electron/core/instances';
import { frontTransport, runCheck, targetOf, type CheckItem, type CheckTarget, type Transport } from '../../../electron/core/check/index';
import { plan } from '../../../electron/core/stacks/plan';
import { generateSecrets } from '../../../electron/core/stacks/secrets';
import type { Recipe } from '../../../electron/core/stacks/types';
import { startFront, type Front, type Upstream } from '../../stubs/cloudflare/front';

/** A record as Engawa keeps it, with a token-mode tunnel (or none). */
export function recordFor(
  recipe: Recipe,
  o: { name: string; domain: string; admin?: string; publicHost: string | null; settings?: Record<string, string> },
): InstanceRecord {
  return {
    version: 1,
    name: o.name,
    stack: recipe.id,
    stackVersion: recipe.version,
    domain: o.domain,
    createdAt: '2026-11-01T00:00:00.000Z',
    settings: o.settings ?? {},
    overrides: [],
    ports: {},
    admin: o.admin === undefined ? null : { user: o.admin, email: `${o.admin}@${o.domain}` },
    tunnel: o.publicHost === null ? null : { mode: 'token', protocol: 'auto', publicHost: o.publicHost, tunnelId: '6ff42ae2-765d-4adf-8112-31c55c1551ef' },
    state: 'running',
  };
}

export interface World {
  recipe: Recipe;
  target: CheckTarget;
  front: Front;
  /** the instance's secret values */
  secrets: string[];
  /** runs the check (with `transport` instead of the front's when given) */
  check(transport?: Transport): Promise<CheckItem[]>;
  close(): Promise<void>;
}

export async function startWorld(
  recipe: Recipe,
  o: {
    name?: string;
    domain: string;
    admin?: string;
    publicHost: string | null;
    settings?: Record<string, string>;
    overrides?: { service: string; key: string; value: string }[];
    upstream: Upstream;
    plcUrl?: string;
  },
): Promise<World> {
  const secrets = generateSecrets(recipe, {});
  const name = o.name ?? 'home';
  const p = plan(recipe, { instance: name, domain: o.domain, secrets, settings: o.settings ?? {}, overrides: o.overrides ?? [] });
  const record = recordFor(recipe, {
    name,
    domain: o.domain,
    publicHost: o.publicHost,
    ...(o.admin !== undefined && { admin: o.admin }),
    ...(o.settings && { settings: o.settings }),
  });
  const target = targetOf(record, p, recipe.check, o.plcUrl !== undefined ? { plcUrl: o.plcUrl } : {});
  const front = await startFront({ upstream: o.upstream });
  const transport = frontTransport(front.url);
  return {
    recipe,
    target,
    front,
    secrets: p.secretValues,
    check: (t) => runCheck(recipe.check, target, { transport: t ?? transport, timeoutMs: 3_000 }),
    close: () => front.close(),
  };
}

/** The ids of the items that failed, with their advice keys. */
export function failures(items: CheckItem[]): { id: string; adviceKey: string }[] {
  return items.filter((i) => i.pass === false).map((i) => ({ id: i.id, adviceKey: i.adviceKey }));
}

/** The item with this id (fails the test when there is none). */
export function itemOf(items: CheckItem[], id: string): CheckItem {
  const found = items.find((i) => i.id === id);
  if (found === undefined) throw new Error(`no item ${id} among ${items.map((i) => i.id).join(', ')}`);
  return found;
}

/**
 * A transport that stands for real TLS: answers come from `inner` (the front) with the
 * certificate marked verified, except for `badHost`, whose connection fails in the handshake with
 * `code` (as the real transport reports an expired or mismatched certificate).
 */
export function withCertificates(inner: Transport, badHost?: string, code = 'CERT_HAS_EXPIRED'): Transport {
  return async (req) => {
    const host = new URL(req.url).hostname;
    if (host === badHost) return { kind: 'error', code, message: `certificate has expired`, tls: { kind: 'failed', code, message: 'certificate has expired' } };
    const a = await inner(req);
    if (a.kind === 'error' || !req.url.startsWith('https:')) return a;
    return { ...a, tls: { kind: 'verified', validTo: '2027-01-31T23:59:59.000Z', issuer: 'Google Trust Services' } };
  };
}
