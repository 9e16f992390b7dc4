/**
 * A small XRPC client for the calls Engawa makes to its own PDS (over plain HTTP on 127.0.0.1 or the
 * instance network) and to a relay. Errors become EngawaError carrying the XRPC error name in
 * `details.xrpcError`; the admin password never appears in a message or in details.
 */
import { EngawaError, type ErrorCode } from '../../util/errors';

/** Server facts from com.atproto.server.describeServer. */
export interface ServerDescription {
  did: string;
  /** handle suffixes with their leading dot, e.g. ['.example.com'] */
  availableUserDomains: string[];
  inviteCodeRequired: boolean;
}

/** The answer of createAccount and createSession (tokens are for that account, not admin). */
export interface AccountSession {
  did: string;
  handle: string;
  accessJwt: string;
  refreshJwt: string;
}

/** One hosted account, from listRepos joined with admin.getAccountInfos. */
export interface AccountSummary {
  did: string;
  handle: string;
  email?: string;
  /** ISO time the account was created */
  createdAt: string;
  /** false when taken down, suspended or deactivated */
  active: boolean;
  /** why it is inactive, as the PDS says it: 'takendown' | 'suspended' | 'deactivated' | … */
  status?: string;
}

export interface NewAccount {
  /** the full handle, e.g. alice.example.com */
  handle: string;
  email: string;
  password: string;
  inviteCode?: string;
}

export interface XrpcClientOptions {
  /** e.g. http://127.0.0.1:3000 (no trailing /xrpc) */
  baseUrl: string;
  /** PDS_ADMIN_PASSWORD; needed only for the admin calls */
  adminPassword?: string;
  /** per request; default 15 s */
  timeoutMs?: number;
  /** injectable for tests */
  fetch?: typeof fetch;
}

/** How many DIDs go into one getAccountInfos request (each adds ~60 characters to the URL). */
const INFO_BATCH = 50;
const DEFAULT_TIMEOUT_MS = 15_000;
/** listRepos' maximum page size. */
const LIST_PAGE = 1000;

/** A typed client for one PDS. */
export class PdsClient {
  readonly #call: XrpcCaller;
  readonly #adminPassword: string | undefined;

  constructor(opts: XrpcClientOptions) {
    this.#adminPassword = opts.adminPassword;
    this.#call = xrpcCaller(opts.baseUrl, opts, opts.adminPassword);
  }

  /** GET /xrpc/_health: the PDS's version once its database answers. */
  async health(): Promise<{ version: string }> {
    const body = await this.#call({ method: 'GET', nsid: '_health' });
    return { version: str(body, 'version') };
  }

  async describeServer(): Promise<ServerDescription> {
    const body = await this.#call({ method: 'GET', nsid: 'com.atproto.server.describeServer' });
    return {
      did: str(body, 'did'),
      availableUserDomains: strings(body, 'availableUserDomains'),
      inviteCodeRequired: field(body, 'inviteCodeRequired') === true,
    };
  }

  /** A new invite code for `useCount` accounts (admin). */
  async createInviteCode(useCount = 1): Promise<string> {
    const body = await this.#call({ method: 'POST', nsid: 'com.atproto.server.createInviteCode', input: { useCount }, auth: this.#admin() });
    return str(body, 'code');
  }

  /** Makes invite codes unusable (admin), e.g. one made for an account that was then refused. */
  async disableInviteCodes(codes: string[]): Promise<void> {
    await this.#call({ method: 'POST', nsid: 'com.atproto.admin.disableInviteCodes', input: { codes }, auth: this.#admin() });
  }

