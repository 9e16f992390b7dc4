/**
 * One error type for the whole core. `code` is stable and machine-readable (the renderer translates
 * it; the CLI prints `message`); `message` is one plain English sentence a user can act on;
 * `details` carries structured facts (service name, last log lines, hints) for both.
 */
export type ErrorCode =
  | 'ENGINE_UNREACHABLE' // no Docker engine answers
  | 'ENGINE_PERMISSION' // the socket exists but we may not use it
  | 'ENGINE_TOO_OLD' // API version below what we need
  | 'IMAGE_MISSING' // not present and cannot be pulled (not found)
  | 'IMAGE_DENIED' // registry refused (auth)
  | 'OFFLINE' // registry unreachable
  | 'DISK_FULL'
  | 'LOW_MEMORY' // Docker has less memory than the stack needs
  | 'UNSUPPORTED' // this machine cannot run the stack (e.g. a CPU feature its images need)
  | 'CANCELLED'
  | 'TIMEOUT'
  | 'UNHEALTHY' // a service did not become healthy
  | 'TASK_FAILED' // a one-off setup step exited non-zero
  | 'INVALID_INPUT' // bad name, domain, option …
  | 'NAME_TAKEN'
  | 'NOT_FOUND' // no such instance / stack / service
  | 'PORT_IN_USE'
  | 'BUSY' // another operation holds the instance
  | 'STATE' // the operation makes no sense in this state
  | 'SECRETS' // secret store unusable
  | 'ROLLED_BACK' // an update failed and the server went back to the release and data it had
  | 'INTERNAL';

export class EngawaError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngawaError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }
  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}

export function isEngawaError(e: unknown, code?: ErrorCode): e is EngawaError {
  return e instanceof EngawaError && (code === undefined || e.code === code);
}

/** Wraps anything thrown into an EngawaError, keeping ours as they are. */
export function toEngawaError(e: unknown): EngawaError {
  if (e instanceof EngawaError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new EngawaError('INTERNAL', message, undefined, { cause: e });
}
