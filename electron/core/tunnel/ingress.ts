/**
 * The tunnel's ingress: built from a plan's ingress list, and matched exactly as cloudflared does
 * (cloudflared `ingress/ingress.go` FindMatchingRule + matchHost, `ingress/rule.go` Matches):
 * - rules are tried top to bottom and the first match wins; when none matches, the last rule does;
 * - a rule without hostname, or with "*", matches every host; "*.example.com" matches any name
 *   ending in ".example.com" (one label or more); other hostnames must be equal (case-sensitive;
 *   a Unicode hostname also matches its punycode form); a port in the request's Host is ignored;
 * - `path` is a regular expression searched anywhere in the path (unanchored unless it says ^ or $).
 * The Host header is never rewritten (no `httpHostHeader`): ActivityPub signatures cover it.
 */
import { domainToASCII } from 'node:url';
import { EngawaError } from '../util/errors';
import type { Plan } from '../plan/types';
import type { IngressRule } from '../plan/types';
import type { IngressRuleJson, TunnelConfigJson } from './types';

/** The final rule: anything no other rule routes gets a 404 from Cloudflare's edge. */
export const CATCH_ALL: IngressRuleJson = { service: 'http_status:404' };

/** The ingress configuration for a plan: its rules in order, services on the instance network, then the 404 catch-all. */
export function buildIngress(plan: Plan): TunnelConfigJson {
  return ingressConfig(plan.ingress);
}

/**
 * The same from ingress rules as a recipe or a plan lists them (a recipe's host names may still be
 * templates such as `{{domain}}`, which keep their meaning through the checks).
 */
export function ingressConfig(list: readonly Pick<IngressRule, 'hostname' | 'path' | 'service' | 'port'>[]): TunnelConfigJson {
  const rules: IngressRuleJson[] = list.map((r) => ({
    hostname: r.hostname,
    ...(r.path !== undefined && { path: r.path }),
    service: `http://${r.service}:${r.port}`,
  }));
  checkRules(rules);
  return { ingress: [...rules, { ...CATCH_ALL }] };
}

/** The distinct public hostnames of a configuration (each needs a DNS record), in rule order. */
export function ingressHostnames(config: TunnelConfigJson): string[] {
  const names = config.ingress.map((r) => r.hostname).filter((h): h is string => h !== undefined && h !== '' && h !== '*');
  return [...new Set(names)];
}

/** The rule cloudflared would use for a request to `host` (may carry a port) and `path`, and its index. */
export function matchIngress(rules: readonly IngressRuleJson[], host: string, path: string): { rule: IngressRuleJson; index: number } {
  if (rules.length === 0) throw new EngawaError('INTERNAL', 'An ingress configuration needs at least one rule.');
  const hostname = withoutPort(host);
  const index = rules.findIndex((rule) => ruleMatches(rule, hostname, path));
  const i = index >= 0 ? index : rules.length - 1;
  return { rule: rules[i] as IngressRuleJson, index: i };
}

function ruleMatches(rule: IngressRuleJson, host: string, path: string): boolean {
  const h = rule.hostname ?? '';
  const punycode = h === '' || h === '*' ? '' : domainToASCII(h);
  const hostMatch = h === '' || h === '*' || matchHost(h, host) || (punycode !== '' && punycode !== h && matchHost(punycode, host));
  return hostMatch && (rule.path === undefined || rule.path === '' || new RegExp(rule.path).test(path));
}

function matchHost(ruleHost: string, reqHost: string): boolean {
  if (ruleHost === reqHost) return true;
  return ruleHost.startsWith('*.') && reqHost.endsWith(ruleHost.slice(1));
}

/** Go's net.SplitHostPort, keeping the input when it has no port. */
function withoutPort(host: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(host);
  if (bracketed) return bracketed[1] as string;
  const colon = host.indexOf(':');
  return colon >= 0 && colon === host.lastIndexOf(':') ? host.slice(0, colon) : host;
}

/** A recipe's rules must be valid for cloudflared and each must be reachable (a recipe bug otherwise). */
function checkRules(rules: IngressRuleJson[]): void {
  rules.forEach((rule, i) => {
    const h = rule.hostname ?? '';
    if (h === '' || h === '*') throw recipeBug(`ingress rule ${i + 1} matches every hostname; only the final 404 rule may`);
    if (h.lastIndexOf('*') > 0 || (h.startsWith('*') && !h.startsWith('*.')))
      throw recipeBug(`ingress rule ${i + 1} has a wildcard that is not a leading "*."`);
    if (h.includes(':')) throw recipeBug(`ingress rule ${i + 1} has a port in its hostname`);
    if (rule.path !== undefined) {
      try {
        new RegExp(rule.path);
      } catch {
        throw recipeBug(`ingress rule ${i + 1} has a path that is not a regular expression`);
      }
    }
    const shadow = rules.slice(0, i).findIndex((earlier) => (earlier.path ?? '') === '' && matchHost(earlier.hostname as string, h));
    if (shadow >= 0) throw recipeBug(`ingress rule ${i + 1} never matches: rule ${shadow + 1} takes all of ${h} first`);
  });
}

function recipeBug(what: string): EngawaError {
  return new EngawaError('INTERNAL', `The recipe is broken: ${what}.`);
}
