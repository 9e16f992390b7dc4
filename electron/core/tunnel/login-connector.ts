/**
 * The connector of a "sign in with Cloudflare" instance: a locally-managed tunnel, run by name with
 * its ingress in a config file and its credentials file (the secret TUNNEL_SECRETS.credentials,
 * placed by the engine like the token file, 0400 for cloudflared's user). It never sees cert.pem:
 * that zone-wide sign-in stays in cloudflared's home volume, which only the provisioning and
 * teardown commands mount (login-runner.ts), and which no backup holds. Nothing secret is on the
 * command line or in the environment. An instance made by an earlier Engawa has no such secret;
 * its connector still mounts the home volume read-only and reads the file next to cert.pem
 * (`credentials: 'volume'`), and its backups hold that volume.
 * A pure recipe transform, so `plan()` stays pure and `engawa plan --tunnel login` shows it all.
 *
 * Facts it relies on (cloudflared 2026.8.2):
 * - the image runs as 65532:65532 whose home is /home/nonroot (`Dockerfile`, distroless :nonroot);
 *   `tunnel login` writes `~/.cloudflared/cert.pem` (`cmd/cloudflared/tunnel/login.go`,
 *   `config.DefaultConfigSearchDirectories()[0]`), and `tunnel create` writes the credentials
 *   `<tunnel id>.json` next to it (`subcommand_context.go` create → `tunnelFilePath`);
 * - `tunnel --config F run NAME` reads `credentials-file` from F, and with it resolves NAME to the
 *   tunnel id from that file, so running needs neither cert.pem nor an API call (`findID`);
 * - the config file's keys: `credentials-file`, `ingress` (`hostname`, `path`, `service`), as
 *   read by `config/configuration.go` (yaml.v3; unknown keys only warn).
 */
import { EngawaError } from '../util/errors';
import type { Recipe, ServiceSpec } from '../stacks/types';
import type { IngressRule } from '../plan/types';
import { CONNECTOR_SERVICE, connectorService, METRICS_PORT } from './connector';
import { ingressConfig } from './ingress';
import { TUNNEL_SECRETS, type TunnelConfigJson, type TunnelProtocol } from './types';

/** cloudflared's home in the official image; the sign-in volume is mounted here. */
export const CLOUDFLARED_HOME = '/home/nonroot';
/** Where cloudflared keeps cert.pem and tunnel credentials (`~/.cloudflared`). */
export const CLOUDFLARED_DIR = `${CLOUDFLARED_HOME}/.cloudflared`;
/** The connector's config file (written into the container by the engine, like the token file). */
export const LOGIN_CONFIG_FILE = '/etc/cloudflared/config.yml';
/** The connector's credentials file, from the secret store. */
export const LOGIN_CREDENTIALS_FILE = '/etc/cloudflared/credentials.json';
/** The recipe volume key of cloudflared's home: the Docker volume is `<project>_cloudflared`. */
export const LOGIN_VOLUME_KEY = 'cloudflared';
/** Shown where the tunnel is not known yet (`engawa plan`). */
export const TUNNEL_NAME_PLACEHOLDER = '<tunnel name, chosen at creation>';
export const TUNNEL_ID_PLACEHOLDER = '<tunnel id>';
/** Stands in for the credentials file where none may appear (`engawa plan`). */
export const CREDENTIALS_PLACEHOLDER = '<the tunnel credentials, fetched from Cloudflare at creation>';
/** cloudflared's user in the official image */
const NONROOT = 65532;

/** The credentials file `cloudflared tunnel create` writes for a tunnel. */
export function credentialsFile(tunnelId: string): string {
  return `${CLOUDFLARED_DIR}/${tunnelId}.json`;
}

/** The Docker volume name of an instance's cloudflared home (the same rule as `plan()`). */
export function loginVolumeName(project: string): string {
  return `${project}_${LOGIN_VOLUME_KEY}`;
}

/** The instance a cloudflared home volume belongs to (the inverse of loginVolumeName for `engawa-<instance>`). */
export function instanceOfVolume(volume: string): string {
  return volume.replace(/^engawa-/, '').slice(0, -`_${LOGIN_VOLUME_KEY}`.length);
}

/**
 * cloudflared's config file for `config` (rules in order, the last one the catch-all). Every value
 * is a JSON string, which YAML reads as the same string (host names such as "*.example.com" and
 * path expressions need quoting in YAML).
 */
