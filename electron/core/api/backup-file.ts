/**
 * Restoring a server from a backup file the user picks ("Restore a server from a backup file" on
 * the first screen and in the server list), on this computer or a new one: which file (the
 * desktop's file chooser, else a typed path), what it holds (`backups.inspect`: the whole file
 * checked against every checksum, nothing changed or kept), and the tunnel credential a backup may
 * leave out, which the restore checks with Cloudflare and keeps as the new server's secret, as
 * `instances.create` keeps it. The `backups.*` handlers (backups.ts) use these.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { BackupPreview } from '../../shared/contract';
import { missingCredential, TUNNEL_NEEDS, tunnelNeeds, type GivenCredentials } from '../backup/credentials';
import { BACKUP_SUFFIX } from '../backup/files';
import type { BackupDeps, CommonOptions } from '../backup/types';
import { verifyBackup, type Verified } from '../backup/verify';
import { EngawaError } from '../util/errors';
import { backupOverrides, type EnvOverride } from '../stacks/overrides';
import type { Recipe } from '../stacks/types';
import { CloudflareApi, type CloudflareOptions } from '../tunnel/api';
import { publicUrlOf } from '../tunnel/instance-tunnel';
import { parseConnectorToken } from '../tunnel/token';
import { verifyApiToken } from '../tunnel/verify';

export { tunnelNeeds, type GivenCredentials };

/** An absolute path of an existing backup file; INVALID_INPUT or NOT_FOUND otherwise. */
export async function backupFile(file: string): Promise<string> {
  if (!path.isAbsolute(file)) {
    throw new EngawaError('INVALID_INPUT', `Give the full path of the backup file (such as /media/usb/home-….engawa.age), not "${file}".`, {
      path: 'file',
      reason: 'not-absolute',
    });
  }
  if (!file.endsWith(BACKUP_SUFFIX)) {
    throw new EngawaError('INVALID_INPUT', `Choose a backup file (its name ends with ${BACKUP_SUFFIX}).`, { path: 'file', reason: 'file-name' });
  }
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new EngawaError('NOT_FOUND', `There is no backup file ${file}.`, { path: 'file', reason: 'no-file' });
  return file;
}

/** What `backups.chooseFile` answers where there is no file chooser (browser mode). */
export async function noFileChooser(): Promise<never> {
  throw new EngawaError(
    'STATE',
    'There is no file chooser here (Engawa runs in a browser, which cannot tell it a file): type the full path of the backup file.',
    {
      reason: 'no-file-dialog',
    },
  );
}

/** Checks the whole file and says what it holds, changing nothing. */
export async function inspectBackup(deps: Pick<BackupDeps, 'recipes'>, file: string, opts: CommonOptions): Promise<BackupPreview> {
  const target = await backupFile(file);
  const { manifest: m, secrets, recipe } = await verifyBackup(deps, target, opts);
  const tunnel = m.instance.tunnel ?? null;
  const admin = m.instance.admin;
  const pds = m.probes.pds;
  const needs = tunnelNeeds(m, secrets);
  return {
    file: target,
    stack: recipe.id,
    stackName: recipe.name,
    stackVersion: m.stack.version,
    name: m.instance.name,
    domain: m.instance.domain,
    createdAt: m.createdAt,
    bytes: (await stat(target)).size,
    // a PDS's owner is known by the handle <user>.<domain>, other servers' admin by the user name
    accounts: admin === null ? [] : [recipe.backup?.probe === 'atproto-pds' ? `@${admin.user}.${m.instance.domain}` : admin.user],
    ...(pds && { accountCount: Object.keys(pds.accounts).length }),
    tunnel: tunnel?.mode ?? 'none',
    publicUrl: publicUrlOf(tunnel),
    ...(needs && { tunnelNeeds: needs }),
    ...(m.instance.overrides.length > 0 && { overrides: previewOverrides(recipe, m.instance.overrides) }),
  };
}

/** What a backup's overrides would do on a restore as a new server, values left out. */
function previewOverrides(recipe: Recipe, overrides: readonly EnvOverride[]): NonNullable<BackupPreview['overrides']> {
  const { dropped } = backupOverrides(recipe, overrides);
  return overrides.map((o) => {
    const d = dropped.find((x) => x.service === o.service && x.key === o.key);
    return { service: o.service, key: o.key, applied: d === undefined, ...(d && { reason: d.reason }) };
  });
}

/**
 * The review a restore makes of a verified backup (VerifyOptions.review), before anything is
 * touched: when the backup lacks its tunnel's credential, the one given is checked (the API token
 * with Cloudflare: its permissions and the tunnel's domain; a tunnel token: the same tunnel) and
 * added to the secrets the restore keeps; without one, a server it replaces keeps its own (`kept`),
 * and a new server is refused with advice (details.reason 'tunnel-token').
 */
export function reviewTunnelSecrets(
  given: GivenCredentials,
  kept: () => Promise<Record<string, string> | undefined>,
  cloudflare: CloudflareOptions,
): (v: Verified) => Promise<Verified> {
  return async (v) => {
    const needs = tunnelNeeds(v.manifest, v.secrets);
    const tunnel = v.manifest.instance.tunnel;
    if (needs === undefined || tunnel === undefined || tunnel === null) return v;
    const secret = TUNNEL_NEEDS[tunnel.mode]?.secret as string;
    const value = given[needs]?.trim();
    if (value === undefined || value === '') {
      if ((await kept())?.[secret] !== undefined) return v;
      throw missingCredential(v.manifest, needs);
    }
    if (tunnel.mode === 'api') await checkApiToken(value, tunnel.zone.name, cloudflare);
    if (tunnel.mode === 'token' && parseConnectorToken(value).tunnelId !== tunnel.tunnelId.toLowerCase()) {
      throw new EngawaError('INVALID_INPUT', `This tunnel token is of another tunnel than the one ${tunnel.publicHost} used; copy the token of that tunnel.`, {
        reason: 'tunnel-token',
        path: needs,
      });
    }
    return { ...v, secrets: { ...v.secrets, [secret]: value } };
  };
}

/** An API token that can manage the tunnel in `zone`, or INVALID_INPUT saying what it lacks (the token is never quoted). */
async function checkApiToken(token: string, zone: string, cloudflare: CloudflareOptions): Promise<void> {
  const check = await verifyApiToken(new CloudflareApi(token, cloudflare));
  if (check.missing.length > 0) {
    throw new EngawaError('INVALID_INPUT', `This Cloudflare API token lacks permissions: ${check.missing.map((m) => m.label).join(', ')}.`, {
      reason: 'tunnel-token',
      path: 'apiToken',
      missing: check.missing.map((m) => m.permission),
    });
  }
  if (!check.zones.some((z) => z.name === zone)) {
    throw new EngawaError(
      'INVALID_INPUT',
      `This Cloudflare API token cannot reach the domain ${zone}, where the tunnel's names are; make one for that domain.`,
      {
        reason: 'tunnel-token',
        path: 'apiToken',
      },
    );
  }
}
