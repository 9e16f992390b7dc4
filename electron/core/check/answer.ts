/**
 * Reading one answer: who gave it (Cloudflare in front of the server, Cloudflare instead of the
 * server — a challenge, a block, the tunnel down —, or something else entirely), whether it is
 * what the probe expects, and the redacted excerpt shown with it.
 */
import type { CheckAgent, CheckExpect } from '../stacks/types';
import { redact } from '../plan/redact';
import { asText, fill, pick, pickAll, type TemplateValues } from './template';
import type { TransportAnswer } from './types';

type Response = Extract<TransportAnswer, { kind: 'response' }>;

/** Who answered: the server through Cloudflare ('server'), or Cloudflare (or something else) instead of it. */
export type Screen = 'server' | 'not-cloudflare' | 'tunnel-down' | 'dns-error' | 'challenge' | 'blocked';

/** The User-Agent each kind of asker sends. */
export function userAgent(as: CheckAgent, domain: string): string {
  switch (as) {
    case 'browser':
      return 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 (Engawa check)';
    case 'fediverse':
      return `Mastodon/4.7.4 (http.rb/5.2.0; +https://${domain}/)`;
    case 'atproto':
      return `Engawa-check/1 (AT Protocol; +https://${domain}/)`;
  }
}

/** Whether Cloudflare's edge sent the answer (its CF-Ray, or `server: cloudflare`). */
export function fromCloudflare(a: Response): boolean {
  return a.headers['cf-ray'] !== undefined || /cloudflare/i.test(a.headers.server ?? '');
}

/** Who answered a request to one of the instance's public names. */
export function screen(a: Response): Screen {
  if (!fromCloudflare(a)) return 'not-cloudflare';
  if (/\b1033\b/.test(a.body) && a.status >= 500) return 'tunnel-down';
  if (/\b1016\b/.test(a.body) && a.status >= 500) return 'dns-error';
  if (a.status === 530) return 'tunnel-down';
  if (a.headers['cf-mitigated'] === 'challenge') return 'challenge';
  if (a.status === 403 && isHtml(a)) return /just a moment|challenge-platform|cf-chl/i.test(a.body) ? 'challenge' : 'blocked';
  return 'server';
}

export function isHtml(a: Response): boolean {
  return /text\/html/i.test(a.headers['content-type'] ?? '') || /^\s*<(!doctype html|html)/i.test(a.body);
}

/** Whether Cloudflare served the answer from its cache. */
export function cachedByCloudflare(a: Response): boolean {
  return /^(HIT|STALE|UPDATING)$/i.test((a.headers['cf-cache-status'] ?? '').trim());
}

/** The outcome of comparing an answer with what the probe expects; `json` is the parsed body when there is one. */
export type Verdict = { ok: true; json: unknown } | { ok: false; problem: string };

/** Compares `a` with `expect` (templates filled from `values`); the problem reads after the probe's title. */
export function evaluate(expect: CheckExpect, a: Response, values: TemplateValues): Verdict {
  const t = (template: string): string => {
    const r = fill(template, values);
    return r.ok ? r.value : template;
  };
  if (a.status !== expect.status) {
    const error = xrpcError(a.body);
    return { ok: false, problem: `answered HTTP ${a.status}${error ? ` (${error})` : ''} instead of ${expect.status}` };
  }
  const type = a.headers['content-type'] ?? '';
  if (expect.contentType !== undefined && !new RegExp(expect.contentType, 'i').test(type)) {
    const got = type === '' ? 'no content type' : isHtml(a) ? `a web page (${type})` : type;
    return { ok: false, problem: `answered with ${got} instead of ${kindOf(expect.contentType)}` };
  }
  if (expect.text !== undefined && a.body.trim() !== t(expect.text)) {
    return { ok: false, problem: `answered "${short(a.body.trim())}" instead of ${t(expect.text)}` };
  }
  if (expect.includes !== undefined && !a.body.includes(t(expect.includes))) return { ok: false, problem: `does not mention ${t(expect.includes)}` };
  const needsJson = expect.equals !== undefined || expect.present !== undefined || expect.contains !== undefined;
  let json: unknown;
  if (needsJson || /json/i.test(type)) {
    try {
      json = JSON.parse(a.body);
    } catch {
      if (needsJson) return { ok: false, problem: isHtml(a) ? 'answered with a web page, not JSON' : 'answered with something that is not JSON' };
    }
  }
  for (const [path, template] of Object.entries(expect.equals ?? {})) {
    const want = t(template);
    const got = pick(json, path);
    if (got === undefined) return { ok: false, problem: `has no ${path} (expected ${want})` };
    if (asText(got) !== want) return { ok: false, problem: `says ${path} is ${short(asText(got))} instead of ${want}` };
  }
  for (const path of expect.present ?? []) {
    const got = pick(json, path);
    if (got === undefined || got === null || got === '') return { ok: false, problem: `has no ${path}` };
  }
  for (const [path, template] of Object.entries(expect.contains ?? {})) {
    const want = t(template);
    const list = pick(json, path);
    if (!Array.isArray(list) || !list.some((v) => asText(v) === want)) return { ok: false, problem: `does not list ${want} in ${path}` };
  }
  return { ok: true, json };
}

/** The values `path` selects, as text (for the accounts list). */
export function textsAt(json: unknown, path: string): string[] {
  return pickAll(json, path)
    .filter((v) => v !== undefined && v !== null)
    .map(asText);
}

/** The `error` name of an XRPC (or similar JSON) error answer, e.g. RepoNotFound. */
function xrpcError(body: string): string | undefined {
  try {
    const e = (JSON.parse(body) as { error?: unknown }).error;
    return typeof e === 'string' && /^[A-Za-z][A-Za-z0-9 _.-]{0,60}$/.test(e) ? e : undefined;
  } catch {
    return undefined;
  }
}

function kindOf(pattern: string): string {
  if (/activity/.test(pattern)) return 'ActivityPub JSON (application/activity+json)';
  if (/json/.test(pattern)) return 'JSON';
  if (/xml/.test(pattern)) return 'XML';
  return `a type matching ${pattern}`;
}

function short(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 80 ? `${one.slice(0, 77)}...` : one;
}

const EXCERPT_LENGTH = 300;

/** Credentials an answer should never carry, hidden whatever they are: JSON fields named like secrets, bearer tokens, JWTs. */
const CREDENTIAL_FIELDS = /("(?:[A-Za-z_]*(?:token|password|secret|jwt)[A-Za-z_]*)"\s*:\s*")[^"]*(")/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

/** `text` without the instance's secrets or anything that looks like a credential. */
export function hideSecrets(text: string, secrets: readonly string[]): string {
  return redact(text, secrets).replace(CREDENTIAL_FIELDS, '$1[redacted]$2').replace(BEARER, '$1 [redacted]').replace(JWT, '[redacted]');
}

/** The first 300 characters of a body, on one line, secrets hidden (hidden before cutting, so no half secret shows). */
export function excerpt(body: string, secrets: readonly string[]): string | null {
  if (body === '') return null;
  const one = hideSecrets(body, secrets).replace(/\s+/g, ' ').trim();
  return one.length > EXCERPT_LENGTH ? `${one.slice(0, EXCERPT_LENGTH - 3)}...` : one;
}