export function renderLoginConfig(config: TunnelConfigJson, credentials: string): string {
  const q = (v: string): string => JSON.stringify(v);
  const lines = [
    '# cloudflared configuration written by Engawa. Rules are tried in order; the first match wins.',
    `credentials-file: ${q(credentials)}`,
    'ingress:',
  ];
  for (const rule of config.ingress) {
    const fields = [
      ...(rule.hostname !== undefined ? [`hostname: ${q(rule.hostname)}`] : []),
      ...(rule.path !== undefined ? [`path: ${q(rule.path)}`] : []),
      `service: ${q(rule.service)}`,
    ];
    fields.forEach((f, i) => lines.push(`${i === 0 ? '  - ' : '    '}${f}`));
  }
  return `${lines.join('\n')}\n`;
}

/** The choices that shape the sign-in connector. */
export interface LoginConnectorOptions {
  protocol: TunnelProtocol;
  /** the tunnel's stable name (run by name) */
  tunnelName: string;
  /** known once the tunnel exists; a placeholder path before */
  tunnelId?: string;
  /** where the connector reads the tunnel's credentials: the secret store (default) or, for an earlier Engawa's instance, the home volume */
  credentials?: 'secret' | 'volume';
}

/** The cloudflared service for the recipe's ingress rules (host names still templates, rendered by `plan()`). */
export function loginConnectorService(rules: readonly IngressRule[], opts: LoginConnectorOptions): ServiceSpec {
  const fromVolume = opts.credentials === 'volume';
  const config = renderLoginConfig(ingressConfig(rules), fromVolume ? credentialsFile(opts.tunnelId ?? TUNNEL_ID_PLACEHOLDER) : LOGIN_CREDENTIALS_FILE);
  const { env: _tokenEnv, files: _tokenFile, ...base } = connectorService({ protocol: opts.protocol });
  const configFile = { path: LOGIN_CONFIG_FILE, content: config, mode: 0o444, uid: NONROOT, gid: NONROOT };
  return {
    ...base,
    command: [
      'tunnel',
      '--no-autoupdate',
      '--metrics',
      `127.0.0.1:${METRICS_PORT}`,
      ...(opts.protocol === 'http2' ? ['--protocol', 'http2'] : []),
      '--config',
      LOGIN_CONFIG_FILE,
      'run',
      opts.tunnelName,
    ],
    env: { HOME: CLOUDFLARED_HOME },
    ...(fromVolume
      ? { mounts: [{ volume: LOGIN_VOLUME_KEY, target: CLOUDFLARED_HOME, readOnly: true }], files: [configFile] }
      : {
          files: [configFile, { path: LOGIN_CREDENTIALS_FILE, content: `{{secret.${TUNNEL_SECRETS.credentials}}}`, mode: 0o400, uid: NONROOT, gid: NONROOT }],
        }),
  };
}

/** `recipe` plus the sign-in connector and cloudflared's home volume (a new object; `recipe` is untouched). */
export function withLoginConnector(recipe: Recipe, opts: LoginConnectorOptions): Recipe {
  if (recipe.services.some((s) => s.name === CONNECTOR_SERVICE) || recipe.volumes.some((v) => v.name === LOGIN_VOLUME_KEY)) {
    throw new EngawaError('INTERNAL', `The recipe is broken: it already has a service or volume called "${CONNECTOR_SERVICE}".`);
  }
  if (opts.credentials === 'volume') {
    return {
      ...recipe,
      volumes: [
        ...recipe.volumes,
        {
          name: LOGIN_VOLUME_KEY,
          description: 'Cloudflare sign-in (cert.pem) and the tunnel credentials, needed to run the same tunnel after a restore',
          backup: 'data',
        },
      ],
      services: [...recipe.services, loginConnectorService(recipe.ingress, opts)],
    };
  }
  return {
    ...recipe,
    secrets: [
      ...recipe.secrets,
      {
        name: TUNNEL_SECRETS.credentials,
        kind: { type: 'base64url', bytes: 32 },
        description: 'Cloudflare Tunnel credentials file (from Cloudflare at creation, never generated); runs this tunnel only',
        userSupplied: true,
      },
    ],
    services: [...recipe.services, loginConnectorService(recipe.ingress, opts)],
  };
}
