/**
 * Where a Bluesky PDS and its users' handles live under the user's domain. Behind Cloudflare the
 * free Universal SSL certificate covers only the zone's apex and names one level below it, so every
 * public name (the PDS and each handle) must be one of those. Two layouts satisfy that:
 *   'subdomain' (default): the PDS at pds.example.com, handles alice.example.com;
 *   'apex' (a domain used only for the PDS): the PDS at example.com, handles alice.example.com.
 * Upstream's own layout (handles alice.pds.example.com) is two levels deep and is rejected.
 */
import { EngawaError } from '../../util/errors';

export type PdsLayout = 'subdomain' | 'apex';

/** The layouts, default first. */
export const PDS_LAYOUTS: readonly PdsLayout[] = ['subdomain', 'apex'];

/** The public names of a PDS: PDS_HOSTNAME and PDS_SERVICE_HANDLE_DOMAINS. */
export interface PdsHostnames {
  layout: PdsLayout;
  /** PDS_HOSTNAME, e.g. pds.example.com */
  pdsHost: string;
  /** the handle suffix with its leading dot (PDS_SERVICE_HANDLE_DOMAINS), e.g. .example.com */
  handleDomain: string;
}

/** The names of a PDS on `domain` (already validated, e.g. by validateDomain) in the given layout. */
export function pdsHostnames(domain: string, layout: PdsLayout = 'subdomain'): PdsHostnames {
  const name = normalise(domain);
  return { layout, pdsHost: layout === 'apex' ? name : `pds.${name}`, handleDomain: `.${name}` };
}

/**
 * Checks a PDS host and handle domain against the Cloudflare zone (the registered domain, e.g.
 * example.com) and returns the layout they form. Throws INVALID_INPUT, in one plain sentence, when
 * a name is outside the zone or deeper than the free certificate reaches.
 */
export function checkPdsLayout(zone: string, pdsHost: string, handleDomain: string): PdsLayout {
  const z = normalise(zone);
  const host = normalise(pdsHost);
  const handles = handleDomain.trim().toLowerCase().replace(/\.+$/, '');
  const details = { zone: z, pdsHost: host, handleDomain: handles };
  if (!handles.startsWith('.') || handles.length < 2) {
    throw new EngawaError('INVALID_INPUT', `The handle domain "${handleDomain}" must start with a dot, such as .${z}.`, details);
  }
  const handleParent = handles.slice(1);
  for (const name of [host, handleParent]) {
    if (levelsBelow(z, name) === undefined) {
      throw new EngawaError('INVALID_INPUT', `${name} is not part of your Cloudflare domain ${z}, so Engawa cannot route it there.`, details);
    }
  }
  if ((levelsBelow(z, handleParent) as number) > 0) {
    throw new EngawaError(
      'INVALID_INPUT',
      `Handles such as alice${handles} would not work, because Cloudflare's free certificate covers only ${z} and names one level below it, so handles must look like alice.${z}.`,
      details,
    );
  }
  if ((levelsBelow(z, host) as number) > 1) {
    throw new EngawaError(
      'INVALID_INPUT',
      `The address ${host} would not work, because Cloudflare's free certificate covers only ${z} and names one level below it, such as pds.${z}.`,
      details,
    );
  }
  return host === z ? 'apex' : 'subdomain';
}

/** How many labels `name` has below `zone` (0 for the zone itself), or undefined when outside it. */
function levelsBelow(zone: string, name: string): number | undefined {
  if (name === zone) return 0;
  if (!name.endsWith(`.${zone}`)) return undefined;
  return name.slice(0, -(zone.length + 1)).split('.').length;
}

function normalise(name: string): string {
  return name.trim().toLowerCase().replace(/\.+$/, '');
}
