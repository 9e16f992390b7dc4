/**
 * Runs a stack's check (its recipe's CheckSpec) against an instance's public URL, one request at a
 * time. First the public URL's health path, as a visitor would ask for it: when nothing answers,
 * the tunnel is down, the name points elsewhere or its certificate fails, that one item is the
 * whole result (not twenty failures). Then each probe in order, the later ones using what the
 * earlier ones found (the actor's address from WebFinger, the accounts from listRepos); a probe
 * that needs what an earlier one could not find is "not checked". Then the items every stack
 * gets (cross.ts). Requests go only to the instance's own public names, its PLC directory and its
 * relay; none carries a credential.
 */
import type { CheckProbe, CheckSpec } from '../stacks/types';
import { evaluate, hideSecrets, screen, textsAt, userAgent, type Verdict } from './answer';
import {
  cacheItem,
  certificateItems,
  clockItem,
  details,
  DNS_ERRORS,
  dnsElsewhere,
  dnsItem,
  dnsMissing,
  fediverseItem,
  localOnly,
  securityItem,
  uploadNote,
  type Seen,
  type Twin,
} from './cross';
import { fill, fillLenient, type TemplateValues } from './template';
import { REQUEST_TIMEOUT_MS } from './transport';
import type { CheckItem, CheckTarget, Transport, TransportRequest } from './types';

export interface RunOptions {
  transport: Transport;
  /** the local clock (ms), for the Date comparison */
  now?: () => number;
  timeoutMs?: number;
}

/** The items of a check of `target` (without the tunnel, the one local-only item). */
export async function runCheck(spec: CheckSpec | undefined, target: CheckTarget, opts: RunOptions): Promise<CheckItem[]> {
  if (target.publicHost === null) return [localOnly(target)];
  const run = new Run(target, opts);
  for (const p of spec?.probes ?? []) {
    for (const name of Object.keys(p.capture ?? {})) if (p.each !== 'account') run.producers[name] ??= p.id;
    if (p.accounts !== undefined && run.accountsSource === '') run.accountsSource = p.id;
  }
  const gate = await run.gate(target.publicHost);
  const items = [gate.item];
  if (!gate.stop) {
    for (const probe of spec?.probes ?? []) items.push(...(await run.probe(probe)));
    items.push(...run.crossItems());
  }
  // whatever the answers carried, no secret of the instance and nothing like a credential is shown
  return items.map((i) => ({
    ...i,
    message: hideSecrets(i.message, target.secrets),
    details: { ...i.details, request: i.details.request && { ...i.details.request, url: hideSecrets(i.details.request.url, target.secrets) } },
  }));
}

interface Account {
  did: string;
  values: Record<string, string>;
}

class Run {
  readonly seen: Seen[] = [];
  readonly twins: Twin[] = [];
  readonly captures: Record<string, string> = {};
  /** which probe keeps each capture, and the probes that passed: to say why a later probe was not checked */
  producers: Record<string, string> = {};
  readonly passed = new Set<string>();
  accounts: Account[] | undefined;
  accountsSource = '';
  readonly now: () => number;
  readonly timeoutMs: number;

  constructor(
    readonly target: CheckTarget,
    readonly opts: RunOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
  }

  /** The public URL's health path: the tunnel item, and whether the check stops there. */
  async gate(host: string): Promise<{ item: CheckItem; stop: boolean }> {
    const url = `https://${host}${this.target.healthPath}`;
    const s = await this.send({ method: 'GET', url, headers: { 'user-agent': userAgent('browser', this.target.domain) } }, 'browser', false);
    const secrets = this.target.secrets;
    const it = (pass: CheckItem['pass'], adviceKey: string, message: string): CheckItem => ({
      id: 'tunnel',
      kind: 'check',
      pass,
      adviceKey,
      message,
      details: details(s, secrets),
    });
    const a = s.answer;
    if (a.kind === 'error') {
      if (a.tls?.kind === 'failed') return { item: certificateItems([s], secrets)[0] as CheckItem, stop: true };
      if (DNS_ERRORS.has(a.code)) return { item: dnsMissing(s, secrets), stop: true };
      const message = `Nothing answered at https://${host} (${a.code}): check this computer's internet connection, then that the server and its tunnel are running.`;
      return { item: it(false, 'unreachable', message), stop: true };
    }
    switch (s.screen) {
      case 'not-cloudflare':
        return { item: dnsElsewhere(s, secrets), stop: true };
      case 'dns-error':
        return { item: dnsItem([s], secrets), stop: true };
      case 'tunnel-down': {
        const message = `Cloudflare cannot reach this computer (error 1033, HTTP ${a.status}): start the server so its connector (cloudflared) runs, and check that the DNS record of ${host} points to this server's tunnel.`;
        return { item: it(false, 'tunnel-down', message), stop: true };
      }
      case 'challenge':
      case 'blocked':
        return {
          item: it('unknown', 'tunnel', `Whether the tunnel reaches the server was not checked, because Cloudflare answered for ${host} itself.`),
          stop: false,
        };
    }
    if ([502, 503, 504].includes(a.status)) {
      const message = `The tunnel works, but the server behind it does not answer (HTTP ${a.status}): start it, or wait until it has finished starting.`;
      return { item: it(false, 'server-not-ready', message), stop: true };
    }
    if (a.status < 200 || a.status >= 300) {
      return {
        item: it(
          false,
          'health',
          `The health page https://${host}${this.target.healthPath} answered HTTP ${a.status} instead of 200: the server is not healthy; look at its logs.`,
        ),
        stop: false,
      };
    }
    return { item: it(true, 'tunnel', `Cloudflare reaches the server at https://${host} through its tunnel.`), stop: false };
  }

