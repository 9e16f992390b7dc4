/**
 * Administration of a PDS that Engawa runs (the CLI's `engawa pds …` and the dashboard): list
 * accounts, create one, reset a password, make an invite code, announce the PDS to its relays.
 * It talks XRPC to the instance's local address with the admin password from the instance's plan
 * (that is, from the secret store). Every refusal becomes one plain sentence, and a request that is
 * refused changes nothing (an invite code made for a refused account is disabled again).
 */
import type { Plan } from '../../plan/types';
import { EngawaError, isEngawaError } from '../../util/errors';
import type { InstanceStatus } from '../../../shared/contract';
import { password as generatePassword } from '../secrets';
import { checkHandle } from './handles';
import { PdsClient, requestCrawl, type AccountSummary } from './xrpc';

/** What PdsAdmin needs of the instance manager. */
export interface PdsInstances {
  status(name: string): Promise<InstanceStatus>;
  planFor(name: string): Promise<Plan>;
}

export interface PdsAdminOptions {
  /** injectable for tests */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** An account that was created or whose password was set; `password` only when Engawa made it up. */
export interface AccountResult {
  did: string;
  handle: string;
  password?: string;
}

const STACK = 'bluesky';
const SERVICE = 'pds';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PASSWORD_MIN = 8;
/** The PDS's NEW_PASSWORD_MAX_LENGTH. */
const PASSWORD_MAX = 256;
const GENERATED_PASSWORD_LENGTH = 24;

/** The administration of one PDS instance. */
export class PdsAdmin {
  readonly #client: PdsClient;
  readonly #status: InstanceStatus;
  readonly #opts: PdsAdminOptions;

  private constructor(
    /** the instance name */
    readonly name: string,
    /** PDS_HOSTNAME, e.g. pds.example.com */
    readonly hostname: string,
    /** the handle suffix, e.g. .example.com */
    readonly handleDomain: string,
    /** the relays of PDS_CRAWLERS (none: the PDS announces itself nowhere) */
    readonly relays: string[],
    /** values never to print (the plan's secrets) */
    readonly secretValues: string[],
    status: InstanceStatus,
    adminPassword: string,
    opts: PdsAdminOptions,
  ) {
    this.#status = status;
    this.#opts = opts;
    this.#client = new PdsClient({ baseUrl: status.localUrl, adminPassword, ...opts });
  }

  /** Reads the instance's state and plan; INVALID_INPUT when it is not a Bluesky PDS. */
  static async open(instances: PdsInstances, name: string, opts: PdsAdminOptions = {}): Promise<PdsAdmin> {
    const status = await instances.status(name);
    if (status.stack !== STACK) {
      throw new EngawaError('INVALID_INPUT', `"${name}" runs ${status.stack}, not a Bluesky PDS.`, { name, stack: status.stack });
    }
    const plan = await instances.planFor(name);
    const env = plan.services.find((s) => s.name === SERVICE)?.env ?? {};
    const list = (v: string | undefined) =>
      (v ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    const handleDomain = list(env.PDS_SERVICE_HANDLE_DOMAINS)[0] ?? `.${plan.domain}`;
    return new PdsAdmin(
      name,
      env.PDS_HOSTNAME ?? plan.hosts.pds ?? plan.domain,
      handleDomain,
      list(env.PDS_CRAWLERS),
      plan.secretValues,
      status,
      env.PDS_ADMIN_PASSWORD ?? '',
      opts,
    );
  }

  /** Every account the PDS hosts. */
  async accounts(): Promise<AccountSummary[]> {
    this.#ready();
    return this.#explain(() => this.#client.listAccounts());
  }

  /** A new single-use invite code. */
  async invite(): Promise<string> {
    this.#ready();
    return this.#explain(() => this.#client.createInviteCode(1));
  }

  /**
   * Creates an account with an invite code made for it. `handle` is a name (bob) or a full handle
   * (bob.example.com); without `password` a strong one is made up and returned once.
   */
  async createAccount(input: { handle: string; email: string; password?: string }): Promise<AccountResult> {
    const handle = checkHandle(input.handle, this.handleDomain);
    const email = input.email.trim();
    if (!EMAIL.test(email)) throw new EngawaError('INVALID_INPUT', `"${input.email}" is not an e-mail address.`, { email: input.email });
    const pass = input.password ?? generatePassword(GENERATED_PASSWORD_LENGTH);
    if (input.password !== undefined) checkPassword(pass);
    this.#ready();

    // the PDS says "taken" only after an invite code exists; asking first keeps a refusal change-free
    const existing = await this.#explain(() => this.#client.listAccounts());
    if (existing.some((a) => a.handle === handle)) throw handleTaken(handle);
    if (existing.some((a) => a.email?.toLowerCase() === email.toLowerCase())) throw emailTaken(email);

    const inviteCode = await this.#explain(() => this.#client.createInviteCode(1));
    try {
      const account = await this.#client.createAccount({ handle, email, password: pass, inviteCode });
      return { did: account.did, handle: account.handle, ...(input.password === undefined && { password: pass }) };
    } catch (e) {
      await this.#client.disableInviteCodes([inviteCode]).catch(() => undefined);
      throw this.#accountRefusal(e, handle, email);
    }
  }

  /** Sets a new password for the account with this handle; without `password` one is made up and returned once. */
  async resetPassword(handleInput: string, password?: string): Promise<AccountResult> {
    const handle = checkHandle(handleInput, this.handleDomain);
    const pass = password ?? generatePassword(GENERATED_PASSWORD_LENGTH);
    if (password !== undefined) checkPassword(pass);
    this.#ready();
    const account = (await this.#explain(() => this.#client.listAccounts())).find((a) => a.handle === handle);
    if (account === undefined) {
      throw new EngawaError('NOT_FOUND', `There is no account ${handle} on "${this.name}".`, { name: this.name, handle });
    }
    await this.#explain(() => this.#client.updateAccountPassword(account.did, pass));
    return { did: account.did, handle, ...(password === undefined && { password: pass }) };
  }

  /**
   * Asks every relay of the crawlers setting to crawl this PDS (com.atproto.sync.requestCrawl);
   * returns the relays told. STATE when none is configured; UNHEALTHY naming the relays that failed.
   */
  async announce(): Promise<string[]> {
    if (this.relays.length === 0) {
      throw new EngawaError('STATE', `"${this.name}" has no relays configured (its crawlers setting is empty), so there is nobody to announce it to.`, {
        name: this.name,
      });
    }
    this.#ready();
    const failed: string[] = [];
    for (const relay of this.relays) {
      await requestCrawl(relay, this.hostname, this.#opts).catch(() => failed.push(relay));
    }
    if (failed.length > 0) {
      throw new EngawaError('UNHEALTHY', `These relays did not accept the announcement of ${this.hostname}: ${failed.join(', ')}; try again later.`, {
        failed,
        told: this.relays.filter((r) => !failed.includes(r)),
      });
    }
    return [...this.relays];
  }

  /** UNHEALTHY unless the instance is running and healthy. */
  #ready(): void {
    const { state } = this.#status;
    if (state === 'running') return;
    const why =
      state === 'starting' || state === 'creating'
        ? 'is still starting; try again in a minute'
        : state === 'stopped'
          ? 'is stopped; start it and try again'
          : `is not running (${state}); start it and try again`;
    throw new EngawaError('UNHEALTHY', `The PDS of "${this.name}" ${why}.`, { name: this.name, state });
  }

  /** Runs a call; the admin password refused → SECRETS, no answer → UNHEALTHY. */
  async #explain<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      throw this.#common(e);
    }
  }

