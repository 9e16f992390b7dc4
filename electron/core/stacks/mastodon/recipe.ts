/**
 * Mastodon, as upstream's docker-compose.yml at the pinned tag runs it (web, streaming, sidekiq,
 * PostgreSQL, Redis), with the changes a home server behind a Cloudflare Tunnel needs: a real
 * database password, no published ports except web, and the remote-media cache on its own volume
 * so backups can leave it out. Facts and their sources: test/fixtures/upstream/mastodon.json.
 */
import type { Recipe } from '../types';
import { mediaCacheTasks } from './maintenance';
import { mastodonCheck } from './check';
import { healthcheck, postgresService, redisService } from '../shared-services';

/** The upstream release every Mastodon image is pinned to (web, sidekiq and streaming alike). */
export const MASTODON_VERSION = 'v4.7.4';

/** The release before it that Engawa keeps (upstream's compose file was last checked at it). */
export const PREVIOUS_MASTODON_VERSION = 'v4.6.2';

const APP_IMAGE = `ghcr.io/mastodon/mastodon:${MASTODON_VERSION}`;
const STREAMING_IMAGE = `ghcr.io/mastodon/mastodon-streaming:${MASTODON_VERSION}`;
/**
 * PostgreSQL 17, not the postgres:14-alpine of upstream's compose at this tag: 14 reached its end of
 * life in November 2026. Mastodon 4.5+ needs PostgreSQL ≥ 14 (release notes), and upstream's CI checks
 * its migrations and `db:prepare` on 14, 15, 16 and 17 (.github/workflows/test-migrations.yml, matrix
 * `postgres: 14-alpine … 17-alpine`); 17 is the newest major upstream verifies, supported until
 * November 2029. Its data directory is still /var/lib/postgresql/data (the move to the parent
 * directory came with 18). An instance keeps the major it was created with: changing it needs a dump
 * and restore, never a tag bump. Sources: test/fixtures/upstream/mastodon.json (services.db).
 */
const POSTGRES_IMAGE = 'postgres:17-alpine';
/** Mastodon 4.5+ needs Redis ≥ 7.0; upstream's compose uses redis:7-alpine. */
const REDIS_IMAGE = 'redis:7-alpine';

/** The app's home in the image (`/mastodon` is a symlink to it); uploads live under public/system. */
const APP_HOME = '/opt/mastodon';
/** The `mastodon` user of both images. */
const MASTODON_UID = 991;

const DB_NAME = 'mastodon';
const DB_USER = 'mastodon';

/**
 * `.env.production` as one map: every Mastodon process gets the same environment, as with
 * upstream's `env_file`. Values are written without quotes (compose and Docker take quotes literally).
 * TRUSTED_PROXY_IP is deliberately unset: its default trusts the private ranges cloudflared connects
 * from, and setting it would replace that default.
 */
const appEnv: Record<string, string> = {
  LOCAL_DOMAIN: '{{domain}}',
  RAILS_ENV: 'production',
  NODE_ENV: 'production',
  // Puma serves /packs, /assets and /system itself: there is no nginx in front, only the tunnel.
  RAILS_SERVE_STATIC_FILES: 'true',
  SECRET_KEY_BASE: '{{secret.secret_key_base}}',
  ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY: '{{secret.ar_deterministic_key}}',
  ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT: '{{secret.ar_key_derivation_salt}}',
  ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY: '{{secret.ar_primary_key}}',
  VAPID_PRIVATE_KEY: '{{secret.vapid_private_key}}',
  VAPID_PUBLIC_KEY: '{{secret.vapid_public_key}}',
  DB_HOST: '{{service.db}}',
  DB_PORT: '5432',
  DB_NAME,
  DB_USER,
  DB_PASS: '{{secret.db_password}}',
  REDIS_HOST: '{{service.redis}}',
  REDIS_PORT: '6379',
  ES_ENABLED: 'false',
  S3_ENABLED: 'false',
  SMTP_SERVER: '{{setting.smtp_server}}',
  SMTP_PORT: '{{setting.smtp_port}}',
  SMTP_LOGIN: '{{setting.smtp_login}}',
  SMTP_PASSWORD: '{{secret.smtp_password}}',
  SMTP_FROM_ADDRESS: 'notifications@{{domain}}',
};

/**
 * What a backup's overrides may change in the Mastodon processes (the user's own `--set` may change
 * more): e-mail, object storage, translation, federation and single-user modes, the default
 * language, and the process sizes and log level. Never the domain, database, Redis, keys or paths.
 */