  async probe(p: CheckProbe): Promise<CheckItem[]> {
    if (p.each !== 'account') return [await this.one(p, undefined)];
    if (this.accounts === undefined) {
      const source = this.accountsSource === '' ? 'no earlier check' : `the ${this.accountsSource} item`;
      const message = `No account's ${p.id} item was checked, because it needs the list of accounts, which ${source} did not give.`;
      return [{ id: p.id, kind: 'check', pass: 'unknown', adviceKey: p.adviceKey, message, details: details(undefined, this.target.secrets) }];
    }
    const items: CheckItem[] = [];
    for (const account of this.accounts) items.push(await this.one(p, account));
    return items;
  }

  crossItems(): CheckItem[] {
    const secrets = this.target.secrets;
    const primary = this.seen.filter((s) => s.public && !this.twins.some((t) => t.seen === s));
    return [
      ...(this.twins.length > 0 ? [fediverseItem(this.twins, secrets)] : []),
      securityItem(primary, secrets),
      dnsItem(this.seen, secrets),
      cacheItem(this.seen, secrets),
      clockItem(this.seen, secrets),
      ...certificateItems(this.seen, secrets),
      uploadNote(),
    ];
  }

  private values(account: Account | undefined): TemplateValues {
    const t = this.target;
    const v: TemplateValues = { domain: t.domain, admin: t.admin, plc: t.plcUrl?.replace(/\/+$/, ''), relay: t.relays[0]?.replace(/\/+$/, '') };
    for (const [k, host] of Object.entries(t.hosts)) v[`host.${k}`] = host;
    for (const [k, c] of Object.entries(this.captures)) v[`capture.${k}`] = c;
    if (account) {
      v['account.did'] = account.did;
      for (const [k, c] of Object.entries(account.values)) v[`account.${k}`] = c;
    }
    return v;
  }

  private async one(p: CheckProbe, account: Account | undefined): Promise<CheckItem> {
    const values = this.values(account);
    const id = account ? `${p.id}:${account.did}` : p.id;
    const title = fillLenient(p.title, values);
    if (p.when !== undefined) {
      const v = fill(p.when.value, values);
      if (!v.ok || !new RegExp(p.when.matches).test(v.value)) return this.unknown(p, id, title, 'it does not apply here', undefined);
    }
    const url = fill(p.url, values);
    if (!url.ok) return this.unknown(p, id, title, this.whyMissing(url.missing), undefined);
    const where = this.allowed(p, url.value);
    if (where !== true)
      return where === 'http'
        ? this.fail(p, id, title, `is at ${url.value}, not an https:// address`, undefined, values)
        : this.unknown(p, id, title, where, undefined);
    const headers: Record<string, string> = { 'user-agent': userAgent(p.as, this.target.domain) };
    if (p.accept !== undefined) headers.accept = p.accept;
    if (p.body !== undefined) headers['content-type'] = p.body.contentType;
    const req = { method: p.method, url: url.value, headers, ...(p.body !== undefined && { body: p.body.text }) };
    const external = (p.target ?? 'public') !== 'public';
    const s = await this.send(req, p.as, p.uncached === true, external);
    const verdict = this.judge(p, s, values, external);
    if (p.alsoAsFediverse === true && p.as !== 'fediverse') {
      const twin = await this.send(
        { ...req, headers: { ...headers, 'user-agent': userAgent('fediverse', this.target.domain) } },
        'fediverse',
        p.uncached === true,
        external,
      );
      const twinVerdict = this.judge(p, twin, values, external);
      const primary = typeof verdict === 'string' ? 'screened' : verdict.ok ? 'pass' : 'fail';
      this.twins.push({ title, primary, seen: twin, passed: typeof twinVerdict !== 'string' && twinVerdict.ok });
    }
    if (typeof verdict === 'string') return this.unknown(p, id, title, verdict, s);
    if (!verdict.ok) return this.fail(p, id, title, verdict.problem, s, values);
    this.keep(p, verdict.json, account, id);
    return {
      id,
      kind: 'check',
      pass: true,
      adviceKey: p.adviceKey,
      message: `${title} answers as expected.`,
      details: details(s, this.target.secrets),
    };
  }

