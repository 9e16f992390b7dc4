/**
 * The rules a PDS applies to handles under its own handle domain (e.g. alice.example.com under
 * .example.com), checked by Engawa before anything is created: the name in front is 3 to 18
 * letters, digits and hyphens (no dots: one level below the domain, which is also all Cloudflare's
 * free certificate covers), and not a name Bluesky reserves. Handles are lowercase, as the PDS
 * stores them.
 */
import { EngawaError } from '../../util/errors';
import { RESERVED_HANDLE_NAMES } from './reserved';

export const HANDLE_NAME_MIN = 3;
export const HANDLE_NAME_MAX = 18;

const NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** What the owner's handle name may be, as the regular expression of the recipe's admin_user setting. */
export const OWNER_NAME_PATTERN = `(?!(?:${[...RESERVED_HANDLE_NAMES].filter((n) => /^[a-z0-9]+$/.test(n)).join('|')})$)[a-z0-9]{${HANDLE_NAME_MIN},${HANDLE_NAME_MAX}}`;

/** The rule in one phrase, for setting descriptions and messages. */
export const HANDLE_NAME_RULE = `${HANDLE_NAME_MIN} to ${HANDLE_NAME_MAX} lowercase letters or digits, and not a name Bluesky reserves (such as admin, pds or www)`;

/** True when Bluesky reserves `name` (the part before the handle domain). */
export function isReservedHandleName(name: string): boolean {
  return RESERVED_HANDLE_NAMES.has(name.toLowerCase());
}

/**
 * The full handle for `input` on a PDS whose handle domain is `handleDomain` (with its leading dot,
 * e.g. .example.com). `input` is the name alone (alice) or the full handle (alice.example.com).
 * Throws INVALID_INPUT, in one sentence saying what is allowed, when the PDS would refuse it.
 */
export function checkHandle(input: string, handleDomain: string): string {
  const handle = input.trim().toLowerCase().replace(/^@/, '');
  const suffix = handleDomain.toLowerCase();
  const name = handle.endsWith(suffix) ? handle.slice(0, -suffix.length) : handle;
  const full = `${name}${suffix}`;
  const refuse = (why: string): never => {
    throw new EngawaError('INVALID_INPUT', `The handle "${input}" is not allowed: ${why}`, { handle: input, handleDomain });
  };
  if (name.includes('.')) refuse(`handles on this server end in ${suffix}, with one name in front, such as alice${suffix}.`);
  if (name.length < HANDLE_NAME_MIN || name.length > HANDLE_NAME_MAX) {
    refuse(`the name in front of ${suffix} must be ${HANDLE_NAME_MIN} to ${HANDLE_NAME_MAX} characters long.`);
  }
  if (!NAME.test(name)) refuse('use only letters, digits and hyphens, not starting or ending with a hyphen.');
  if (isReservedHandleName(name)) refuse(`Bluesky reserves the name "${name}"; choose another one.`);
  return full;
}
