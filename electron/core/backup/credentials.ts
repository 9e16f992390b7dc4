/**
 * The tunnel credentials a backup carries, and those it leaves out.
 *
 * A backup never holds the Cloudflare API token (`cloudflare_api_token`): it can edit the DNS of
 * every zone it reaches, and one leaked backup plus its passphrase must not give that away. The
 * connector token (`tunnel_token`) stays: it runs this server's tunnel only, and the user cannot
 * make a token-mode tunnel's again. So a restore of an api-mode server on a new computer needs the
 * user's API token (given to `backups.restore` as `apiToken`, checked with Cloudflare by
 * api/backup-file.ts); a server it replaces keeps its own. Backups made before this still carry
 * the token, and restore with it as before.
 */
import type { BackupTunnelMode } from '../../shared/contract';
import { TUNNEL_SECRETS } from '../tunnel/types';
import { EngawaError } from '../util/errors';
import type { InstanceRecord } from '../instances';
import type { Manifest } from './manifest';

/** The tunnel credentials a restore may be given (`backups.restore`'s `apiToken` / `tunnelToken`). */
export interface GivenCredentials {
  apiToken?: string;
  tunnelToken?: string;
}

/** The secret a tunnel of `mode` cannot run or be managed without, and the name it is given under. */
export const TUNNEL_NEEDS: Partial<Record<BackupTunnelMode, { secret: string; given: keyof GivenCredentials }>> = {
  api: { secret: TUNNEL_SECRETS.api, given: 'apiToken' },
  token: { secret: TUNNEL_SECRETS.connector, given: 'tunnelToken' },
};

/** The secrets a backup holds: the instance's, without the Cloudflare API token. */
export function backupSecrets(secrets: Record<string, string>): Record<string, string> {
  const { [TUNNEL_SECRETS.api]: _api, ...rest } = secrets;
  return rest;
}

/** The tunnel credential a backup lacks (see BackupPreview.tunnelNeeds). */
export function tunnelNeeds(manifest: Manifest, secrets: Record<string, string>): keyof GivenCredentials | undefined {
  const need = TUNNEL_NEEDS[manifest.instance.tunnel?.mode ?? 'none'];
  return need !== undefined && !Object.hasOwn(secrets, need.secret) ? need.given : undefined;
}

/** The refusal of a restore as a new server whose tunnel lacks its credential (details.reason 'tunnel-token', path: what to give). */
export function missingCredential(manifest: Manifest, needs: keyof GivenCredentials): EngawaError {
  const host = manifest.instance.tunnel?.publicHost ?? manifest.instance.domain;
  return new EngawaError(
    'INVALID_INPUT',
    needs === 'apiToken'
      ? `This backup does not hold the Cloudflare API token of its tunnel (${host}): backups leave it out. Give the token to restore it as a new server; the tunnel is then managed with it.`
      : `This backup does not hold the token of its tunnel (${host}); give the tunnel token from Cloudflare's dashboard to restore it.`,
    { reason: 'tunnel-token', path: needs },
  );
}

/** A restore as a new server goes on only with its tunnel's credential (given, or in an older backup). */
export function assertTunnelCredentials(manifest: Manifest, secrets: Record<string, string>): void {
  const needs = tunnelNeeds(manifest, secrets);
  if (needs !== undefined) throw missingCredential(manifest, needs);
}

/**
 * Refuses a restore as the new server `name` of a backup whose tunnel is one another server here
 * uses (same tunnel, id or public host name): the new server would run it, and deleting it would
 * delete that tunnel. Restoring over that server is the way (it keeps its own tunnel).
 */
export function assertOwnTunnel(manifest: Manifest, name: string, records: readonly Pick<InstanceRecord, 'name' | 'tunnel'>[]): void {
  const t = manifest.instance.tunnel;
  if (t === undefined || t === null) return;
  const ids = (x: NonNullable<InstanceRecord['tunnel']>): string[] =>
    [x.publicHost, 'name' in x ? x.name : undefined, x.tunnelId].filter((v): v is string => v !== undefined).map((v) => v.toLowerCase());
  const mine = new Set(ids(t));
  const other = records.find((r) => r.name !== name && r.tunnel && ids(r.tunnel).some((v) => mine.has(v)));
  if (other === undefined) return;
  throw new EngawaError(
    'INVALID_INPUT',
    `This backup cannot be restored safely as "${name}": its tunnel (${t.publicHost}) is the one the server "${other.name}" uses here. Restore it over "${other.name}" instead.`,
    { reason: 'tunnel-in-use', instance: other.name },
  );
}
