/**
 * Misskey, as upstream's compose_example.yml runs it (web, PostgreSQL, Redis) but with the published
 * image instead of a local build. The image migrates the database at every start, so there is no
 * setup container; the first admin and the federation switch are HTTP calls (`http`). Facts and
 * their sources: test/fixtures/upstream/misskey.json.
 */
import type { MaintenanceTask, Recipe } from '../types';
import { misskeyCheck } from './check';
import { healthcheck, postgresService, redisService } from '../shared-services';
import { MISSKEY_CONFIG_PATH, misskeyConfigTemplate } from './default-yml';

/** The upstream release the image is pinned to. */
export const MISSKEY_VERSION = '2026.10.0';

/** The release before it that Engawa keeps (2025.12.2 fixed the trustProxy default of 2025.12.0). */
export const PREVIOUS_MISSKEY_VERSION = '2025.12.2';

const WEB_IMAGE = `misskey/misskey:${MISSKEY_VERSION}`;
/** What upstream's compose_example.yml uses (Misskey needs PostgreSQL ≥ 15 and Redis 7). */
const POSTGRES_IMAGE = 'postgres:18-alpine';
const REDIS_IMAGE = 'redis:7-alpine';

/** The `misskey` user of the image. */
const MISSKEY_UID = 991;

const DB_NAME = 'misskey';
const DB_USER = 'misskey';

/**
 * Misskey's clean-up of its remote-file cache: the control panel's Files → "Clear cache" (clearCachedFiles)
 * (POST /api/admin/drive/clean-remote-files, which queues a job that deletes every drive file of
 * another server that is stored rather than linked). The endpoint needs a moderator's token
 * (requireModerator), and Engawa keeps no Misskey token after creating the first admin, so the app
 * only says where to do it. With `cacheRemoteFiles` off (the federation step above) remote media are
 * linked and proxied, not stored, so that cache stays small; cached files share the `files` volume
 * with the users' own uploads (data), so there is no cache volume to measure. Sources: upstream's
 * endpoints/admin/drive/clean-remote-files.ts, queue/processors/CleanRemoteFilesProcessorService.ts,
 * models/Meta.ts (cacheRemoteFiles default false, cacheRemoteSensitiveFiles default true).
 */
const remoteFileTasks: MaintenanceTask[] = [
  {
    id: 'remote-files',
    kind: 'admin-ui',
    service: 'web',
    schedule: 'on-demand',
    volumes: [],
    removes: {
      en: 'stored copies of other servers’ files (only there if “Cache remote files” was turned on; the notes stay and link to the originals)',
      ja: '保存された他のサーバーのファイルのコピー（「リモートのファイルをキャッシュする」をオンにした場合のみ。ノートは残り、元のファイルにリンクします）',
    },
    where: {
      en: 'In Misskey, open Control panel → Files and choose “Clear cache” at the top (it deletes every cached remote file). Engawa keeps no admin token, so it cannot do this for you.',
      ja: 'Misskeyのコントロールパネル →「ファイル」を開き、上部の「キャッシュをクリア」を選んでください（キャッシュされたリモートファイルがすべて削除されます）。Engawaは管理者トークンを保存しないため、代わりに実行できません。',
    },
  },
];

