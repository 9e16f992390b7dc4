/**
 * Validation of what the user types: the instance name, the public domain and recipe settings.
 * Each function returns the accepted (normalised) value or throws INVALID_INPUT with a message that
 * says what is wrong and what is allowed.
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { EngawaError } from '../util/errors';
import type { SettingSpec } from './types';

const INSTANCE_NAME = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** Instance names become Docker names (`engawa-<name>-web-1`), so they are kept short and plain. */
export function validateInstanceName(name: string): string {
  if (typeof name !== 'string' || !INSTANCE_NAME.test(name)) {
    throw new EngawaError(
      'INVALID_INPUT',
      `The instance name "${String(name)}" is not allowed: use 1 to 32 lowercase letters (a-z), digits and hyphens, starting with a letter and not ending with a hyphen.`,
      { name },
    );
  }
  return name;
}

/** Names that never resolve on the public internet (RFC 6761, RFC 6762, RFC 8375, ICANN .internal). */
const PRIVATE_SUFFIXES = ['localhost', 'local', 'internal', 'invalid', 'onion', 'home.arpa'];

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Accepts a public DNS name such as `example.com` or `例え.jp` and returns it normalised: lowercase,
 * internationalised labels converted to their `xn--` form, trailing dots removed.
 */
export function validateDomain(domain: string): string {
  const input = typeof domain === 'string' ? domain.trim() : '';
  const bad = (why: string): never => {
    throw new EngawaError('INVALID_INPUT', `"${String(domain)}" is not a usable domain: ${why}`, { domain });
  };
  if (input === '') bad('it is empty. Enter a domain name such as example.com.');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) {
    bad(`remove "${input.slice(0, input.indexOf('://') + 3)}" and enter only the name, such as example.com.`);
  }
  const extra = /[/?#]/.exec(input);
  if (extra) bad(`remove "${input.slice(extra.index)}" and enter only the name, such as example.com.`);
  if (input.includes('@')) bad('it contains "@"; enter only the name, such as example.com.');
  if (input.includes('*')) bad('wildcards ("*") are not allowed; enter one name, such as example.com.');
  if (isIP(input) || isIP(input.replace(/^\[|\]$/g, ''))) bad('an IP address cannot be used; enter a domain name.');
  const port = /:(\d*)$/.exec(input);
  if (port) bad(`remove the port "${port[0]}"; Engawa does not need one.`);
  if (input.includes(':')) bad('it contains ":"; enter only the name, such as example.com.');
  if (/\s/.test(input)) bad('it contains a space.');

  // a numeric last label makes the URL parser treat the name as an IPv4 address: say so first
  const numericTld = /(?:^|\.)([0-9]+)\.*$/.exec(input);
  if (numericTld) bad(`the last part "${numericTld[1]}" cannot be only digits.`);
  const ascii = domainToASCII(input.toLowerCase()).replace(/\.+$/, '');
  if (ascii === '') bad('it contains characters that are not allowed in a domain name.');
  if (isIP(ascii)) bad('an IP address cannot be used; enter a domain name.');
  if (ascii.length > 253) bad(`it is ${ascii.length} characters long; the limit is 253.`);
  const labels = ascii.split('.');
  if (labels.length < 2) bad('it needs at least two parts separated by a dot, such as example.com.');
  for (const label of labels) {
    if (label === '') bad('it contains an empty part (two dots in a row or a leading dot).');
    if (label.length > 63) bad(`the part "${label}" is longer than 63 characters.`);
    if (!LABEL.test(label)) {
      bad(`the part "${label}" may only contain letters, digits and hyphens, and may not start or end with a hyphen.`);
    }
  }
  for (const suffix of PRIVATE_SUFFIXES) {
    if (ascii === suffix || ascii.endsWith(`.${suffix}`)) {
      bad(`names under ".${suffix}" only work on your own network; use a public domain you own.`);
    }
  }
  return ascii;
}

/** Checks a user-given value for a recipe setting; returns it unchanged. */
export function validateSetting(spec: SettingSpec, value: string): string {
  if (typeof value !== 'string') {
    throw new EngawaError('INVALID_INPUT', `The setting "${spec.name}" needs a text value.`, { setting: spec.name });
  }
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new EngawaError('INVALID_INPUT', `The setting "${spec.name}" may not contain line breaks or control characters.`, {
      setting: spec.name,
    });
  }
  if (spec.pattern !== undefined && !new RegExp(`^(?:${spec.pattern})$`).test(value)) {
    throw new EngawaError('INVALID_INPUT', `"${value}" is not a valid value for the setting "${spec.name}" (${spec.description}).`, {
      setting: spec.name,
      value,
      pattern: spec.pattern,
    });
  }
  return value;
}
