/**
 * Cloudflare API failures as EngawaErrors with one plain sentence of advice. `details.reason`
 * tells them apart for the renderer: token, permission, rate-limit, server, offline, refused.
 */
import { EngawaError } from '../util/errors';

/** The three token permissions Engawa needs, in the words of Cloudflare's token form. */
export const PERMISSIONS = {
  tunnel: 'Account → Cloudflare Tunnel → Edit',
  dns: 'Zone → DNS → Edit',
  zone: 'Zone → Zone → Read',
} as const;

export type Permission = keyof typeof PERMISSIONS;

/** Cloudflare's error code for "An A, AAAA, or CNAME record with that host already exists". */
const DNS_RECORD_EXISTS = 81053;

/** What a failed call was for, so the message can say it. */
export interface CallContext {
  /** e.g. "create the tunnel" */
  what: string;
  permission: Permission;
}

/** The error for an HTTP answer that is not a success. `retryAfterS` comes from Retry-After. */
export function httpError(status: number, errors: { code: number; message: string }[], call: CallContext, retryAfterS?: number): EngawaError {
  const cf = errors.map((e) => `${e.message} (${e.code})`).join('; ');
  const details = { status, what: call.what, ...(cf && { cloudflare: cf }) };
  if (status === 401) {
    return new EngawaError(
      'INVALID_INPUT',
      'Cloudflare did not accept the API token: it is mistyped, expired or deleted. Create a new token and paste it again.',
      { ...details, reason: 'token' },
    );
  }
  if (status === 403) {
    const permission = PERMISSIONS[call.permission];
    return new EngawaError(
      'INVALID_INPUT',
      `The Cloudflare API token lacks the permission "${permission}", which Engawa needs to ${call.what}. Edit the token in Cloudflare's dashboard and add it.`,
      { ...details, reason: 'permission', permission },
    );
  }
  if (status === 404) {
    return new EngawaError('NOT_FOUND', `Cloudflare could not find what Engawa asked for (to ${call.what}).`, { ...details, reason: 'not-found' });
  }
  if (status === 429) {
    const wait = retryAfterS ?? 60;
    return new EngawaError('BUSY', `Cloudflare asks Engawa to slow down; try again in ${wait} seconds.`, {
      ...details,
      reason: 'rate-limit',
      retryAfterS: wait,
    });
  }
  if (status >= 500) {
    return new EngawaError('OFFLINE', `Cloudflare is having trouble (HTTP ${status}) and could not ${call.what}; try again in a few minutes.`, {
      ...details,
      reason: 'server',
    });
  }
  if (errors.some((e) => e.code === DNS_RECORD_EXISTS)) {
    return new EngawaError('NAME_TAKEN', `Cloudflare already has a DNS record with that name, so Engawa could not ${call.what}.`, {
      ...details,
      reason: 'record-exists',
    });
  }
  return new EngawaError('INVALID_INPUT', `Cloudflare refused to ${call.what}${cf ? `: ${cf}` : ''}.`, { ...details, reason: 'refused' });
}

/** The error when Cloudflare cannot be reached or does not answer in time. */
export function offlineError(host: string, call: CallContext, timedOut: boolean, cause: unknown): EngawaError {
  const message = timedOut
    ? `Cloudflare (${host}) did not answer in time when Engawa tried to ${call.what}; check the internet connection and try again.`
    : `Engawa cannot reach Cloudflare (${host}) to ${call.what}; check the internet connection (and a proxy, if you use one) and try again.`;
  return new EngawaError('OFFLINE', message, { reason: 'offline', what: call.what, timedOut }, { cause });
}

/** The error when the answer is not Cloudflare's API at all (a wrong address, a captive portal, a proxy). */
export function notApiError(host: string, status: number, call: CallContext): EngawaError {
  return new EngawaError(
    'OFFLINE',
    `${host} answered, but not as Cloudflare's API (HTTP ${status}), when Engawa tried to ${call.what}; check the internet connection and any proxy.`,
    { reason: 'not-api', status, what: call.what },
  );
}

/** The seconds a Retry-After header asks for (a number of seconds or an HTTP date), if any. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
