/**
 * The items every stack gets, read from all the answers a check saw rather than from one probe:
 * answers to fediverse servers (Bot Fight Mode), Cloudflare's challenges and blocks, names not
 * answered by Cloudflare, cached JSON, the clock, each name's certificate, and the upload limit.
 * Each names the setting to change. A probe whose answer came from Cloudflare instead of the
 * server is "not checked", so a single cause turns exactly one of these items red.
 */
import type { CheckAgent } from '../stacks/types';
import { cachedByCloudflare, excerpt, type Screen } from './answer';
import type { CheckItem, CheckTarget, ItemDetails, TlsInfo, TransportAnswer } from './types';

/** The largest clock difference that passes. */
export const CLOCK_TOLERANCE_MS = 30_000;

/** One answer as the cross-cutting items see it. */
export interface Seen {
  request: { method: string; url: string; as: CheckAgent };
  host: string;
  /** a public name of the instance (not the PLC directory or a relay) */
  public: boolean;
  answer: TransportAnswer;
  /** who answered (public names' responses only) */
  screen?: Screen;
  /** the probe wants an answer Cloudflare did not cache */
  uncached: boolean;
  /** local time the answer arrived (ms) */
  at: number;
}

/** A fediverse-agent repeat of a probe: how the probe itself came out, and the repeat. */
export interface Twin {
  title: string;
  /** 'pass' / 'fail': the server answered the probe; 'screened': Cloudflare (or an error) answered instead */
  primary: 'pass' | 'fail' | 'screened';
  seen: Seen;
  /** whether the repeat passed the probe's expectations */
  passed: boolean;
}

export function details(s: Seen | undefined, secrets: readonly string[]): ItemDetails {
  if (s === undefined) return { request: null, status: null, contentType: null, bodyExcerpt: null };
  const a = s.answer;
  if (a.kind === 'error') return { request: s.request, status: null, contentType: null, bodyExcerpt: `${a.code}: ${a.message}` };
  return { request: s.request, status: a.status, contentType: a.headers['content-type'] ?? null, bodyExcerpt: excerpt(a.body, secrets) };
}

/** A probe's title inside a sentence ("The actor of …" → "the actor of …"). */
function inSentence(title: string): string {
  return title.startsWith('The ') ? `the ${title.slice(4)}` : title;
}

const item = (id: string, pass: CheckItem['pass'], adviceKey: string, message: string, d: ItemDetails): CheckItem => ({
  id,
  kind: 'check',
  pass,
  adviceKey,
  message,
  details: d,
});

/** Whether the repeats as a fediverse server got what a browser got. */
export function fediverseItem(twins: readonly Twin[], secrets: readonly string[]): CheckItem {
  const id = 'fediverse-agent';
  const challenged = twins.find((t) => t.primary === 'pass' && t.seen.screen === 'challenge');
  if (challenged) {
    return item(
      id,
      false,
      'bot-fight-mode',
      `Cloudflare shows other servers a challenge page instead of ${inSentence(challenged.title)}, so they cannot follow or reach you: turn off Bot Fight Mode in Cloudflare's dashboard (Security → Bots) for this domain; WAF skip rules cannot exempt it.`,
      details(challenged.seen, secrets),
    );
  }
  const blocked = twins.find((t) => t.primary === 'pass' && t.seen.screen === 'blocked');
  if (blocked) {
    return item(
      id,
      false,
      'waf-fediverse',
      `Cloudflare blocks other servers from ${inSentence(blocked.title)} (HTTP 403) while browsers get through: remove or relax the WAF rule, Bot Fight Mode or Browser Integrity Check that matches their User-Agent in Cloudflare's Security settings.`,
      details(blocked.seen, secrets),
    );
  }
  const differs = twins.find((t) => t.primary === 'pass' && !t.passed);
  if (differs) {
    return item(
      id,
      false,
      'fediverse-agent-differs',
      `${differs.title} answers other servers differently from browsers, so federation may fail: look for a Cloudflare rule or server setting that treats the User-Agent "Mastodon/…" differently.`,
      details(differs.seen, secrets),
    );
  }
  const compared = twins.filter((t) => t.primary !== 'screened' && t.seen.screen === 'server');
  if (compared.length === 0) {
    return item(
      id,
      'unknown',
      'fediverse-agent',
      'Whether other servers get the same answers as browsers was not checked, because the server itself did not answer.',
      details(twins[0]?.seen, secrets),
    );
  }
  return item(
    id,
    true,
    'fediverse-agent',
    'Other servers (User-Agent "Mastodon/…") get the same answers as browsers: no Bot Fight Mode or WAF rule is in the way.',
    details(compared[0]?.seen, secrets),
  );
}

