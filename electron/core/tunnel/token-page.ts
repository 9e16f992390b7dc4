/**
 * The Cloudflare page where the user creates the API token Engawa needs, pre-filled with the three
 * permissions (developers.cloudflare.com/fundamentals/api/how-to/account-owned-token-template/).
 * The tunnel key `argotunnel` is not in Cloudflare's documented table (reference §1): until it is
 * confirmed in a browser, always show PERMISSIONS as a checklist next to the link.
 */
import { PERMISSIONS } from './api-errors';

/**
 * The user-token form with Cloudflare Tunnel Edit, DNS Edit and Zone Read. The template can name an
 * account and a zone only by their ids, which Engawa learns only from a token, so the link leaves
 * them at all accounts and zones; the app's checklist tells the user to narrow both (Account
 * Resources → their account, Zone Resources → the server's one domain) and warns when a checked
 * token still reaches more than one domain.
 */
export function tokenPageUrl(tokenName = 'Engawa'): string {
  const keys = [
    { key: 'argotunnel', type: 'edit' },
    { key: 'dns', type: 'edit' },
    { key: 'zone', type: 'read' },
  ];
  const query = `permissionGroupKeys=${encodeURIComponent(JSON.stringify(keys))}&accountId=*&zoneId=all&name=${encodeURIComponent(tokenName)}`;
  return `https://dash.cloudflare.com/profile/api-tokens?${query}`;
}

/** The rows to tick by hand when the link does not pre-fill them, in the form's words. */
export const TOKEN_CHECKLIST: readonly string[] = [PERMISSIONS.tunnel, PERMISSIONS.dns, PERMISSIONS.zone];