  /** A verdict, or why the probe could not be judged (Cloudflare or nobody answered instead of the server). */
  private judge(p: CheckProbe, s: Seen, values: TemplateValues, external: boolean): Verdict | string {
    const a = s.answer;
    if (a.kind === 'error') {
      if (a.tls?.kind === 'failed') return `the certificate of ${s.host} is not valid (see its certificate item)`;
      if (external) return `${s.host} did not answer (${a.code})`;
      return { ok: false, problem: `did not answer (${a.code}: ${a.message})` };
    }
    switch (s.screen) {
      case 'not-cloudflare':
        return `${s.host} is answered by a server that is not Cloudflare (see the DNS item)`;
      case 'dns-error':
        return `Cloudflare cannot find where ${s.host} points (see the DNS item)`;
      case 'tunnel-down':
        return 'the tunnel went down during the check';
      case 'challenge':
        return 'Cloudflare answered with a challenge page instead of the server (see the Cloudflare items)';
      case 'blocked':
        return 'Cloudflare blocked the request before it reached the server (see the Cloudflare items)';
    }
    if (external && a.status >= 500) return `${s.host} is not answering properly (HTTP ${a.status})`;
    return evaluate(p.expect, a, values);
  }

  /** Keeps what a passed probe found for the later ones. */
  private keep(p: CheckProbe, json: unknown, account: Account | undefined, id: string): void {
    this.passed.add(id);
    for (const [name, c] of Object.entries(p.capture ?? {})) {
      const found = textsAt(json, c.path)[0];
      if (found === undefined) continue;
      const value = c.removePrefix !== undefined && found.startsWith(c.removePrefix) ? found.slice(c.removePrefix.length) : found;
      if (account) account.values[name] = value;
      else this.captures[name] = value;
    }
    if (p.accounts !== undefined) this.accounts = [...new Set(textsAt(json, p.accounts))].slice(0, MAX_ACCOUNTS).map((did) => ({ did, values: {} }));
  }

  private whyMissing(key: string): string {
    if (key === 'admin') return 'the server has no admin account';
    if (key === 'plc') return 'no PLC directory is configured';
    if (key === 'relay') return 'no relay is configured, so nobody outside sees the posts (set the crawlers setting to a relay such as https://bsky.network)';
    if (key.startsWith('capture.')) {
      const name = key.slice('capture.'.length);
      const producer = this.producers[name];
      if (producer === undefined) return 'an earlier check that finds it did not pass';
      return this.passed.has(producer)
        ? `the answer of the ${producer} item did not include it`
        : `it needs what the ${producer} item finds, and that did not pass`;
    }
    if (key.startsWith('account.')) return `an earlier check did not find the account's ${key.slice('account.'.length)}`;
    return `${key} is not known`;
  }

  /** True when the check may ask `url`; 'http' for a public address that is not https; otherwise why not. */
  private allowed(p: CheckProbe, url: string): true | 'http' | string {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return `"${url}" is not an address`;
    }
    const target = p.target ?? 'public';
    if (target === 'public') {
      if (!this.isPublicName(u.hostname)) return `${u.host} is not one of this server's own names, and the check asks nothing of other servers`;
      return u.protocol === 'https:' ? true : 'http';
    }
    const base = target === 'plc' ? this.target.plcUrl : this.target.relays[0];
    return base !== undefined && new URL(base).origin === u.origin ? true : `${u.origin} is not the configured ${target === 'plc' ? 'PLC directory' : 'relay'}`;
  }

  private isPublicName(host: string): boolean {
    const h = host.toLowerCase();
    return this.target.names.some((n) => (n.startsWith('*.') ? h.endsWith(n.slice(1)) && h.length > n.length - 1 : h === n.toLowerCase()));
  }

  private async send(req: Omit<TransportRequest, 'timeoutMs'>, as: CheckProbe['as'], uncached: boolean, external = false): Promise<Seen> {
    const answer = await this.opts.transport({ ...req, timeoutMs: this.timeoutMs });
    const at = this.now();
    const host = new URL(req.url).hostname;
    const s: Seen = { request: { method: req.method, url: req.url, as }, host, public: !external, answer, uncached, at };
    if (!external && answer.kind === 'response') s.screen = screen(answer);
    this.seen.push(s);
    return s;
  }

  private unknown(p: CheckProbe, id: string, title: string, why: string, s: Seen | undefined): CheckItem {
    const adviceKey = why.startsWith('no relay is configured') ? 'no-relay' : p.adviceKey;
    return {
      id,
      kind: 'check',
      pass: 'unknown',
      adviceKey,
      message: `${title} was not checked, because ${why}.`,
      details: details(s, this.target.secrets),
    };
  }

  private fail(p: CheckProbe, id: string, title: string, problem: string, s: Seen | undefined, values: TemplateValues): CheckItem {
    const message = `${title} ${problem}: ${fillLenient(p.advice, values)}.`;
    return {
      id,
      kind: 'check',
      pass: false,
      adviceKey: p.adviceKey,
      message,
      details: details(s, this.target.secrets),
    };
  }
}

/** At most this many accounts are checked (a home PDS has a few). */
const MAX_ACCOUNTS = 20;
