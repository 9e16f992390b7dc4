/**
 * Turns what dockerode, the engine and the pull stream throw into EngawaErrors with a stable code and
 * one plain sentence a user can act on. The engine's own words stay in `details.engineMessage`.
 */
import { EngawaError, type ErrorCode } from '../util/errors';
import { enginePermissionHint } from './discovery';

/** Socket-level error codes that mean "the engine itself did not answer". */
const UNREACHABLE_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOTSOCK',
]);
const PERMISSION_CODES = new Set(['EACCES', 'EPERM']);

const DISK_FULL = /no space left on device|disk quota exceeded/i;
const OFFLINE =
  /dial tcp|no such host|server misbehaving|temporary failure in name resolution|i\/o timeout|TLS handshake timeout|Client\.Timeout|request canceled while waiting for connection|context deadline exceeded|connection refused|connection reset by peer|network is unreachable|proxyconnect|x509: certificate/i;
const PULL_ACCESS_DENIED = /pull access denied/i;
const MISSING = /manifest unknown|manifest for .* not found|not found|repository does not exist|name unknown|no such image/i;
const DENIED = /unauthorized|denied|authentication required|forbidden|toomanyrequests/i;

/** What we can learn from anything thrown or any `{error, errorDetail}` stream event. */
interface Facts {
  message: string;
  code?: string;
  statusCode?: number;
  aborted: boolean;
}

function facts(err: unknown): Facts {
  if (typeof err === 'string') return { message: err, aborted: false };
  if (err === null || typeof err !== 'object') return { message: String(err), aborted: false };
  const o = err as {
    message?: unknown;
    code?: unknown;
    name?: unknown;
    statusCode?: unknown;
    json?: { message?: unknown } | null;
    error?: unknown;
    errorDetail?: { message?: unknown };
  };
  const raw = str(o.json?.message) ?? str(o.errorDetail?.message) ?? str(o.error) ?? str(o.message) ?? String(err);
  const f: Facts = {
    // dockerode: "(HTTP code 500) server error - <engine message> "
    message: raw.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim(),
    aborted: o.name === 'AbortError' || o.code === 'ABORT_ERR',
  };
  if (typeof o.code === 'string') f.code = o.code;
  if (typeof o.statusCode === 'number') f.statusCode = o.statusCode;
  return f;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function make(code: ErrorCode, message: string, f: Facts, err: unknown, extra?: Record<string, unknown>): EngawaError {
  const details: Record<string, unknown> = { engineMessage: f.message, ...extra };
  if (f.statusCode !== undefined) details.statusCode = f.statusCode;
  if (f.code !== undefined) details.errno = f.code;
  return new EngawaError(code, message, details, { cause: err });
}

/**
 * Classifies an error from talking to the engine (socket errors, HTTP status codes).
 * `platform` picks the permission hint; it defaults to this machine's.
 */
export function classifyEngineError(err: unknown, platform: NodeJS.Platform = process.platform): EngawaError {
  if (err instanceof EngawaError) return err;
  const f = facts(err);
  if (f.aborted) return make('CANCELLED', 'The request to Docker was cancelled.', f, err);
  if (f.code !== undefined && PERMISSION_CODES.has(f.code)) {
    const hint = enginePermissionHint(platform);
    return make('ENGINE_PERMISSION', `Engawa is not allowed to use the Docker engine; ${lower(hint)}`, f, err, { hint });
  }
  if (f.code !== undefined && (UNREACHABLE_CODES.has(f.code) || f.code.startsWith('HPE_'))) {
    const message = f.code.startsWith('HPE_')
      ? 'The program at the Docker address is not a Docker engine; check DOCKER_HOST or your Docker context.'
      : f.code === 'ENOENT'
        ? 'Docker is not running (there is no engine at its address); start Docker and try again.'
        : 'Docker is not running or not answering; start Docker and try again.';
    return make('ENGINE_UNREACHABLE', message, f, err);
  }
  if (DISK_FULL.test(f.message)) {
    return make('DISK_FULL', 'The disk Docker uses is full; free some space (or raise Docker Desktop’s disk limit) and try again.', f, err);
  }
  if (f.statusCode === 400 && /client version .* is too new/i.test(f.message)) {
    return make('ENGINE_TOO_OLD', 'Your Docker engine is too old for Engawa; update Docker and try again.', f, err);
  }
  if (/port is already allocated|address already in use/i.test(f.message)) {
    return make('PORT_IN_USE', `A port Engawa needs is already used by another program (${clause(f.message)}).`, f, err);
  }
  if (f.statusCode === 409) {
    return /already in use|already exists/i.test(f.message)
      ? make('NAME_TAKEN', 'Something in Docker already uses that name; remove or rename it, then try again.', f, err)
      : make('STATE', 'Docker refused because the object is still running or in use; stop what uses it, then try again.', f, err);
  }
  if (f.statusCode === 404) return make('NOT_FOUND', `Docker could not find it: ${clause(f.message)}.`, f, err);
  return make('INTERNAL', `Docker reported an error: ${clause(f.message)}.`, f, err);
}

/**
 * Classifies a failed image pull: the error dockerode rejected with, or an `{error, errorDetail}`
 * event from the pull stream. Engine-level failures are passed to `classifyEngineError`.
 */
export function classifyPullError(err: unknown, image: string): EngawaError {
  if (err instanceof EngawaError) return err;
  const f = facts(err);
  if (f.aborted) return make('CANCELLED', `Downloading ${image} was cancelled.`, f, err, { image });
  if (f.statusCode === undefined && f.code !== undefined && !DISK_FULL.test(f.message)) return classifyEngineError(err);
  if (DISK_FULL.test(f.message)) {
    return make(
      'DISK_FULL',
      `There is not enough disk space for Docker to store ${image}; free some space (or raise Docker Desktop’s disk limit) and try again.`,
      f,
      err,
      { image },
    );
  }
  if (OFFLINE.test(f.message)) {
    return make('OFFLINE', `Could not reach the image registry to download ${image}; check your internet connection and try again.`, f, err, { image });
  }
  if (PULL_ACCESS_DENIED.test(f.message)) {
    // Docker says this both for a misspelt name and for a private image: it cannot tell them apart.
    return make('IMAGE_MISSING', `The image ${image} was not found; check its name, or sign in with "docker login" if it is private.`, f, err, {
      image,
      hint: 'The registry says the repository does not exist or may require "docker login".',
    });
  }
  if (MISSING.test(f.message) || f.statusCode === 404) {
    return make('IMAGE_MISSING', `The image ${image} was not found in its registry; check the image name or your image settings.`, f, err, { image });
  }
  if (DENIED.test(f.message) || f.statusCode === 401 || f.statusCode === 403) {
    return make('IMAGE_DENIED', `The registry refused to send ${image}; sign in with "docker login" if it is private, or try again later.`, f, err, { image });
  }
  return make('INTERNAL', `Downloading ${image} failed: ${clause(f.message)}.`, f, err, { image });
}

/** An engine message ready to end one of our sentences (no trailing full stop). */
function clause(message: string): string {
  return message.replace(/[.\s]+$/, '');
}

function lower(sentence: string): string {
  return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}
