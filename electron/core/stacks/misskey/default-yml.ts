/**
 * Misskey's `.config/default.yml`, written from upstream's `.config/docker_example.yml` with only what
 * a home server needs. It is a template (placeholders as in stacks/types.ts). `url` and `id` must
 * never change after the first start; `port` stays at the start of a line because the image's
 * healthcheck.sh finds it with `grep '^port:'`. Since Misskey 2025.5.1 proxyRemoteFiles,
 * signToActivityPubGet and disallowExternalApRedirect live in the control panel, not in this file.
 */

/** Where the official image reads its configuration. */
export const MISSKEY_CONFIG_PATH = '/misskey/.config/default.yml';

/** The template; the strings in single quotes are alphanumeric secrets, so no escaping is needed. */
export const misskeyConfigTemplate = `# Misskey configuration, written by Engawa.
# NEVER change url or id once the server has started: other servers remember them.

url: https://{{domain}}/

# Misskey speaks plain HTTP here; the Cloudflare Tunnel provides HTTPS.
port: 3000

db:
  host: {{service.db}}
  port: 5432
  db: misskey
  user: misskey
  pass: '{{secret.db_password}}'

dbReplications: false

redis:
  host: {{service.redis}}
  port: 6379

id: 'aidx'

# Asked for by the first-admin screen and API; unused afterwards.
setupPassword: '{{secret.setup_password}}'

proxyBypassHosts:
  - api.deepl.com
  - api-free.deepl.com
  - www.recaptcha.net
  - hcaptcha.com
  - challenges.cloudflare.com
`;
