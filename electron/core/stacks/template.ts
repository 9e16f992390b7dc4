/**
 * Renders the `{{…}}` placeholders of recipe strings (documented at the top of stacks/types.ts).
 * An unknown placeholder is a bug in the recipe, never the user's fault, hence INTERNAL.
 */
import { EngawaError } from '../util/errors';

/** Everything a placeholder can resolve to. */
export interface TemplateContext {
  domain: string;
  instance: string;
  project: string;
  /** resolved `recipe.hosts` */
  hosts: Record<string, string>;
  secrets: Record<string, string>;
  settings: Record<string, string>;
  /** the service names of the recipe (a service's DNS name on the instance network is its name) */
  services: readonly string[];
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/**
 * Replaces every placeholder in `template`. `secret` is true when a `{{secret.*}}` was used, so the
 * caller can mark the value for redaction. Throws INTERNAL naming an unknown placeholder.
 */
export function render(template: string, ctx: TemplateContext): { value: string; secret: boolean } {
  let secret = false;
  const value = template.replace(PLACEHOLDER, (whole, inner: string) => {
    const key = inner.trim();
    if (key.startsWith('secret.')) secret = true;
    const resolved = resolve(key, ctx);
    if (resolved === undefined) {
      throw new EngawaError('INTERNAL', `The recipe uses an unknown placeholder ${whole}.`, { placeholder: whole });
    }
    return resolved;
  });
  return { value, secret };
}

function resolve(key: string, ctx: TemplateContext): string | undefined {
  switch (key) {
    case 'domain':
      return ctx.domain;
    case 'instance':
      return ctx.instance;
    case 'project':
      return ctx.project;
  }
  const dot = key.indexOf('.');
  if (dot < 0) return undefined;
  const kind = key.slice(0, dot);
  const name = key.slice(dot + 1);
  switch (kind) {
    case 'host':
      return lookup(ctx.hosts, name);
    case 'secret':
      return lookup(ctx.secrets, name);
    case 'setting':
      return lookup(ctx.settings, name);
    case 'service':
      return ctx.services.includes(name) ? name : undefined;
    default:
      return undefined;
  }
}

function lookup(map: Record<string, string>, name: string): string | undefined {
  return Object.hasOwn(map, name) ? map[name] : undefined;
}
