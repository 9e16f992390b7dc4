/**
 * Bluesky PDS (AT Protocol Personal Data Server), configured as upstream's installer writes
 * /pds/pds.env, with the changes a home server behind a Cloudflare Tunnel needs:
 * - no Caddy (Cloudflare terminates TLS; the tunnel calls http://pds:3000) and no watchtower
 *   (Engawa updates the pinned tag itself, after a backup: the PDS has no down migrations);
 * - the PDS at pds.<domain> with handles <name>.<domain> (see hostnames.ts for why not upstream's
 *   <name>.pds.<domain>), routed by a wildcard ingress rule;
 * - a named volume instead of the host's /pds (SQLite in WAL mode needs real file locks).
 * Empty settings: PDS_CRAWLERS, PDS_BSKY_APP_VIEW_URL and PDS_REPORT_SERVICE_URL turn the feature off
 * (the PDS reads an empty string as unset; a URL without its DID makes it refuse to start).
 * PDS_DID_PLC_URL falls back to https://plc.directory when empty, so it must always be set.
 * The owner's account is made over XRPC once the PDS is healthy: an invite code (HTTP Basic admin)
 * and createAccount with it; its handle name is checked against the PDS's rules before anything is
 * created (the admin_user setting's pattern, see handles.ts).
 */
import type { Recipe } from '../types';
import { blueskyCheck } from './check';
import { HANDLE_NAME_RULE, OWNER_NAME_PATTERN } from './handles';

/** The upstream release (the bluesky-social/pds tag; the image ships @atproto/pds of the same version). */
export const PDS_VERSION = '0.4.219';

/** The release before it, kept so a server made on it runs on it until it is updated. */
export const PREVIOUS_PDS_VERSION = '0.4.217';

const IMAGE = `ghcr.io/bluesky-social/pds:${PDS_VERSION}`;
const HTTP_PORT = 3000;
const DATA_DIR = '/pds';

const URL_PATTERN = 'https?://[^\\s,]+';
const DID_PATTERN = 'did:[a-z]+:[A-Za-z0-9._:%-]+';

