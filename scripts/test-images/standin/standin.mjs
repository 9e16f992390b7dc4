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
//   misskey-pnpm run migrateandstart   reads .config/default.yml, migrates, serves /healthz and the
//                                 admin API (admin/accounts/create → token, admin/update-meta);
//                                 with STANDIN_FAIL_MIGRATION=<message> its migration fails halfway
//                                 (a row in standin_half_migrated, then exit 1), as a broken release
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

function serve(port, routes, onRequest = () => {}) {
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
      if (!handler) {
        res.writeHead(404).end('not found');
        return;
      }
      onRequest(req, url, body);
      const [status, answer] = handler(body, req);
      if (answer === undefined) res.writeHead(status).end();
      else if (typeof answer === 'string') res.writeHead(status, { 'content-type': 'text/plain' }).end(answer);
      else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  server.listen(port, '0.0.0.0');
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
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
  serve(Number(process.env.PORT || 3000), { 'GET /health': () => [200, 'OK'] });
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

function tootctl(args) {
  record('exec', { program: 'tootctl', argv: args, cwd: process.cwd(), env: process.env });
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
    const [root, token, federation] = sql(db, 'select coalesce(root, \'\'), coalesce(token, \'\'), federation from standin_meta').split('|');
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
        return [200, { id: 'standin1', username: body.username, isAdmin: true, token }];
      },
      'POST /api/admin/update-meta': (body) => {
        const m = meta();
        if (!m.token || body.i !== m.token) return [401, { error: { code: 'CREDENTIAL_REQUIRED' } }];
        if (body.federation !== undefined) sql(db, `update standin_meta set federation = ${quote(body.federation)}`);
        return [204, undefined];
      },
      'POST /api/users/show': (body) => {
        const m = meta();
        return m.root && body.username === m.root ? [200, { id: 'standin1', username: m.root }] : [400, { error: { code: 'NO_SUCH_USER' } }];
      },
    },
    (req, url, body) => {
      if (url.pathname !== '/healthz') record('http', { method: req.method, path: url.pathname, host: req.headers.host, body });
    },
  );
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