const appOverridable = [
  'SMTP_*',
  'S3_*',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'DEEPL_API_KEY',
  'DEEPL_PLAN',
  'LIBRE_TRANSLATE_ENDPOINT',
  'LIBRE_TRANSLATE_API_KEY',
  'AUTHORIZED_FETCH',
  'LIMITED_FEDERATION_MODE',
  'SINGLE_USER_MODE',
  'DEFAULT_LOCALE',
  'WEB_CONCURRENCY',
  'MAX_THREADS',
  'DB_POOL',
  'STREAMING_CLUSTER_NUM',
  'RAILS_LOG_LEVEL',
];

/**
 * The secrets of appEnv, which stay env variables: Mastodon's Rails processes read them from ENV
 * and its streaming server from process.env, with no `<NAME>_FILE` variant; upstream's compose
 * passes them the same way (`env_file: .env.production`).
 */
const FROM_ENV = 'Mastodon reads it from the environment only (no <NAME>_FILE variant)';
const appEnvSecrets: Record<string, string> = {
  SECRET_KEY_BASE: FROM_ENV,
  ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY: FROM_ENV,
  ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT: FROM_ENV,
  ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY: FROM_ENV,
  VAPID_PRIVATE_KEY: FROM_ENV,
  VAPID_PUBLIC_KEY: 'public (browsers get it); a declared secret only because it is derived from the private key',
  DB_PASS: `${FROM_ENV}; web, sidekiq and streaming all connect with it`,
  SMTP_PASSWORD: FROM_ENV,
};

const dependsOnStores = [
  { service: 'db', condition: 'healthy' as const },
  { service: 'redis', condition: 'healthy' as const },
];

const mediaMounts = [
  { volume: 'uploads', target: `${APP_HOME}/public/system` },
  { volume: 'media-cache', target: `${APP_HOME}/public/system/cache` },
];

const migrate = ['bundle', 'exec', 'rails', 'db:migrate'];

