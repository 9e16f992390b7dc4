// Stand-in for the Mastodon and Misskey images (tests only). Each entry point (see main) does what
// Engawa relies on the real program doing, against the real PostgreSQL and Redis of the instance,
// and appends one JSON line per fact to /standin/record.jsonl: its argv, environment, uid, the
// volumes it sees, each exec and each HTTP call. Tests read that file to assert what Engawa asked for.
//
//   mastodon-bundle puma …        web: needs the schema (db:prepare ran), /health on $PORT (3000)
//   mastodon-bundle rails db:prepare|db:migrate   Rails' semantics: schema only on an empty database;
//                                 each db:migrate is a row of standin_migrate_runs: its
//                                 SKIP_POST_DEPLOYMENT_MIGRATIONS (null when unset) and its host name
//                                 (the container id's first 12 characters)
//   mastodon-sidekiq sidekiq …    a process named "sidekiq 8…" (set by the bundle wrapper)
//   mastodon-streaming            /api/v1/streaming/health on $PORT (4000)
//   mastodon-tootctl accounts create|approve …    prints "New password: <hex>" as tootctl does
//   mastodon-tootctl media remove [--prune-profiles] [--days N], preview_cards remove [--days N]
//                                 upstream's cache clean-up in miniature: deletes the files older
//                                 than N days (mtime) under public/system/cache/media_attachments,
//                                 …/accounts (avatars, headers) or …/preview_cards, records what
//                                 went ('cache-removed') and prints tootctl's summary line
//   misskey-pnpm run migrateandstart   reads .config/default.yml, migrates, serves /healthz and the
//                                 admin API (admin/accounts/create → token, admin/update-meta);
//                                 with STANDIN_FAIL_MIGRATION=<message> its migration fails halfway
//                                 (a row in standin_half_migrated, then exit 1), as a broken release
//
// Both web servers also answer what other servers ask first, in upstream's shapes (see
// mastodonFederation and misskeyFederation), so that `engawa check` passes against them:
// host-meta, WebFinger for the accounts they were asked to create (404 for anyone else), NodeInfo
// 2.x naming the software and the release the recipe pins (STANDIN_VERSION overrides it), the
// account's actor as ActivityPub JSON (a redirect to the profile page for a browser), and the
// shared inbox refusing an unsigned POST with 401. Those requests are not recorded.
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setInterval } from 'node:timers';
import { pathToFileURL } from 'node:url';

const RECORD = process.env.STANDIN_RECORD || '/standin/record.jsonl';

function record(kind, data = {}) {
  const line = JSON.stringify({ time: new Date().toISOString(), kind, pid: process.pid, uid: process.getuid(), ...data });
  appendFileSync(RECORD, line + '\n');
}

function fail(message) {
  record('error', { message });
  process.stderr.write(`standin: ${message}\n`);
  process.exit(1);
}

/** Owner, mode and writability (for this process's uid) of a mounted directory. */
function probeDir(dir) {
  try {
    const st = statSync(dir);
    const probe = path.join(dir, `.standin-write-${process.pid}`);
    let writable = true;
    try {
      writeFileSync(probe, 'x');
      rmSync(probe);
    } catch {
      writable = false;
    }
    return { dir, uid: st.uid, gid: st.gid, mode: (st.mode & 0o7777).toString(8), writable };
  } catch (e) {
    return { dir, error: e.code };
  }
}

/** psql against the real database; returns the unaligned output. */
function sql(db, query) {
  return execFileSync('psql', ['-h', db.host, '-p', String(db.port), '-U', db.user, '-d', db.name, '-v', 'ON_ERROR_STOP=1', '-Atqc', query], {
    env: { ...process.env, PGPASSWORD: db.pass, PGCONNECT_TIMEOUT: '5' },
    encoding: 'utf8',
  }).trim();
}

const quote = (s) => `'${String(s).replaceAll("'", "''")}'`;

function redisPing(host, port) {
  try {
    return execFileSync('redis-cli', ['-h', host, '-p', String(port), 'ping'], { encoding: 'utf8', timeout: 5000 }).trim();
  } catch (e) {
    return `error: ${e.message.split('\n')[0]}`;
  }
}