  async createAccount(account: NewAccount): Promise<AccountSession> {
    return session(await this.#call({ method: 'POST', nsid: 'com.atproto.server.createAccount', input: { ...account } }));
  }

  /** Logs in as an account (handle, DID or email); useful to check a password works. */
  async createSession(identifier: string, password: string): Promise<AccountSession> {
    return session(await this.#call({ method: 'POST', nsid: 'com.atproto.server.createSession', input: { identifier, password } }));
  }

  /** Every account this PDS hosts, in listRepos order (admin). */
  async listAccounts(): Promise<AccountSummary[]> {
    const auth = this.#admin();
    const repos: { did: string; active: boolean; status?: string }[] = [];
    let cursor: string | undefined;
    do {
      const body = await this.#call({
        method: 'GET',
        nsid: 'com.atproto.sync.listRepos',
        params: { limit: String(LIST_PAGE), ...(cursor !== undefined && { cursor }) },
      });
      const page = list(body, 'repos');
      for (const r of page) {
        const status = field(r, 'status');
        repos.push({ did: str(r, 'did'), active: field(r, 'active') !== false, ...(typeof status === 'string' && { status }) });
      }
      const next = field(body, 'cursor');
      cursor = typeof next === 'string' && next !== cursor && page.length >= LIST_PAGE ? next : undefined;
    } while (cursor !== undefined);

    const infos = new Map<string, unknown>();
    for (let i = 0; i < repos.length; i += INFO_BATCH) {
      const dids = repos.slice(i, i + INFO_BATCH).map((r) => r.did);
      const body = await this.#call({ method: 'GET', nsid: 'com.atproto.admin.getAccountInfos', params: { dids }, auth });
      for (const info of list(body, 'infos')) infos.set(str(info, 'did'), info);
    }
    return repos.map((repo) => {
      const info = infos.get(repo.did);
      const email = info === undefined ? undefined : field(info, 'email');
      return {
        did: repo.did,
        handle: info === undefined ? 'handle.invalid' : str(info, 'handle'),
        ...(typeof email === 'string' && { email }),
        createdAt: info === undefined ? '' : str(info, 'indexedAt'),
        active: repo.active,
        ...(repo.status !== undefined && { status: repo.status }),
      };
    });
  }

  /** Sets an account's password without the old one (admin). */
  async updateAccountPassword(did: string, password: string): Promise<void> {
    await this.#call({ method: 'POST', nsid: 'com.atproto.admin.updateAccountPassword', input: { did, password }, auth: this.#admin() });
  }

  #admin(): string {
    if (this.#adminPassword === undefined || this.#adminPassword === '') {
      throw new EngawaError('INTERNAL', 'This PDS call needs the admin password, and none was given.');
    }
    return `Basic ${Buffer.from(`admin:${this.#adminPassword}`).toString('base64')}`;
  }
}

/**
 * Asks a relay (e.g. https://bsky.network) to crawl this PDS: com.atproto.sync.requestCrawl with the
 * PDS's public hostname. The PDS does this itself for PDS_CRAWLERS; this is the manual "announce again".
 */
export async function requestCrawl(relayUrl: string, hostname: string, opts: Omit<XrpcClientOptions, 'baseUrl' | 'adminPassword'> = {}): Promise<void> {
  await xrpcCaller(relayUrl, opts, undefined)({ method: 'POST', nsid: 'com.atproto.sync.requestCrawl', input: { hostname } });
}

interface XrpcRequest {
  method: 'GET' | 'POST';
  nsid: string;
  params?: Record<string, string | string[]>;
  input?: Record<string, unknown>;
  /** the Authorization header */
  auth?: string;
}

type XrpcCaller = (req: XrpcRequest) => Promise<unknown>;