/** Mastodon: web + streaming + sidekiq on one pinned tag, with PostgreSQL and Redis. */
export const mastodonRecipe: Recipe = {
  id: 'mastodon',
  name: 'Mastodon',
  version: MASTODON_VERSION,
  summary: {
    en:
      'Mastodon is the best-known server of the fediverse: posts of up to 500 characters, a clean web app and many ' +
      'phone apps, and you can follow and be followed by people on Mastodon, Misskey and other ActivityPub servers. ' +
      'It runs five containers (web, streaming, background jobs, PostgreSQL, Redis) and needs about 2 GB of memory, ' +
      'more as the database and the cache of other servers’ media grow. E-mail is optional; without an SMTP server ' +
      'there is no password reset by e-mail and no e-mail notifications.',
    ja:
      'Mastodon（マストドン）は、分散型SNS「Fediverse」でいちばんよく知られたサーバーです。投稿は500文字まで。' +
      'すっきりしたウェブ画面と多くのスマホアプリで使え、MastodonやMisskeyなど、ActivityPubに対応した他のサーバーの人と' +
      'フォローし合えます。コンテナは5つ（ウェブ、ストリーミング、バックグラウンド処理、PostgreSQL、Redis）で、' +
      'メモリは約2GB必要です。データベースや他のサーバーのメディアのキャッシュが増えると、さらに使います。' +
      'メールの設定は任意ですが、SMTPサーバーがないと、メールでのパスワード再設定やメール通知は使えません。',
  },
  memoryMiB: 2048,
  settings: [
    {
      name: 'admin_user',
      description: 'user name of the owner account (a-z, 0-9, _; not admin, root, support, help, webmaster, administrator, mod or moderator)',
      default: 'owner',
      pattern: '(?!(?:admin|support|help|root|webmaster|administrator|mod|moderator)$)[a-z0-9_]{1,30}',
    },
    {
      name: 'admin_email',
      description: 'e-mail address of the owner account (its domain must exist in DNS); empty means <user>@<your domain>',
      default: '',
      pattern: '|[^@\\s]+@[^@\\s]+\\.[^@\\s]+',
    },
    { name: 'smtp_server', description: 'SMTP server for outgoing e-mail (empty: no e-mail)', default: '', pattern: '|[A-Za-z0-9.-]+' },
    { name: 'smtp_port', description: 'SMTP port', default: '587', pattern: '[0-9]{1,5}' },
    { name: 'smtp_login', description: 'SMTP user name', default: '' },
  ],
  secrets: [
    { name: 'secret_key_base', kind: { type: 'hex', bytes: 64 }, description: 'SECRET_KEY_BASE (signs sessions; as `rails secret` makes it)' },
    { name: 'ar_deterministic_key', kind: { type: 'alnum', length: 32 }, description: 'ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY' },
    { name: 'ar_key_derivation_salt', kind: { type: 'alnum', length: 32 }, description: 'ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT' },
    { name: 'ar_primary_key', kind: { type: 'alnum', length: 32 }, description: 'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY' },
    { name: 'vapid_private_key', kind: { type: 'vapid-private' }, description: 'VAPID_PRIVATE_KEY (Web Push)' },
    { name: 'vapid_public_key', kind: { type: 'vapid-public', from: 'vapid_private_key' }, description: 'VAPID_PUBLIC_KEY (Web Push)' },
    { name: 'db_password', kind: { type: 'alnum', length: 32 }, description: 'PostgreSQL password of the mastodon user' },
    // tootctl makes up the owner's password; the admin-account step captures it into this secret
    { name: 'admin_password', kind: { type: 'password', length: 24 }, description: "The owner's password, as tootctl printed it" },
    {
      name: 'smtp_password',
      kind: { type: 'password', length: 32 },
      description: 'SMTP password (only used once an SMTP server is set)',
      userSupplied: true,
    },
  ],
  volumes: [
    { name: 'db-data', description: 'PostgreSQL database: accounts, posts, follows, settings', backup: 'data' },
    { name: 'redis-data', description: 'Redis: background job queue and home feeds', backup: 'data' },
    {
      name: 'uploads',
      description: 'media uploaded on this server: avatars, headers, attachments, custom emoji',
      backup: 'data',
      ownerUid: MASTODON_UID,
      ownerGid: MASTODON_UID,
    },
    {
      name: 'media-cache',
      description: 'copies of other servers’ media; Mastodon fetches them again when needed',
      backup: 'cache',
      ownerUid: MASTODON_UID,
      ownerGid: MASTODON_UID,
    },
  ],
  services: [
    postgresService({ image: POSTGRES_IMAGE, user: DB_USER, db: DB_NAME, dataPath: '/var/lib/postgresql/data' }),
    redisService({ image: REDIS_IMAGE, memoryMiB: 64 }),
    {
      name: 'web',
      image: APP_IMAGE,
      command: ['bundle', 'exec', 'puma', '-C', 'config/puma.rb'],
      // one Puma worker (5 threads) is plenty for a household and saves ~300 MB over the default two
      env: { ...appEnv, WEB_CONCURRENCY: '1' },
      mounts: mediaMounts,
      ports: [{ container: 3000, name: 'web' }],
      healthcheck: healthcheck(['CMD-SHELL', 'curl -s --noproxy localhost http://localhost:3000/health | grep -q OK'], 180_000),
      dependsOn: dependsOnStores,
      init: false, // the image's entrypoint is tini already
      overridable: appOverridable,
      envSecrets: appEnvSecrets,
      memoryMiB: 768,
    },
    {
      name: 'streaming',
      image: STREAMING_IMAGE,
      command: ['node', './streaming/index.js'],
      env: appEnv,
      healthcheck: healthcheck(['CMD-SHELL', 'curl -s --noproxy localhost http://localhost:4000/api/v1/streaming/health | grep -q OK'], 60_000),
      dependsOn: dependsOnStores,
      overridable: appOverridable,
      envSecrets: appEnvSecrets,
      memoryMiB: 128,
    },
    {
      name: 'sidekiq',
      image: APP_IMAGE,
      command: ['bundle', 'exec', 'sidekiq'],
      env: appEnv,
      mounts: mediaMounts,
      // upstream's check: the Sidekiq 8 process is up (it has no HTTP port)
      healthcheck: healthcheck(['CMD-SHELL', "ps aux | grep '[s]idekiq 8'"], 120_000),
      dependsOn: dependsOnStores,
      init: false,
      stopTimeoutS: 30, // Sidekiq waits up to 25 s for running jobs
      overridable: appOverridable,
      envSecrets: appEnvSecrets,
      memoryMiB: 640,
    },
  ],
  setup: [
    {
      name: 'database',
      description: 'Create the database schema (only on an empty database) and run migrations',
      when: 'create',
      kind: 'run',
      service: 'web',
      // Rails' db:prepare loads db/schema.rb and the seeds only when the schema_migrations table does
      // not exist yet, and otherwise only migrates: it never drops or reloads existing data (db:setup would).
      command: ['bundle', 'exec', 'rails', 'db:prepare'],
      needs: ['db', 'redis'],
      phase: 'before-start',
    },
    {
      name: 'admin-account',
      description: 'Create the owner account; tootctl prints its password as "New password: …"',
      when: 'create',
      kind: 'exec',
      service: 'web',
      // values come in through env, never spliced into the shell text
      command: ['sh', '-c', 'exec bin/tootctl accounts create "$ADMIN_USER" --email "${ADMIN_EMAIL:-$ADMIN_USER@$LOCAL_DOMAIN}" --confirmed --role Owner'],
      env: { ADMIN_USER: '{{setting.admin_user}}', ADMIN_EMAIL: '{{setting.admin_email}}' },
      phase: 'after-healthy',
      admin: true,
      capture: { secret: 'admin_password', pattern: '^New password: (\\S+)\\s*$' },
    },
    {
      name: 'admin-approve',
      description: 'Approve the owner account (accounts made while sign-ups need approval start unapproved)',
      when: 'create',
      kind: 'exec',
      service: 'web',
      command: ['bin/tootctl', 'accounts', 'approve', '{{setting.admin_user}}'],
      phase: 'after-healthy',
      admin: true,
    },
    {
      name: 'pre-deployment-migrations',
      description: 'Run the database migrations that are safe before the new version starts',
      when: 'pre-upgrade',
      kind: 'run',
      service: 'web',
      command: migrate,
      env: { SKIP_POST_DEPLOYMENT_MIGRATIONS: 'true' },
      needs: ['db', 'redis'],
      phase: 'before-start',
    },
    {
      name: 'post-deployment-migrations',
      description: 'Run the remaining database migrations once the new version runs',
      when: 'post-upgrade',
      kind: 'run',
      service: 'web',
      command: migrate,
      needs: ['db', 'redis'],
      phase: 'after-healthy',
    },
  ],
  // order matters: cloudflared takes the first matching rule, so streaming comes before the catch-all
  ingress: [
    { hostname: '{{domain}}', path: '^/api/v1/streaming', service: 'streaming', port: 4000 },
    { hostname: '{{domain}}', service: 'web', port: 3000 },
  ],
  web: { service: 'web', port: 'web', healthPath: '/health', publicHost: '{{domain}}' },
  // tootctl makes up the password itself: it is captured, never supplied
  admin: { kind: 'owner-account', defaultUser: 'owner', passwordSecret: 'admin_password' },
  // upstream's order: PostgreSQL (pg_dump -Fc), secrets, uploads; the remote media cache is left out
  backup: { databases: [{ service: 'db', kind: 'postgres', user: DB_USER, db: DB_NAME, passwordSecret: 'db_password', tables: ['accounts', 'statuses'] }] },
  // Each update runs the pre-deployment migrations on the new image, switches web, streaming and
  // sidekiq, then runs the post-deployment ones (the setup steps above). Upstream's release notes
  // ask to apply every skipped release's notes: a release that needs it lists `from`.
  releases: [
    { version: MASTODON_VERSION, security: true, notesUrl: `https://github.com/mastodon/mastodon/releases/tag/${MASTODON_VERSION}` },
    {
      version: PREVIOUS_MASTODON_VERSION,
      notesUrl: `https://github.com/mastodon/mastodon/releases/tag/${PREVIOUS_MASTODON_VERSION}`,
      services: {
        web: { image: `ghcr.io/mastodon/mastodon:${PREVIOUS_MASTODON_VERSION}` },
        sidekiq: { image: `ghcr.io/mastodon/mastodon:${PREVIOUS_MASTODON_VERSION}` },
        streaming: { image: `ghcr.io/mastodon/mastodon-streaming:${PREVIOUS_MASTODON_VERSION}` },
      },
    },
  ],
  check: mastodonCheck,
  maintenance: mediaCacheTasks,
  maintenanceNote: {
    en: 'Mastodon also has its own setting for this: Administration → Server settings → Content retention → Media cache retention period. Engawa’s daily clean-up works without it.',
    ja: 'Mastodon自体にも同じ設定があります（管理 → サーバー設定 → コンテンツの保持 → メディアキャッシュの保持期間）。Engawaの毎日のクリーンアップは、この設定がなくても動きます。',
  },
};