/** Misskey: one Node.js service with PostgreSQL and Redis. */
export const misskeyRecipe: Recipe = {
  id: 'misskey',
  name: 'Misskey',
  version: MISSKEY_VERSION,
  summary: {
    en:
      'Misskey is a playful fediverse server made in Japan: posts of up to 3,000 characters, emoji reactions, ' +
      'rich text (MFM), a drive for your files and a highly customisable web app; it follows and is followed by ' +
      'Mastodon and other ActivityPub servers. It runs three containers (Misskey, PostgreSQL, Redis) and needs ' +
      'about 1.5 GB of memory; Misskey’s own guide recommends a computer with 4 GB. On Intel/AMD computers the ' +
      'processor must support SSE4.2. E-mail is optional and is set up later in the control panel.',
    ja:
      'Misskey（ミスキー）は日本生まれの、遊び心のある分散型SNS（Fediverse）サーバーです。投稿は3,000文字まで。' +
      '絵文字リアクション、MFMによる装飾、ファイルを置けるドライブ、自由にカスタマイズできるウェブ画面があり、' +
      'MastodonなどActivityPubに対応した他のサーバーの人ともフォローし合えます。コンテナは3つ（Misskey、PostgreSQL、Redis）で、' +
      'メモリは約1.5GB必要です（Misskey公式のガイドでは4GBのパソコンを推奨）。Intel/AMDのパソコンでは、' +
      'CPUがSSE4.2に対応している必要があります。メールの設定は任意で、あとからコントロールパネルで行えます。',
  },
  memoryMiB: 1536,
  requires: [
    {
      check: 'x86-64-sse4.2',
      note: {
        en:
          'Since Misskey 2026.7.0 the x86-64 image needs a processor with SSE4.2 (nearly every Intel/AMD CPU made ' +
          'since about 2010; not some old NAS, Atom or Celeron boxes, or virtual machines with a generic CPU model). ' +
          'ARM64 computers are not affected.',
        ja:
          'Misskey 2026.7.0以降、x86-64版のイメージにはSSE4.2対応のCPUが必要です（2010年ごろ以降のIntel/AMD製CPUならほぼ対応。' +
          '古いNASやAtom/Celeron機、汎用CPUモデルの仮想マシンでは動かないことがあります）。ARM64のパソコンには影響しません。',
      },
    },
  ],
  settings: [
    {
      name: 'admin_user',
      description: 'user name of the administrator account (1 to 20 letters, digits or _)',
      default: 'admin',
      pattern: '[A-Za-z0-9_]{1,20}',
    },
  ],
  secrets: [
    { name: 'db_password', kind: { type: 'alnum', length: 32 }, description: 'PostgreSQL password of the misskey user' },
    { name: 'setup_password', kind: { type: 'alnum', length: 32 }, description: 'setupPassword: needed to create the first administrator' },
    {
      name: 'admin_password',
      kind: { type: 'password', length: 24 },
      description: 'password of the administrator account',
      userSupplied: true,
    },
  ],
  volumes: [
    { name: 'db-data', description: 'PostgreSQL database: accounts, notes, keys, settings', backup: 'data' },
    { name: 'redis-data', description: 'Redis: job queue and timeline cache', backup: 'data' },
    {
      // drive uploads and cached remote files share this directory, so all of it is kept
      name: 'files',
      description: 'drive files uploaded here, and cached copies of other servers’ files',
      backup: 'data',
      ownerUid: MISSKEY_UID,
      ownerGid: MISSKEY_UID,
    },
  ],
  services: [
    // PostgreSQL 18 images keep their data in /var/lib/postgresql/18/docker: mount the parent
    postgresService({ image: POSTGRES_IMAGE, user: DB_USER, db: DB_NAME, dataPath: '/var/lib/postgresql' }),
    redisService({ image: REDIS_IMAGE, memoryMiB: 128 }),
    {
      name: 'web',
      image: WEB_IMAGE,
      mounts: [{ volume: 'files', target: '/misskey/files' }],
      // it holds the database and setup passwords: read-only for misskey, which never writes it
      files: [{ path: MISSKEY_CONFIG_PATH, content: misskeyConfigTemplate, mode: 0o400, uid: MISSKEY_UID, gid: MISSKEY_UID }],
      ports: [{ container: 3000, name: 'web' }],
      // what the image's healthcheck.sh does, with the port of our default.yml; the long start period
      // covers the migrations the image runs before it listens
      healthcheck: healthcheck(['CMD', 'curl', '-Sfso/dev/null', 'http://localhost:3000/healthz'], 600_000),
      dependsOn: [
        { service: 'db', condition: 'healthy' },
        { service: 'redis', condition: 'healthy' },
      ],
      init: false, // the image's entrypoint is tini already
      memoryMiB: 1024,
      // Misskey's settings are in default.yml, which the recipe writes; the env it reads besides
      // (NODE_OPTIONS, where its config is) is behaviour: a backup's overrides change nothing here
      overridable: [],
    },
  ],
  setup: [],
  http: [
    {
      name: 'admin-account',
      description: 'Create the first administrator; the answer carries its API token',
      when: 'create',
      path: '/api/admin/accounts/create',
      body: {
        username: '{{setting.admin_user}}',
        password: '{{secret.admin_password}}',
        setupPassword: '{{secret.setup_password}}',
      },
      admin: true,
    },
    {
      name: 'federation',
      // cacheRemoteFiles stays off, said out loud: remote media are then linked and proxied, not stored
      // (the Meta column's default is false in current releases but was true in older ones)
      description: 'Turn federation on (new servers keep it off until the setup wizard is finished); keep remote files uncached',
      when: 'create',
      path: '/api/admin/update-meta',
      body: { federation: 'all', cacheRemoteFiles: false },
      bodyFromResponse: { step: 'admin-account', field: 'token', as: 'i' },
      admin: true,
    },
  ],
  ingress: [{ hostname: '{{domain}}', service: 'web', port: 3000 }],
  web: { service: 'web', port: 'web', healthPath: '/healthz', publicHost: '{{domain}}' },
  admin: { kind: 'owner-account', passwordSecret: 'admin_password', defaultUser: 'admin' },
  backup: { databases: [{ service: 'db', kind: 'postgres', user: DB_USER, db: DB_NAME, passwordSecret: 'db_password', tables: ['user', 'note'] }] },
  // The image migrates the database at every start (`pnpm run migrateandstart`): an update is the
  // switch, given the time a large database's migrations take, and rolls back when it never turns healthy.
  releases: [
    { version: MISSKEY_VERSION, notesUrl: `https://github.com/misskey-dev/misskey/releases/tag/${MISSKEY_VERSION}`, switchTimeoutMs: 900_000 },
    { version: PREVIOUS_MISSKEY_VERSION, services: { web: { image: `misskey/misskey:${PREVIOUS_MISSKEY_VERSION}` } } },
  ],
  check: misskeyCheck,
  maintenance: remoteFileTasks,
  maintenanceNote: {
    en: 'Engawa creates Misskey with “Cache remote files” off: other servers’ media are shown from their servers, not stored here, so there is little to clean.',
    ja: 'EngawaはMisskeyを「リモートのファイルをキャッシュする」をオフにして作成します。他のサーバーのメディアは元のサーバーから表示され、ここには保存されないため、削除するものはほとんどありません。',
  },
};
