/**
 * The tunnel step's choice and its rules, as pure functions (unit-tested): what each mode needs
 * before the wizard may go on, which zone a host belongs to, and the create call's tunnel input.
 * A host must be the zone itself or one level below it (what Cloudflare's free certificate covers).
 */
import type { CloudflareZoneInfo, TunnelChoiceInput } from '../../../electron/shared/contract';

/** The ways of reaching the server, in the order the step offers them. */
export const TUNNEL_MODES = ['none', 'api', 'login', 'token'] as const;
export type TunnelMode = (typeof TUNNEL_MODES)[number];

/** How the server is reached, as the wizard holds it (tokens in memory only). */
export type TunnelChoice =
  | { mode: 'none' }
  /** `zones`: what the last verification found (null: not verified yet) */
  | { mode: 'api'; apiToken: string; zones: CloudflareZoneInfo[] | null; zone: string; hostname: string }
  | { mode: 'token'; tunnelToken: string; hostname: string }
  | { mode: 'login'; hostname: string };

/** A fresh choice of `mode`, with the server's public host as its host name. */
export function newChoice(mode: TunnelMode, publicHost: string): TunnelChoice {
  switch (mode) {
    case 'api':
      return { mode, apiToken: '', zones: null, zone: '', hostname: publicHost };
    case 'token':
      return { mode, tunnelToken: '', hostname: publicHost };
    case 'login':
      return { mode, hostname: publicHost };
    default:
      return { mode: 'none' };
  }
}

/** Normalises a typed host name: trimmed, lower case, no trailing dot. */
export function cleanHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.+$/, '');
}

/** Why `host` cannot be used in `zone`: outside it, or more than one level below it; null when it can. */
export function hostInZone(host: string, zone: string): 'outside' | 'tooDeep' | null {
  const h = cleanHost(host);
  const z = cleanHost(zone);
  if (h === z) return null;
  if (z === '' || !h.endsWith(`.${z}`)) return 'outside';
  return h.slice(0, -(z.length + 1)).split('.').length > 1 ? 'tooDeep' : null;
}

/** The active zone `host` belongs to (the longest match), if any. */
export function zoneFor(host: string, zones: readonly CloudflareZoneInfo[]): CloudflareZoneInfo | undefined {
  const h = cleanHost(host);
  return zones.filter((z) => h === z.name || h.endsWith(`.${z.name}`)).sort((a, b) => b.name.length - a.name.length)[0];
}

/** A shape check of a tunnel token: base64 of a JSON object (it starts "eyJ"); the core checks the rest. */
export function looksLikeTunnelToken(token: string): boolean {
  return /^eyJ[A-Za-z0-9+/_-]+=*$/.test(token.trim());
}

/**
 * What still stops the wizard from going on with this choice, as a catalogue key under
 * `tunnel.problem`, or null when it is complete.
 */
export function choiceProblem(choice: TunnelChoice): string | null {
  switch (choice.mode) {
    case 'none':
    case 'login':
      return null;
    case 'api': {
      if (choice.apiToken.trim() === '') return 'noApiToken';
      if (choice.zones === null) return 'notVerified';
      const zone = choice.zones.find((z) => z.name === choice.zone);
      if (zone === undefined) return 'noZone';
      if (zone.status !== 'active') return 'zonePending';
      const where = hostInZone(choice.hostname, zone.name);
      return where === null ? null : where === 'outside' ? 'hostOutside' : 'hostTooDeep';
    }
    case 'token':
      if (choice.tunnelToken.trim() === '') return 'noTunnelToken';
      if (!looksLikeTunnelToken(choice.tunnelToken)) return 'badTunnelToken';
      return cleanHost(choice.hostname) === '' ? 'noHostname' : null;
  }
}

/** The create call's tunnel input for a complete choice. */
export function tunnelInput(choice: TunnelChoice): TunnelChoiceInput {
  switch (choice.mode) {
    case 'api':
      return { mode: 'api', apiToken: choice.apiToken.trim(), zone: choice.zone, hostname: cleanHost(choice.hostname) };
    case 'token':
      return { mode: 'token', tunnelToken: choice.tunnelToken.trim(), hostname: cleanHost(choice.hostname) };
    case 'login':
      return { mode: 'login', ...(cleanHost(choice.hostname) !== '' && { hostname: cleanHost(choice.hostname) }) };
    default:
      return { mode: 'none' };
  }
}

/** The sign-in link of a login-mode create: the https detail of a step still waiting, if any. */
export function signInLink(steps: readonly { state: string; detail?: string }[]): string | null {
  for (const s of steps) {
    if (s.state !== 'start' || s.detail === undefined) continue;
    try {
      if (new URL(s.detail).protocol === 'https:') return s.detail;
    } catch {
      // not a link
    }
  }
  return null;
}