/**
 * An HTTP server: `routes` ("METHOD /path" → handler(body, req) → [status, answer, headers?]) are
 * passed to onRequest (recorded); `fallback(req, url, body)` answers the rest the same way, or
 * undefined for a 404.
 */
function serve(port, routes, onRequest = () => {}, fallback = () => undefined) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body = {};
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        body = { unparsable: text };
      }
      const url = new URL(req.url, 'http://standin');
      const handler = routes[`${req.method} ${url.pathname}`];
      let answered;
      try {
        if (handler) onRequest(req, url, body);
        answered = handler ? handler(body, req) : fallback(req, url, body);
      } catch (e) {
        record('error', { message: `${req.method} ${url.pathname}: ${e.message.split('\n')[0]}` });
        answered = [500, 'internal error'];
      }
      if (!answered) {
        res.writeHead(404).end('not found');
        return;
      }
      const [status, answer, headers = {}] = answered;
      if (answer === undefined) res.writeHead(status, headers).end();
      else if (typeof answer === 'string') res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(answer);
      else res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(answer));
    });
  });
  server.listen(port, '0.0.0.0');
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// ---------------------------------------------------------------- federation (both stacks)

/** A fresh RSA public key in PEM, as each upstream makes one per account at its creation. */
const newPublicKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });

/** The public key kept for an account (standin_keys, made here on first use). */
function publicKeyOf(db, account) {
  sql(db, 'create table if not exists standin_keys (account text primary key, public_pem text)');
  const kept = sql(db, `select public_pem from standin_keys where account = ${quote(account)}`);
  if (kept) return `${kept}\n`;
  const pem = newPublicKey();
  sql(db, `insert into standin_keys values (${quote(account)}, ${quote(pem.trim())}) on conflict do nothing`);
  return `${sql(db, `select public_pem from standin_keys where account = ${quote(account)}`)}\n`;
}

/** Does the Accept header ask for ActivityPub JSON (the types each upstream takes as such)? */
const wantsJson = (req, types) => types.test(String(req.headers.accept ?? ''));

const xml = (status, text, type = 'application/xrd+xml; charset=utf-8', headers = {}) => [status, text, { 'content-type': type, ...headers }];