/** Cloudflare challenges or blocks answered instead of the server (any asker but the fediverse repeats, which have their own item). */
export function securityItem(seen: readonly Seen[], secrets: readonly string[]): CheckItem {
  const id = 'cloudflare-security';
  const challenge = seen.find((s) => s.screen === 'challenge');
  if (challenge) {
    return item(
      id,
      false,
      'cloudflare-challenge',
      `Cloudflare answered ${challenge.request.url} with a challenge page instead of your server, which apps and other servers cannot pass: turn off "I'm Under Attack" mode, Bot Fight Mode and any challenge rule for this domain in Cloudflare's Security settings.`,
      details(challenge, secrets),
    );
  }
  const blocked = seen.find((s) => s.screen === 'blocked');
  if (blocked) {
    return item(
      id,
      false,
      'waf-block',
      `Cloudflare blocked ${blocked.request.url} (HTTP 403) before it reached your server: remove or relax the WAF custom rule, IP access rule or managed rule that matches it in Cloudflare's Security → WAF settings.`,
      details(blocked, secrets),
    );
  }
  const first = seen.find((s) => s.screen === 'server');
  if (first === undefined)
    return item(
      id,
      'unknown',
      'cloudflare-security',
      "Cloudflare's security settings were not checked, because no request reached the server.",
      details(undefined, secrets),
    );
  return item(id, true, 'cloudflare-security', 'Cloudflare lets requests through to the server without challenges or blocks.', details(first, secrets));
}

/** The public names that are not answered by Cloudflare or do not resolve. */
export function dnsItem(seen: readonly Seen[], secrets: readonly string[]): CheckItem {
  const id = 'dns';
  const elsewhere = seen.find((s) => s.screen === 'not-cloudflare');
  if (elsewhere) return dnsElsewhere(elsewhere, secrets);
  const dnsError = seen.find((s) => s.screen === 'dns-error');
  if (dnsError) {
    return item(
      id,
      false,
      'dns-record',
      `Cloudflare cannot find where ${dnsError.host} points (error 1016): fix its DNS record in Cloudflare's dashboard so it points to the tunnel.`,
      details(dnsError, secrets),
    );
  }
  const missing = seen.find((s) => s.public && s.answer.kind === 'error' && DNS_ERRORS.has(s.answer.code));
  if (missing) return dnsMissing(missing, secrets);
  return item(
    id,
    true,
    'dns',
    'Every name of the server points to Cloudflare, which answers for it.',
    details(
      seen.find((s) => s.public),
      secrets,
    ),
  );
}

export const DNS_ERRORS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ENODATA']);

export function dnsElsewhere(s: Seen, secrets: readonly string[]): CheckItem {
  return item(
    'dns',
    false,
    'dns-elsewhere',
    `${s.host} is answered by a server that is not Cloudflare, so its DNS record points elsewhere: in Cloudflare's DNS settings make ${s.host} a proxied (orange cloud) record pointing to the tunnel, and remove the old record.`,
    details(s, secrets),
  );
}

export function dnsMissing(s: Seen, secrets: readonly string[]): CheckItem {
  return item(
    'dns',
    false,
    'dns-missing',
    `${s.host} does not resolve: add its DNS record in Cloudflare (a proxied record pointing to the tunnel), or wait a few minutes if you have just added it.`,
    details(s, secrets),
  );
}

/** JSON that must not be cached, served from Cloudflare's cache. */
export function cacheItem(seen: readonly Seen[], secrets: readonly string[]): CheckItem {
  const id = 'cache';
  const relevant = seen.filter((s) => s.uncached && s.screen === 'server');
  const hit = relevant.find((s) => s.answer.kind === 'response' && cachedByCloudflare(s.answer));
  if (hit) {
    return item(
      id,
      false,
      'cache-rule',
      `Cloudflare served ${hit.request.url} from its cache, so other servers and apps can get stale or wrong answers: remove the cache rule (or "Cache Everything" page rule) that covers ${hit.host}, or exclude /.well-known, /users and /xrpc from it.`,
      details(hit, secrets),
    );
  }
  if (relevant.length === 0)
    return item(
      id,
      'unknown',
      'cache',
      "Cloudflare's cache was not checked, because no answer that must not be cached came from the server.",
      details(undefined, secrets),
    );
  return item(id, true, 'cache', 'Cloudflare does not serve answers that must be fresh from its cache.', details(relevant[0], secrets));
}

