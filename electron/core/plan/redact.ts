/** Keeps secret values out of anything shown or logged. */
import type { Plan } from './types';

export const REDACTED = '[redacted]';

/** Secrets shorter than this are not searched for: they would blank out ordinary text. */
const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of each secret (of at least 4 characters) in `text`, longest first. */
export function redact(text: string, secrets: readonly string[]): string {
  const sorted = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of sorted) out = out.split(secret).join(REDACTED);
  return out;
}

/** A plan as it may be shown or serialised: `secretValues` is never included. */
export type RedactedPlan = Omit<Plan, 'secretValues'>;

/**
 * A JSON-safe deep copy of `plan` without `secretValues`. Unless `reveal`, secret env values and
 * secret files' contents are replaced by `[redacted]`, and any secret value left anywhere else
 * (a command line, a hostname) is redacted too.
 */
export function redactPlan(plan: Plan, reveal: boolean): RedactedPlan {
  const { secretValues, ...rest } = plan;
  const copy = JSON.parse(JSON.stringify(rest)) as RedactedPlan;
  if (reveal) return copy;
  for (const item of [...copy.services, ...copy.setup]) {
    for (const key of item.secretEnv) if (Object.hasOwn(item.env, key)) item.env[key] = REDACTED;
  }
  for (const service of copy.services) {
    for (const file of service.files) if (file.secret) file.content = REDACTED;
  }
  return deepRedact(copy, secretValues) as RedactedPlan;
}

function deepRedact(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (Array.isArray(value)) return value.map((v) => deepRedact(v, secrets));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepRedact(v, secrets)]));
  }
  return value;
}