function xrpcCaller(baseUrl: string, opts: Omit<XrpcClientOptions, 'baseUrl'>, secret: string | undefined): XrpcCaller {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const origin = baseUrl.replace(/\/+$/, '');
  return async (req) => {
    const url = new URL(`${origin}/xrpc/${req.nsid}`);
    for (const [key, value] of Object.entries(req.params ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, v);
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (req.auth !== undefined) headers.authorization = req.auth;
    if (req.input !== undefined) headers['content-type'] = 'application/json';
    const init: RequestInit = {
      method: req.method,
      headers,
      ...(req.input !== undefined && { body: JSON.stringify(req.input) }),
    };
    const where = { method: req.nsid, url: `${origin}/xrpc/${req.nsid}` };

    let res: Response;
    try {
      res = await fetchOnce(doFetch, url, init, timeoutMs, req.method === 'GET');
    } catch (e) {
      if (e instanceof Error && e.name === 'TimeoutError') {
        throw new EngawaError('TIMEOUT', `${origin} did not answer ${req.nsid} within ${Math.round(timeoutMs / 1000)} s.`, where, { cause: e });
      }
      throw new EngawaError('UNHEALTHY', `Cannot reach ${origin} (${scrub(causeText(e), secret)}); check that the server is running.`, where);
    }
    const text = await res.text();
    const body = parseJson(text);
    if (res.ok) {
      if (text !== '' && body === undefined) throw badAnswer(req.nsid, origin, where);
      return body ?? {};
    }
    throw xrpcError(req.nsid, origin, res.status, body, secret, where);
  };
}

/** One request; an idempotent GET is repeated once on a network error (a stale keep-alive socket after a restart). */
async function fetchOnce(doFetch: typeof fetch, url: URL, init: RequestInit, timeoutMs: number, retry: boolean): Promise<Response> {
  try {
    return await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    if (!retry || (e instanceof Error && e.name === 'TimeoutError')) throw e;
    return await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  }
}

/** XRPC error names → our codes; anything else goes by HTTP status. */
const BY_NAME: Record<string, ErrorCode> = {
  HandleNotAvailable: 'NAME_TAKEN',
  AccountNotFound: 'NOT_FOUND',
  RepoNotFound: 'NOT_FOUND',
  MethodNotImplemented: 'NOT_FOUND',
  RateLimitExceeded: 'BUSY',
};

/** The PDS reports a taken handle or e-mail only in the message of a generic InvalidRequest. */
const TAKEN = /^(Handle|Email) already taken/;

function xrpcError(nsid: string, origin: string, status: number, body: unknown, secret: string | undefined, where: Record<string, unknown>): EngawaError {
  const error = field(body, 'error');
  const message = field(body, 'message');
  const name = typeof error === 'string' ? error : `HTTP ${status}`;
  const said = typeof message === 'string' ? scrub(message, secret) : '';
  const code = codeFor(name, said, status);
  const hint =
    status === 401 || status === 403 ? ' (the password or admin password was not accepted)' : code === 'BUSY' ? '; wait a few minutes and try again' : '';
  const reason = said === '' ? name : `${name}: ${said.replace(/\.$/, '')}`;
  return new EngawaError(code, `${origin} refused ${nsid} (${reason})${hint}.`, {
    ...where,
    status,
    xrpcError: name,
    ...(said !== '' && { xrpcMessage: said }),
  });
}

function codeFor(name: string, message: string, status: number): ErrorCode {
  const byName = Object.hasOwn(BY_NAME, name) ? BY_NAME[name] : undefined;
  if (byName !== undefined) return byName;
  if (TAKEN.test(message)) return 'NAME_TAKEN';
  if (status === 429) return 'BUSY';
  if (status === 404) return 'NOT_FOUND';
  if (status >= 500) return 'UNHEALTHY';
  return status >= 400 ? 'INVALID_INPUT' : 'INTERNAL';
}

function badAnswer(nsid: string, origin: string, where: Record<string, unknown>): EngawaError {
  return new EngawaError('INTERNAL', `${origin} gave an answer to ${nsid} that is not what a PDS sends.`, where);
}

function session(body: unknown): AccountSession {
  return { did: str(body, 'did'), handle: str(body, 'handle'), accessJwt: str(body, 'accessJwt'), refreshJwt: str(body, 'refreshJwt') };
}

function field(x: unknown, key: string): unknown {
  return x !== null && typeof x === 'object' && Object.hasOwn(x, key) ? (x as Record<string, unknown>)[key] : undefined;
}

function str(x: unknown, key: string): string {
  const v = field(x, key);
  if (typeof v !== 'string') throw new EngawaError('INTERNAL', `The PDS answered without the text field "${key}".`, { field: key });
  return v;
}

function strings(x: unknown, key: string): string[] {
  const v = field(x, key);
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw new EngawaError('INTERNAL', `The PDS answered without the list "${key}".`, { field: key });
  }
  return v as string[];
}

function list(x: unknown, key: string): unknown[] {
  const v = field(x, key);
  if (!Array.isArray(v)) throw new EngawaError('INTERNAL', `The PDS answered without the list "${key}".`, { field: key });
  return v;
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

function causeText(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  const code = field(cause, 'code');
  if (typeof code === 'string') return code;
  return cause instanceof Error ? cause.message : String(cause);
}

/** Removes the secret from text that came from elsewhere (a server message, a network error). */
function scrub(text: string, secret: string | undefined): string {
  return secret === undefined || secret === '' ? text : text.split(secret).join('***');
}