/** The time in answers' Date headers against this computer's clock. */
export function clockItem(seen: readonly Seen[], secrets: readonly string[]): CheckItem {
  const id = 'clock';
  let worst: { s: Seen; skew: number } | undefined;
  for (const s of seen) {
    if (s.answer.kind !== 'response') continue;
    const date = Date.parse(s.answer.headers.date ?? '');
    if (Number.isNaN(date)) continue;
    const skew = date - s.at;
    if (worst === undefined || Math.abs(skew) > Math.abs(worst.skew)) worst = { s, skew };
  }
  if (worst === undefined) return item(id, 'unknown', 'clock', 'The clock was not checked, because no answer carried the time.', details(undefined, secrets));
  const amount = duration(Math.abs(worst.skew));
  if (Math.abs(worst.skew) > CLOCK_TOLERANCE_MS) {
    return item(
      id,
      false,
      'clock',
      `The time in answers from ${worst.s.host} is ${amount} ${worst.skew > 0 ? 'ahead of' : 'behind'} this computer's clock, and other servers reject signatures dated that far off: let this computer set its clock automatically, and restart Docker Desktop if the computer has been asleep (its clock can drift).`,
      details(worst.s, secrets),
    );
  }
  return item(id, true, 'clock', `This computer's clock agrees with the time in the answers (within ${amount}).`, details(worst.s, secrets));
}

function duration(ms: number): string {
  if (ms < 1_000) return 'a second';
  if (ms < 90_000) return `${Math.round(ms / 1000)} seconds`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} minutes`;
  return `${Math.round(ms / 3_600_000)} hours`;
}

/** One item per public name asked: its certificate, as the transport saw it. */
export function certificateItems(seen: readonly Seen[], secrets: readonly string[]): CheckItem[] {
  const hosts = [...new Set(seen.filter((s) => s.public).map((s) => s.host))];
  return hosts.map((host) => {
    const mine = seen.filter((s) => s.public && s.host === host);
    const tls = (s: Seen): TlsInfo | undefined => s.answer.tls;
    const failed = mine.find((s) => tls(s)?.kind === 'failed');
    const id = `certificate:${host}`;
    if (failed) {
      const t = tls(failed) as Extract<TlsInfo, { kind: 'failed' }>;
      return item(
        id,
        false,
        'certificate',
        `The certificate of ${host} is not valid (${t.code}), so apps and servers refuse to connect: make ${host} the domain itself or one level below it (Cloudflare's free certificate covers only those), and check SSL/TLS → Edge Certificates in Cloudflare's dashboard.`,
        details(failed, secrets),
      );
    }
    const verified = mine.find((s) => tls(s)?.kind === 'verified');
    if (verified) {
      const t = tls(verified) as Extract<TlsInfo, { kind: 'verified' }>;
      const until = t.validTo !== undefined ? ` until ${t.validTo.slice(0, 10)}` : '';
      return item(id, true, 'certificate', `The certificate of ${host} is valid${until}${t.issuer ? ` (${t.issuer})` : ''}.`, details(verified, secrets));
    }
    const notChecked = mine.map(tls).find((t) => t?.kind === 'not-checked') as Extract<TlsInfo, { kind: 'not-checked' }> | undefined;
    const why = notChecked?.reason ?? 'no TLS connection was made';
    return item(id, 'unknown', 'certificate', `The certificate of ${host} was not checked, because ${why}.`, details(mine[0], secrets));
  });
}

/** A server without a tunnel: the one item of its check. */
export function localOnly(target: CheckTarget): CheckItem {
  return {
    id: 'local-only',
    kind: 'check',
    pass: false,
    adviceKey: 'local-only',
    message: `"${target.name}" has no Cloudflare Tunnel, so only this computer can reach it: to be on the internet, create a server with a tunnel (the tunnel is chosen when a server is created).`,
    details: { request: null, status: null, contentType: null, bodyExcerpt: null },
  };
}

/** Something to know about Cloudflare's free plan. */
export function uploadNote(): CheckItem {
  return {
    id: 'upload-limit',
    kind: 'note',
    pass: true,
    adviceKey: 'upload-limit',
    message:
      "Cloudflare's free plan refuses uploads over 100 MB (HTTP 413), so larger videos and files cannot be posted through the tunnel; a paid plan raises the limit.",
    details: details(undefined, []),
  };
}