  #common(e: unknown): unknown {
    if (!isEngawaError(e)) return e;
    const status = e.details?.status;
    if (status === 401 || status === 403) {
      return new EngawaError(
        'SECRETS',
        `The PDS of "${this.name}" did not accept the admin password Engawa keeps for it; restore the instance's secrets from a backup.`,
        { name: this.name },
      );
    }
    if ((e.code === 'UNHEALTHY' || e.code === 'TIMEOUT') && status === undefined) {
      return new EngawaError('UNHEALTHY', `The PDS of "${this.name}" does not answer at ${this.#status.localUrl}; wait until it is running and try again.`, {
        name: this.name,
      });
    }
    return e;
  }

  /** createAccount's refusals, each in one sentence. */
  #accountRefusal(e: unknown, handle: string, email: string): unknown {
    if (!isEngawaError(e) || e.details?.status === undefined) return this.#common(e);
    const name = String(e.details.xrpcError ?? '');
    const said = String(e.details.xrpcMessage ?? '');
    if (/^Handle already taken/.test(said)) return handleTaken(handle);
    if (/^Email already taken/.test(said)) return emailTaken(email);
    if (/email/i.test(said)) {
      return new EngawaError(
        'INVALID_INPUT',
        `The PDS does not accept the e-mail address ${email} (it refuses invalid and throwaway addresses); use another one.`,
        {
          email,
        },
      );
    }
    if (name === 'InvalidHandle' || name === 'HandleNotAvailable') {
      return new EngawaError('INVALID_INPUT', `The handle ${handle} is not allowed by the PDS (${said || name}); choose another one.`, { handle });
    }
    if (/password/i.test(said)) return new EngawaError('INVALID_INPUT', `The PDS does not accept this password (${said}).`);
    return this.#common(e);
  }
}

/** INVALID_INPUT unless `password` is 8 to 256 characters without line breaks. */
export function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX || /[\u0000-\u001f\u007f]/.test(password)) {
    throw new EngawaError('INVALID_INPUT', `The password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long, without line breaks.`);
  }
}

function handleTaken(handle: string): EngawaError {
  return new EngawaError('NAME_TAKEN', `The handle ${handle} is already taken on this PDS; choose another one.`, { handle });
}

function emailTaken(email: string): EngawaError {
  return new EngawaError('NAME_TAKEN', `The e-mail address ${email} is already used by another account on this PDS.`, { email });
}