/** An XRD host-meta pointing at the WebFinger endpoint (`type`: Misskey names the link's type). */
const hostMetaXml = (base, type = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n  <Link rel="lrdd"${type} template="${base}/.well-known/webfinger?resource={uri}"/>\n</XRD>\n`;

/** The user part of a WebFinger resource naming a local account (acct:user@domain, user@domain or a profile URL), else null. */
function resourceUser(resource, domain, base, urlPrefixes) {
  const r = resource.trim();
  for (const prefix of urlPrefixes)
    if (r.toLowerCase().startsWith(`${base}${prefix}`.toLowerCase())) return r.slice(`${base}${prefix}`.length).split(/[/?#]/)[0];
  const acct = r.replace(/^acct:/i, '').replace(/^@/, '');
  const at = acct.lastIndexOf('@');
  if (at < 0) return acct;
  return acct.slice(at + 1).toLowerCase() === domain.toLowerCase() ? acct.slice(0, at) : null;
}

// ---------------------------------------------------------------- Mastodon

const mastodonDb = () => ({
  host: process.env.DB_HOST,
  port: process.env.DB_PORT || 5432,
  name: process.env.DB_NAME,
  user: process.env.DB_USER,
  pass: process.env.DB_PASS || '',
});
const UPLOADS = '/opt/mastodon/public/system';

function hasSchema(db) {
  return sql(db, "select to_regclass('public.schema_migrations') is not null") === 't';
}

function started(role) {
  record('start', {
    role,
    argv: process.argv.slice(2),
    argv0: readFileSync('/proc/self/cmdline', 'utf8').split('\0')[0],
    cwd: process.cwd(),
    env: process.env,
    volumes: [probeDir(UPLOADS), probeDir(`${UPLOADS}/cache`)],
    redis: process.env.REDIS_HOST ? redisPing(process.env.REDIS_HOST, process.env.REDIS_PORT || 6379) : undefined,
  });
}

/** `rails db:prepare`: load the schema and seeds only when schema_migrations does not exist, else migrate. */
function dbPrepare() {
  const db = mastodonDb();
  const loaded = !hasSchema(db);
  if (loaded) {
    sql(db, 'create table schema_migrations (version text primary key)');
    sql(db, "insert into schema_migrations values ('standin')");
    sql(db, 'create table standin_accounts (username text primary key, email text, role text, confirmed boolean, approved boolean default false)');
  }
  sql(db, 'create table if not exists standin_prepare_runs (at timestamptz default clock_timestamp(), loaded_schema boolean, argv text)');
  sql(db, `insert into standin_prepare_runs (loaded_schema, argv) values (${loaded}, ${quote(process.argv.slice(2).join(' '))})`);
  record('db:prepare', { loadedSchema: loaded, env: process.env });
  process.stdout.write(loaded ? 'Loaded the schema and the seeds\n' : 'Schema present: migrations only\n');
}

function dbMigrate() {
  const db = mastodonDb();
  if (!hasSchema(db)) fail('ActiveRecord::StatementInvalid: relation "schema_migrations" does not exist');
  sql(db, 'create table if not exists standin_migrate_runs (at timestamptz default clock_timestamp(), skip_post text, host text)');
  const skip = process.env.SKIP_POST_DEPLOYMENT_MIGRATIONS;
  sql(db, `insert into standin_migrate_runs (skip_post, host) values (${skip === undefined ? 'null' : quote(skip)}, ${quote(os.hostname())})`);
  record('db:migrate', { skipPostDeployment: process.env.SKIP_POST_DEPLOYMENT_MIGRATIONS ?? null, host: os.hostname() });
}

function web() {
  const db = mastodonDb();
  const schema = hasSchema(db);
  started('web');
  record('web:schema-at-start', { present: schema });
  if (!schema) fail('the database has no schema: run `rails db:prepare` before starting web');
  serve(Number(process.env.PORT || 3000), { 'GET /health': () => [200, 'OK'] }, undefined, mastodonFederation(db));
}

/** The Mastodon release the recipe pins (electron/core/stacks/mastodon/recipe.ts), as NodeInfo names it. */
const MASTODON_VERSION = '4.7.4';

/**
 * What Mastodon 4.x answers other servers (app/controllers/well_known/*, accounts and inboxes
 * controllers): URLs on WEB_DOMAIN (default LOCAL_DOMAIN), accounts by LOCAL_DOMAIN; WebFinger knows
 * every account tootctl created (head 404 otherwise), the actor is /users/<name> (404 while the
 * account awaits approval), a browser asking for it is sent to /@<name> (routes.rb's
 * redirect_with_vary: 301), and an inbox refuses a POST without a Signature header with 401
 * {"error":"Request not signed"}.
 */
function mastodonFederation(db) {
  const domain = process.env.LOCAL_DOMAIN ?? 'localhost';
  const base = `https://${process.env.WEB_DOMAIN || domain}`;
  const version = process.env.STANDIN_VERSION || MASTODON_VERSION;
  const activity = /application\/((activity|ld|jrd)\+)?json/;
  const json = (status, body, type = 'application/json; charset=utf-8', headers = {}) => [status, body, { 'content-type': type, ...headers }];
  const cached = (seconds) => ({ 'cache-control': `max-age=${seconds}, public` });
  const account = (name) => {
    const row = sql(db, `select username, approved from standin_accounts where lower(username) = lower(${quote(name)})`);
    if (!row) return null;
    const [username, approved] = row.split('|');
    return { username, approved: approved === 't' };
  };
  const actorOf = (a) => {
    const id = `${base}/users/${a.username}`;
    return {
      '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'],
      id,
      type: 'Person',
      following: `${id}/following`,
      followers: `${id}/followers`,
      inbox: `${id}/inbox`,
      outbox: `${id}/outbox`,
      featured: `${id}/collections/featured`,
      featuredTags: `${id}/collections/tags`,
      preferredUsername: a.username,
      name: a.username,
      summary: '',
      url: `${base}/@${a.username}`,
      manuallyApprovesFollowers: false,
      discoverable: true,
      indexable: false,
      publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem: publicKeyOf(db, `mastodon:${a.username}`) },
      tag: [],
      attachment: [],
      endpoints: { sharedInbox: `${base}/inbox` },
    };
  };
  const profile = (req, name) => {
    const a = account(name);
    if (!a || !a.approved)
      return [404, "<!DOCTYPE html><html><title>The page you are looking for isn't here.</title></html>", { 'content-type': 'text/html; charset=utf-8' }];
    if (wantsJson(req, activity))
      return json(200, actorOf(a), 'application/activity+json; charset=utf-8', { ...cached(180), vary: 'Accept, Accept-Language, Cookie' });
    return [
      200,
      `<!DOCTYPE html><html><head><title>${a.username} (@${a.username}@${domain})</title></head><body></body></html>`,
      { 'content-type': 'text/html; charset=utf-8', vary: 'Accept, Accept-Language, Cookie' },
    ];
  };
  return (req, url) => {
    const p = url.pathname;
    if (req.method === 'GET' && p === '/.well-known/host-meta') {
      const template = `${base}/.well-known/webfinger?resource={uri}`;
      if (/^application\/json/.test(String(req.headers.accept ?? ''))) return json(200, { links: [{ rel: 'lrdd', template }] }, undefined, cached(259200));
      return xml(200, hostMetaXml(base), undefined, cached(259200));
    }
    if (req.method === 'GET' && p === '/.well-known/webfinger') {
      const resource = url.searchParams.get('resource');
      if (!resource) return [400, undefined, cached(180)];
      const user = resourceUser(resource, domain, base, ['/users/', '/@']);
      const a = user === null ? null : account(user);
      if (!a) return [404, undefined, cached(180)];
      const actor = `${base}/users/${a.username}`;
      return json(
        200,
        {
          subject: `acct:${a.username}@${domain}`,
          aliases: [`${base}/@${a.username}`, actor],
          links: [
            { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: `${base}/@${a.username}` },
            { rel: 'self', type: 'application/activity+json', href: actor },
            { rel: 'http://ostatus.org/schema/1.0/subscribe', template: `${base}/authorize_interaction?uri={uri}` },
          ],
        },
        'application/jrd+json; charset=utf-8',
        { ...cached(259200), vary: 'Accept' },
      );
    }
    if (req.method === 'GET' && p === '/.well-known/nodeinfo') {
      return json(200, { links: [{ rel: 'http://nodeinfo.diaspora.software/ns/schema/2.0', href: `${base}/nodeinfo/2.0` }] }, undefined, cached(259200));
    }
    if (req.method === 'GET' && p === '/nodeinfo/2.0') {
      const users = Number(sql(db, 'select count(*) from standin_accounts'));
      return json(
        200,
        {
          version: '2.0',
          software: { name: 'mastodon', version },
          protocols: ['activitypub'],
          services: { outbound: [], inbound: [] },
          usage: { users: { total: users, activeMonth: users, activeHalfyear: users }, localPosts: 0 },
          openRegistrations: false,
          metadata: { nodeName: domain, nodeDescription: '' },
        },
        'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"',
        cached(1800),
      );
    }
    const user = /^\/users\/([^/]+)$/.exec(p)?.[1];
    if (req.method === 'GET' && user !== undefined) {
      if (wantsJson(req, activity)) return profile(req, user);
      return [301, undefined, { location: `${base}/@${user}`, vary: 'Accept, Accept-Language, Cookie' }];
    }
    const short = /^\/@([^/]+)$/.exec(p)?.[1];
    if (req.method === 'GET' && short !== undefined) return profile(req, short);
    if (req.method === 'POST' && (p === '/inbox' || /^\/users\/[^/]+\/inbox$/.test(p))) {
      if (req.headers.signature === undefined) return json(401, { error: 'Request not signed' });
      return [202, undefined]; // signed: taken (the stand-in verifies nothing)
    }
    return undefined;
  };
}