/** Bluesky PDS: one container, SQLite files and blobs on one volume. */
export const blueskyRecipe: Recipe = {
  id: 'bluesky',
  name: 'Bluesky PDS',
  version: PDS_VERSION,
  summary: {
    en:
      'A Bluesky PDS (Personal Data Server) keeps your Bluesky account on your own computer: your posts, likes, ' +
      'follows and images live here, and you keep using the Bluesky app and everyone on Bluesky sees you as usual. ' +
      'Handles look like @you.example.com. It is one small container that needs about 512 MB of memory. Timelines ' +
      'and search still come from Bluesky’s own services, so it is not a separate network. Keep the backups safe: ' +
      'they hold the keys that prove the accounts are yours.',
    ja:
      'Bluesky PDS（パーソナル・データ・サーバー）は、あなたのBlueskyアカウントを自分のパソコンに置くためのサーバーです。' +
      '投稿・いいね・フォロー・画像はここに保存され、これまでどおりBlueskyのアプリで使えて、Blueskyのみんなからも普段どおり見えます。' +
      'ハンドルは @you.example.com のような形になります。コンテナは小さなものが1つだけで、メモリは約512MBあれば動きます。' +
      'タイムラインや検索はBluesky本体のサービスを使うため、独立した別のSNSではありません。' +
      'バックアップは大切に保管してください。アカウントがあなたのものだと証明する鍵が入っています。',
  },
  memoryMiB: 512,
  // the PDS and every handle must be the zone's apex or one level below it (see hostnames.ts)
  hosts: { pds: '{{setting.pds_prefix}}{{domain}}' },
  settings: [
    {
      name: 'pds_prefix',
      description:
        'where the PDS itself answers: "pds." for pds.<domain>, or empty for the domain itself (a domain used only for Bluesky); ' +
        'handles are <name>.<domain> either way, because Cloudflare’s free certificate covers only names one level below the domain',
      default: 'pds.',
      pattern: 'pds\\.|',
    },
    {
      name: 'admin_user',
      description: `the owner’s handle is <this name>.<domain>: ${HANDLE_NAME_RULE}`,
      default: '',
      pattern: OWNER_NAME_PATTERN,
    },
    {
      name: 'admin_email',
      description: 'the owner’s e-mail address (for password resets)',
      default: '',
    },
    {
      name: 'plc_url',
      description: 'did:plc directory the accounts’ identities are registered in (PDS_DID_PLC_URL)',
      default: 'https://plc.directory',
      pattern: URL_PATTERN,
    },
    {
      name: 'appview_url',
      description: 'Bluesky app view that serves timelines and profiles (PDS_BSKY_APP_VIEW_URL; empty: none, the app shows nothing)',
      default: 'https://api.bsky.app',
      pattern: `|${URL_PATTERN}`,
    },
    {
      name: 'appview_did',
      description: 'DID of that app view (PDS_BSKY_APP_VIEW_DID; required when the URL is set)',
      default: 'did:web:api.bsky.app',
      pattern: `|${DID_PATTERN}`,
    },
    {
      name: 'report_service_url',
      description: 'moderation service that receives reports (PDS_REPORT_SERVICE_URL; empty: none)',
      default: 'https://mod.bsky.app',
      pattern: `|${URL_PATTERN}`,
    },
    {
      name: 'report_service_did',
      description: 'DID of that moderation service (PDS_REPORT_SERVICE_DID; required when the URL is set)',
      default: 'did:plc:ar7c4by46qjdydhdevvrndac',
      pattern: `|${DID_PATTERN}`,
    },
    {
      name: 'crawlers',
      description: 'relays told about new posts, comma-separated (PDS_CRAWLERS; empty: none, nobody sees the posts)',
      default: 'https://bsky.network',
      pattern: `|${URL_PATTERN}(?:,${URL_PATTERN})*`,
    },
  ],
  secrets: [
    { name: 'jwt_secret', kind: { type: 'hex', bytes: 16 }, description: 'PDS_JWT_SECRET (signs login sessions)' },
    { name: 'admin_password', kind: { type: 'hex', bytes: 16 }, description: 'PDS_ADMIN_PASSWORD (HTTP Basic "admin" for admin calls)' },
    {
      name: 'plc_rotation_key',
      kind: { type: 'secp256k1-hex' },
      description: 'PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX (lets this PDS update its accounts’ identities; losing it is permanent)',
    },
    { name: 'owner_password', kind: { type: 'password', length: 24 }, description: 'password of the owner’s Bluesky account', userSupplied: true },
  ],
  volumes: [
    {
      name: 'data',
      description: 'everything of the PDS: accounts, each account’s repository and signing key, images and videos, the event log',
      backup: 'data',
    },
  ],
  services: [
    {
      name: 'pds',
      image: IMAGE,
      env: {
        PDS_HOSTNAME: '{{host.pds}}',
        PDS_JWT_SECRET: '{{secret.jwt_secret}}',
        PDS_ADMIN_PASSWORD: '{{secret.admin_password}}',
        PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: '{{secret.plc_rotation_key}}',
        PDS_DATA_DIRECTORY: DATA_DIR,
        PDS_BLOBSTORE_DISK_LOCATION: `${DATA_DIR}/blocks`,
        PDS_BLOB_UPLOAD_LIMIT: '104857600',
        PDS_DID_PLC_URL: '{{setting.plc_url}}',
        PDS_BSKY_APP_VIEW_URL: '{{setting.appview_url}}',
        PDS_BSKY_APP_VIEW_DID: '{{setting.appview_did}}',
        PDS_REPORT_SERVICE_URL: '{{setting.report_service_url}}',
        PDS_REPORT_SERVICE_DID: '{{setting.report_service_did}}',
        PDS_CRAWLERS: '{{setting.crawlers}}',
        PDS_SERVICE_HANDLE_DOMAINS: '.{{domain}}',
        PDS_PORT: String(HTTP_PORT),
        LOG_ENABLED: 'true',
        PDS_RATE_LIMITS_ENABLED: 'true',
        PDS_INVITE_REQUIRED: 'true',
      },
      mounts: [{ volume: 'data', target: DATA_DIR }],
      // @atproto/pds reads its config with readEnv() (envStr of process.env) and has no file variant;
      // the rotation key's alternative, PDS_PLC_ROTATION_KEY_KMS_KEY_ID, needs AWS KMS
      envSecrets: {
        PDS_JWT_SECRET: 'the PDS reads it from the environment only (readEnv in @atproto/pds)',
        PDS_ADMIN_PASSWORD: 'the PDS reads it from the environment only (readEnv in @atproto/pds)',
        PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: 'the PDS reads it from the environment only; the file-free alternative is AWS KMS',
      },
      // what a backup's overrides may change (the user's own `--set` may change more): the outside
      // services it talks to (PLC directory, app view, moderation, relays), e-mail, sign-up and upload
      // limits, the links it shows, the log level; never its names, keys or data paths
      overridable: [
        'PDS_DID_PLC_URL',
        'PDS_BSKY_APP_VIEW_URL',
        'PDS_BSKY_APP_VIEW_DID',
        'PDS_REPORT_SERVICE_URL',
        'PDS_REPORT_SERVICE_DID',
        'PDS_CRAWLERS',
        'PDS_EMAIL_SMTP_URL',
        'PDS_EMAIL_FROM_ADDRESS',
        'PDS_MODERATION_EMAIL_SMTP_URL',
        'PDS_MODERATION_EMAIL_ADDRESS',
        'PDS_INVITE_REQUIRED',
        'PDS_BLOB_UPLOAD_LIMIT',
        'PDS_CONTACT_EMAIL_ADDRESS',
        'PDS_HOME_URL',
        'PDS_PRIVACY_POLICY_URL',
        'PDS_TERMS_OF_SERVICE_URL',
        'PDS_SUPPORT_URL',
        'LOG_LEVEL',
      ],
      ports: [{ container: HTTP_PORT, name: 'http' }],
      // _health runs `select 1` on account.sqlite; busybox wget exits non-zero on a 503
      healthcheck: {
        test: ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${HTTP_PORT}/xrpc/_health`],
        intervalMs: 5_000,
        timeoutMs: 5_000,
        retries: 5,
        startPeriodMs: 30_000,
      },
      init: false, // the image's entrypoint is dumb-init already
      memoryMiB: 512,
    },
  ],
  setup: [],
  http: [
    {
      name: 'owner-invite',
      description: 'Make an invite code for the owner’s account',
      when: 'create',
      path: '/xrpc/com.atproto.server.createInviteCode',
      body: { useCount: 1 },
      basicAuth: { user: 'admin', password: '{{secret.admin_password}}' },
      admin: true,
    },
    {
      name: 'owner-account',
      description: 'Create the owner’s account',
      when: 'create',
      path: '/xrpc/com.atproto.server.createAccount',
      body: { handle: '{{setting.admin_user}}.{{domain}}', email: '{{setting.admin_email}}', password: '{{secret.owner_password}}' },
      bodyFromResponse: { step: 'owner-invite', field: 'code', as: 'inviteCode' },
      admin: true,
    },
  ],
  // the PDS's own name first; the wildcard then carries every handle's /.well-known/atproto-did
  ingress: [
    { hostname: '{{host.pds}}', service: 'pds', port: HTTP_PORT },
    { hostname: '*.{{domain}}', service: 'pds', port: HTTP_PORT },
  ],
  web: { service: 'pds', port: 'http', healthPath: '/xrpc/_health', publicHost: '{{host.pds}}' },
  admin: { kind: 'owner-account', passwordSecret: 'owner_password' },
  // SQLite in WAL mode is not consistent while the PDS writes: stop it for the copy (a few seconds)
  backup: { stopServices: ['pds'], probe: 'atproto-pds' },
  // The PDS migrates its SQLite databases at start: an update is a switch of the one image.
  releases: [
    { version: PDS_VERSION, notesUrl: `https://github.com/bluesky-social/pds/releases/tag/v${PDS_VERSION}`, switchTimeoutMs: 300_000 },
    { version: PREVIOUS_PDS_VERSION, services: { pds: { image: `ghcr.io/bluesky-social/pds:${PREVIOUS_PDS_VERSION}` } } },
  ],
  check: blueskyCheck,
  // no maintenance tasks: the PDS stores only its own accounts' repositories and blobs (all data);
  // it keeps no copies of other servers' media (the AppView and CDN serve those)
  maintenanceNote: {
    en: 'A Bluesky PDS keeps only its own accounts’ posts and files; it stores no copies of other servers’ media, so there is nothing to clean.',
    ja: 'Bluesky PDSが保存するのは、自分のアカウントの投稿とファイルだけです。他のサーバーのメディアのコピーは保存しないため、削除するものはありません。',
  },
};