function streaming() {
  started('streaming');
  serve(Number(process.env.PORT || 4000), { 'GET /api/v1/streaming/health': () => [200, 'OK'] });
}

function sidekiq() {
  started('sidekiq');
  setInterval(() => {}, 60_000);
  process.on('SIGTERM', () => process.exit(0));
}

function option(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Rails' number_to_human_size, as tootctl prints sizes: "0 Bytes", "512 Bytes", "1.5 KB", "3.4 MB". */
function humanSize(bytes) {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'Byte' : 'Bytes'}`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let n = bytes / 1024;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${Number(n.toPrecision(3))} ${units[i]}`;
}

/** Deletes the files under `dir` last modified more than `days` days ago; answers how many and their bytes. */
function removeOlderThan(dir, days) {
  const before = Date.now() - days * 86_400_000;
  let files = 0;
  let bytes = 0;
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return; // nothing cached there yet
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = statSync(p);
        if (st.mtimeMs < before) {
          unlinkSync(p);
          files += 1;
          bytes += st.size;
        }
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

/** `tootctl media remove` and `tootctl preview_cards remove` (see the top of the file). */
function tootctlCache(group, args) {
  const cache = path.join(process.cwd(), 'public/system/cache');
  const daysText = option(args, '--days');
  const days = daysText === undefined ? (group === 'preview_cards' ? 180 : 7) : Number(daysText);
  if (!Number.isFinite(days) || days < 0) fail(`tootctl: --days must be a number, not ${daysText}`);
  const profiles = args.includes('--prune-profiles');
  const what = group === 'preview_cards' ? 'preview_cards' : profiles ? 'accounts' : 'media_attachments';
  const { files, bytes } = removeOlderThan(path.join(cache, what), days);
  record('cache-removed', { what, days, files, bytes });
  if (what === 'preview_cards') process.stdout.write(`Removed ${files} preview cards (approx. ${humanSize(bytes)})\n`);
  else if (what === 'accounts') process.stdout.write(`Visited ${files} accounts and removed profile media totaling ${humanSize(bytes)}\n`);
  else process.stdout.write(`Removed ${files} media attachments (approx. ${humanSize(bytes)})\n`);
}

function tootctl(args) {
  record('exec', { program: 'tootctl', argv: args, cwd: process.cwd(), env: process.env });
  if ((args[0] === 'media' || args[0] === 'preview_cards') && args[1] === 'remove') return tootctlCache(args[0], args.slice(2));
  const db = mastodonDb();
  const [group, action, username] = args;
  if (group !== 'accounts' || !username) fail(`tootctl ${args.join(' ')}: not something this stand-in knows`);
  const exists = sql(db, `select count(*) from standin_accounts where username = ${quote(username)}`) !== '0';
  if (action === 'create') {
    const email = option(args, '--email');
    if (!email) fail('No value provided for required options --email');
    if (exists) fail('Failure/Error: Username has already been taken');
    const role = option(args, '--role') ?? null;
    const confirmed = args.includes('--confirmed');
    sql(db, `insert into standin_accounts values (${quote(username)}, ${quote(email)}, ${role === null ? 'null' : quote(role)}, ${confirmed})`);
    process.stdout.write(`OK\nNew password: ${randomBytes(16).toString('hex')}\n`);
  } else if (action === 'approve') {
    if (!exists) fail('No such account');
    sql(db, `update standin_accounts set approved = true where username = ${quote(username)}`);
    process.stdout.write('OK\n');
  } else {
    fail(`tootctl accounts ${action}: not something this stand-in knows`);
  }
}

// ---------------------------------------------------------------- Misskey

/** The two-level YAML Engawa writes (`key: value`, nested maps by indentation); lists are skipped. */
function parseYaml(text) {
  const out = {};
  let parent;
  for (const raw of text.split('\n')) {
    if (/^\s*(#|$)/.test(raw) || /^\s*-/.test(raw)) continue;
    const m = /^(\s*)([A-Za-z0-9_]+):\s*(.*)$/.exec(raw);
    if (!m) continue;
    const value = m[3].replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
    if (m[1] === '') {
      if (value === '') out[m[2]] = parent = {};
      else {
        out[m[2]] = value;
        parent = undefined;
      }
    } else if (parent) parent[m[2]] = value;
  }
  return out;
}

function misskey(args) {
  const configPath = process.env.MISSKEY_CONFIG_YML ? path.resolve('/misskey/.config', process.env.MISSKEY_CONFIG_YML) : '/misskey/.config/default.yml';
  let text;
  let st;
  try {
    text = readFileSync(configPath, 'utf8');
    st = statSync(configPath);
  } catch (e) {
    fail(`cannot read ${configPath}: ${e.code}`);
  }
  const config = parseYaml(text);
  record('start', {
    role: 'misskey',
    argv: args,
    cwd: process.cwd(),
    env: process.env,
    config: { path: configPath, text, uid: st.uid, gid: st.gid, mode: (st.mode & 0o7777).toString(8) },
    volumes: [probeDir('/misskey/files')],
    redis: redisPing(config.redis?.host, config.redis?.port ?? 6379),
  });
  if (args.join(' ') !== 'run migrateandstart') fail(`pnpm ${args.join(' ')}: not something this stand-in knows`);
  const db = { host: config.db?.host, port: config.db?.port ?? 5432, name: config.db?.db, user: config.db?.user, pass: config.db?.pass ?? '' };
  // migrations at every start, as the image's `pnpm run migrateandstart`
  sql(db, 'create table if not exists standin_migrations (at timestamptz default clock_timestamp())');
  sql(db, 'create table if not exists standin_meta (id int primary key, root text, token text, federation text)');
  sql(db, "insert into standin_meta values (1, null, null, 'none') on conflict do nothing");
  const failure = process.env.STANDIN_FAIL_MIGRATION;
  if (failure) {
    // a broken release: its migration changes the data halfway, then the process dies
    sql(db, 'create table if not exists standin_half_migrated (at timestamptz default clock_timestamp(), host text)');
    sql(db, `insert into standin_half_migrated (host) values (${quote(os.hostname())})`);
    fail(`migration failed: ${failure}`);
  }
  sql(db, 'insert into standin_migrations default values');
  record('migrate', { runs: Number(sql(db, 'select count(*) from standin_migrations')) });

  const meta = () => {
    const [root, token, federation] = sql(db, "select coalesce(root, ''), coalesce(token, ''), federation from standin_meta").split('|');
    return { root, token, federation };
  };
  serve(
    Number(config.port),
    {
      'GET /healthz': () => [200, 'OK'],
      'POST /api/admin/accounts/create': (body) => {
        if (meta().root) return [403, { error: { code: 'ACCESS_DENIED' } }];
        if ((config.setupPassword ?? '') !== (body.setupPassword ?? '')) return [400, { error: { code: 'INCORRECT_INITIAL_PASSWORD' } }];
        if (!/^\w{1,20}$/.test(String(body.username)) || typeof body.password !== 'string' || body.password === '') {
          return [400, { error: { code: 'INVALID_PARAM' } }];
        }
        const token = randomBytes(8).toString('hex');
        sql(db, `update standin_meta set root = ${quote(body.username)}, token = ${quote(token)}`);
        return [200, { id: MISSKEY_ADMIN_ID, username: body.username, isAdmin: true, token }];
      },
      'POST /api/admin/update-meta': (body) => {
        const m = meta();
        if (!m.token || body.i !== m.token) return [401, { error: { code: 'CREDENTIAL_REQUIRED' } }];
        if (body.federation !== undefined) sql(db, `update standin_meta set federation = ${quote(body.federation)}`);
        return [204, undefined];
      },
      'POST /api/users/show': (body) => {
        const m = meta();
        return m.root && body.username === m.root ? [200, { id: MISSKEY_ADMIN_ID, username: m.root }] : [400, { error: { code: 'NO_SUCH_USER' } }];
      },
    },
    (req, url, body) => {
      if (url.pathname !== '/healthz') record('http', { method: req.method, path: url.pathname, host: req.headers.host, body });
    },
    misskeyFederation(config, db, meta),
  );
}

/** The Misskey release the recipe pins (electron/core/stacks/misskey/recipe.ts), as NodeInfo names it. */
const MISSKEY_VERSION = '2026.10.0';
/** The id accounts/create gives the administrator (Misskey's actor URL is /users/<id>, not the name). */
const MISSKEY_ADMIN_ID = 'standin1';

/**
 * What Misskey answers other servers (WellKnownServerService, NodeinfoServerService,
 * ActivityPubServerService, ClientServerService): everything at `url` of default.yml; 403 with no
 * body while federation is 'none' (a new server's default, until the recipe's federation step);
 * WebFinger by user name (empty 404 for anyone else), the actor at /users/<id> for ActivityPub
 * Accept types, a browser sent on to /@<name> (302, Vary: Accept), and the inboxes refusing a
 * POST without a signature with an empty 401.
 */
function misskeyFederation(config, db, meta) {
  const base = String(config.url ?? '').replace(/\/+$/, '');
  const host = new URL(base).host;
  const version = process.env.STANDIN_VERSION || MISSKEY_VERSION;
  const activity = /application\/(activity|ld)\+json/;
  const json = (status, body, type = 'application/json; charset=utf-8', headers = {}) => [status, body, { 'content-type': type, ...headers }];
  const cors = {
    'access-control-allow-headers': 'Accept',
    'access-control-allow-methods': 'GET, OPTIONS',
    'access-control-allow-origin': '*',
    'access-control-expose-headers': 'Vary',
  };
  const forbidden = [403, undefined, cors];
  const admin = () => {
    const root = meta().root;
    return root ? { id: MISSKEY_ADMIN_ID, username: root } : null;
  };
  const nodeinfo = (v) => {
    const m = meta();
    return json(
      200,
      {
        version: v,
        software: { name: 'misskey', version, homepage: 'https://misskey-hub.net/', repository: 'https://github.com/misskey-dev/misskey' },
        protocols: ['activitypub'],
        services: { inbound: [], outbound: ['atom1.0', 'rss2.0'] },
        openRegistrations: false,
        usage: { users: { total: m.root ? 1 : 0, activeHalfyear: null, activeMonth: null }, localPosts: 0, localComments: 0 },
        metadata: { nodeName: host, maintainer: { name: null, email: null }, federation: m.federation },
      },
      `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/${v}#"`,
      { 'cache-control': 'public, max-age=600', ...cors },
    );
  };
  const person = (u) => {
    const id = `${base}/users/${u.id}`;
    return {
      '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1', { Key: 'sec:Key', isCat: 'misskey:isCat' }],
      type: 'Person',
      id,
      inbox: `${id}/inbox`,
      outbox: `${id}/outbox`,
      followers: `${id}/followers`,
      following: `${id}/following`,
      featured: `${id}/collections/featured`,
      sharedInbox: `${base}/inbox`,
      endpoints: { sharedInbox: `${base}/inbox` },
      url: `${base}/@${u.username}`,
      preferredUsername: u.username,
      name: null,
      summary: null,
      _misskey_summary: null,
      icon: null,
      image: null,
      tag: [],
      manuallyApprovesFollowers: false,
      discoverable: true,
      publicKey: { id: `${id}#main-key`, type: 'Key', owner: id, publicKeyPem: publicKeyOf(db, `misskey:${u.id}`) },
      isCat: false,
      attachment: [],
    };
  };
  const page = (status) => [
    status,
    '<!DOCTYPE html><html><head><title>Misskey</title></head><body><div id="misskey_app"></div></body></html>',
    { 'content-type': 'text/html; charset=utf-8' },
  ];
  return (req, url) => {
    const p = url.pathname;
    const federating = () => meta().federation !== 'none';
    if (req.method === 'GET' && p === '/.well-known/host-meta') {
      return federating() ? xml(200, hostMetaXml(base, ' type="application/xrd+xml"'), 'application/xrd+xml', cors) : forbidden;
    }
    if (req.method === 'GET' && p === '/.well-known/webfinger') {
      if (!federating()) return forbidden;
      const resource = url.searchParams.get('resource');
      if (resource === null) return [400, undefined, cors];
      const user = resourceUser(resource.toLowerCase(), host, base, ['/@']);
      const fromId = resource.toLowerCase().startsWith(`${base.toLowerCase()}/users/`) ? resource.split('/').pop() : undefined;
      if (user === null && fromId === undefined) return [422, undefined, cors];
      const u = admin();
      if (!u || (fromId !== undefined ? fromId !== u.id : user.toLowerCase() !== u.username.toLowerCase())) return [404, undefined, cors];
      return json(
        200,
        {
          subject: `acct:${u.username}@${host}`,
          links: [
            { rel: 'self', type: 'application/activity+json', href: `${base}/users/${u.id}` },
            { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: `${base}/@${u.username}` },
            { rel: 'http://ostatus.org/schema/1.0/subscribe', template: `${base}/authorize-follow?acct={uri}` },
          ],
        },
        'application/jrd+json',
        { vary: 'Accept', 'cache-control': 'public, max-age=180', ...cors },
      );
    }
    if (req.method === 'GET' && p === '/.well-known/nodeinfo') {
      if (!federating()) return forbidden;
      return json(
        200,
        {
          links: [
            { rel: 'http://nodeinfo.diaspora.software/ns/schema/2.1', href: `${base}/nodeinfo/2.1` },
            { rel: 'http://nodeinfo.diaspora.software/ns/schema/2.0', href: `${base}/nodeinfo/2.0` },
          ],
        },
        undefined,
        cors,
      );
    }
    if (req.method === 'GET' && (p === '/nodeinfo/2.1' || p === '/nodeinfo/2.0')) return nodeinfo(p.slice('/nodeinfo/'.length));
    const userId = /^\/users\/([^/]+)$/.exec(p)?.[1];
    const userName = /^\/@([^/@]+)$/.exec(p)?.[1];
    if (req.method === 'GET' && (userId !== undefined || userName !== undefined)) {
      const u = admin();
      const found = u && (userId !== undefined ? userId === u.id : userName.toLowerCase() === u.username.toLowerCase()) ? u : null;
      if (wantsJson(req, activity)) {
        if (!federating()) return forbidden;
        if (!found) return [404, undefined, cors];
        return json(200, person(found), 'application/activity+json', { 'cache-control': 'public, max-age=180', vary: 'Accept', ...cors });
      }
      if (userId !== undefined) return found ? [302, undefined, { location: `/@${found.username}`, vary: 'Accept' }] : [404, undefined];
      return page(found ? 200 : 404);
    }
    if (req.method === 'POST' && (p === '/inbox' || /^\/users\/[^/]+\/inbox$/.test(p))) {
      if (!federating()) return forbidden;
      return [req.headers.signature === undefined && req.headers.authorization === undefined ? 401 : 202, undefined, cors];
    }
    return undefined;
  };
}

// ---------------------------------------------------------------- entry

export function main([mode, ...args]) {
  switch (mode) {
    case 'mastodon-bundle': {
      const [program, task] = args;
      if (program === 'puma') return web();
      if (program === 'rails' && task === 'db:prepare') return dbPrepare();
      if (program === 'rails' && task === 'db:migrate') return dbMigrate();
      record('exec', { program: 'bundle', argv: args });
      return fail(`bundle exec ${args.join(' ')}: not something this stand-in knows`);
    }
    case 'mastodon-sidekiq':
      return sidekiq();
    case 'mastodon-streaming':
      return streaming();
    case 'mastodon-tootctl':
      return tootctl(args);
    case 'misskey-pnpm':
      return misskey(args);
    default:
      return fail(`unknown stand-in mode ${mode}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
