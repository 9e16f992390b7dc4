/**
 * Data probes: what the restore drill checks in a restored copy. They are first measured on the
 * live instance when the backup is made (stored in the manifest), then on the restored copy, and
 * compared. Postgres: row counts of the recipe's key tables (psql in the database container).
 * The PDS: every account with its record count, and one record read back with its CID (a small
 * script run by the PDS's own Node inside its container, over 127.0.0.1, so the copy can stay on an
 * isolated network).
 */
import type Dockerode from 'dockerode';
import { EngawaError } from '../util/errors';
import { runningServiceContainer } from '../engine/setup-steps';
import type { Plan } from '../plan/types';
import type { Recipe } from '../stacks/types';
import { databaseEnv, type BackupContents } from './contents';
import { execText } from './docker-io';
import type { PdsSample, ProbeValues, Probes } from './manifest';

/** The record collections Bluesky's app writes; the repository head covers any other. */
const COLLECTIONS = [
  'app.bsky.actor.profile',
  'app.bsky.feed.post',
  'app.bsky.feed.like',
  'app.bsky.feed.repost',
  'app.bsky.graph.follow',
  'app.bsky.graph.block',
  'app.bsky.graph.list',
  'app.bsky.graph.listitem',
  'app.bsky.graph.listblock',
  'app.bsky.graph.starterpack',
  'app.bsky.feed.generator',
  'app.bsky.feed.threadgate',
  'app.bsky.feed.postgate',
  'chat.bsky.actor.declaration',
];

/**
 * Runs in the PDS container. Only local reads (no DID resolution, which an isolated copy cannot
 * do): listRepos (with each head commit), listRecords per collection, listBlobs, getRecord, getBlob.
 */
const PDS_SCRIPT = `
const base = 'http://127.0.0.1:' + process.env.PROBE_PORT;
const q = encodeURIComponent;
const get = async (p, raw) => { const r = await fetch(base + p); if (!r.ok) throw new Error(p.split('?')[0] + ' answered ' + r.status); return raw ? Buffer.from(await r.arrayBuffer()) : r.json(); };
const pages = async (p, key, each) => { for (let cursor = ''; ; ) { const r = await get(p + (cursor ? '&cursor=' + q(cursor) : '')); for (const x of r[key]) await each(x); if (!r.cursor || r[key].length === 0) return; cursor = r.cursor; } };
const collections = JSON.parse(process.env.COLLECTIONS);
const out = { accounts: {} };
await pages('/xrpc/com.atproto.sync.listRepos?limit=500', 'repos', async (repo) => {
  const a = { head: repo.head, records: 0, blobs: 0 };
  for (const c of collections) {
    await pages('/xrpc/com.atproto.repo.listRecords?limit=100&repo=' + q(repo.did) + '&collection=' + q(c), 'records', async (r) => {
      a.records++;
      if (!out.sample && c === 'app.bsky.feed.post') out.sample = { uri: r.uri, cid: r.cid };
    });
  }
  await pages('/xrpc/com.atproto.sync.listBlobs?limit=500&did=' + q(repo.did), 'cids', async (cid) => {
    a.blobs++;
    if (!out.blob) out.blob = { did: repo.did, cid };
  });
  out.accounts[repo.did] = a;
});
const want = process.env.SAMPLE ? JSON.parse(process.env.SAMPLE) : undefined;
if (want) {
  const [, , did, coll, rkey] = want.uri.split('/');
  const g = await get('/xrpc/com.atproto.repo.getRecord?repo=' + q(did) + '&collection=' + q(coll) + '&rkey=' + q(rkey));
  out.sample = { uri: want.uri, cid: g.cid };
}
const blob = want ? want.blob : out.blob;
if (out.sample && blob) {
  const bytes = await get('/xrpc/com.atproto.sync.getBlob?did=' + q(blob.did) + '&cid=' + q(blob.cid), true);
  out.sample.blob = { did: blob.did, cid: blob.cid, bytes: bytes.length };
}
delete out.blob;
console.log(JSON.stringify(out));
`;

/** Measures the probes of `plan`'s running instance. */
export async function measureProbes(
  docker: Dockerode,
  recipe: Recipe,
  plan: Plan,
  contents: BackupContents,
  secrets: Record<string, string>,
  expected?: Probes,
): Promise<ProbeValues> {
  const probes: ProbeValues = {};
  for (const d of contents.databases) {
    for (const table of d.spec.tables ?? []) {
      probes.tables ??= {};
      const container = await runningServiceContainer(docker, plan.project, d.service.name);
      const sql = `SELECT count(*) FROM "${table.replace(/"/g, '""')}"`;
      const r = await execText(container, ['psql', '-X', '-U', d.spec.user, '-d', d.spec.db, '-Atc', sql], databaseEnv(d.spec, secrets));
      const n = Number(r.stdout.trim());
      // a missing table counts as -1, so a restored copy without it differs from one with it
      probes.tables[`${d.service.name}/${table}`] = r.exitCode === 0 && Number.isInteger(n) ? n : -1;
    }
  }
  if (recipe.backup?.probe === 'atproto-pds') probes.pds = await pdsProbe(docker, plan, expected?.pds?.sample);
  return probes;
}

async function pdsProbe(docker: Dockerode, plan: Plan, sample?: PdsSample): Promise<NonNullable<ProbeValues['pds']>> {
  const web = plan.services.find((s) => s.name === plan.web.service);
  const port = web?.ports.find((p) => p.name === plan.web.port)?.container;
  if (!web || port === undefined) throw new EngawaError('INTERNAL', 'The server has no web port to check.');
  const container = await runningServiceContainer(docker, plan.project, web.name);
  const env: Record<string, string> = { PROBE_PORT: String(port), COLLECTIONS: JSON.stringify(COLLECTIONS), ...(sample && { SAMPLE: JSON.stringify(sample) }) };
  const r = await execText(container, ['node', '--input-type=module', '-e', PDS_SCRIPT], env);
  if (r.exitCode !== 0) {
    throw new EngawaError('TASK_FAILED', `Could not read the accounts of the PDS: ${r.stderr.trim().split('\n').slice(-1)[0] ?? 'no answer'}.`);
  }
  return JSON.parse(r.stdout.trim().split('\n').slice(-1)[0] ?? '{}') as NonNullable<ProbeValues['pds']>;
}

/** The ranges between two measurements (before and after the data was taken). */
export function probeRanges(before: ProbeValues, after: ProbeValues): Probes {
  const range = (a: number, b: number | undefined): [number, number] => [Math.min(a, b ?? a), Math.max(a, b ?? a)];
  const out: Probes = {};
  if (before.tables) out.tables = Object.fromEntries(Object.entries(before.tables).map(([k, n]) => [k, range(n, after.tables?.[k])]));
  if (before.pds) {
    const accounts = Object.fromEntries(
      Object.entries(before.pds.accounts).map(([did, a]) => {
        const b = after.pds?.accounts[did];
        return [did, { heads: [...new Set([a.head, b?.head ?? a.head])], records: range(a.records, b?.records), blobs: range(a.blobs, b?.blobs) }];
      }),
    );
    out.pds = { accounts, ...(before.pds.sample && { sample: before.pds.sample }) };
  }
  return out;
}

/** Differences between the probes at backup time and those of a restored copy (empty: the same). */
export function compareProbes(expected: Probes, actual: ProbeValues): string[] {
  const problems: string[] = [];
  const outside = (n: number, [lo, hi]: [number, number]): boolean => n < lo || n > hi;
  const text = ([lo, hi]: [number, number]): string => (lo === hi ? `${lo}` : `${lo} to ${hi}`);
  for (const [table, want] of Object.entries(expected.tables ?? {})) {
    const got = actual.tables?.[table];
    if (got === undefined || got < 0) problems.push(`the table ${table} is missing`);
    else if (outside(got, want)) problems.push(`the table ${table} has ${got} rows instead of ${text(want)}`);
  }
  if (expected.pds) {
    for (const [did, want] of Object.entries(expected.pds.accounts)) {
      const got = actual.pds?.accounts[did];
      if (got === undefined) {
        problems.push(`the account ${did} is missing`);
        continue;
      }
      if (!want.heads.includes(got.head)) problems.push(`the repository of ${did} is not at the commit it was backed up at`);
      if (outside(got.records, want.records)) problems.push(`the account ${did} has ${got.records} records instead of ${text(want.records)}`);
      if (outside(got.blobs, want.blobs)) problems.push(`the account ${did} has ${got.blobs} images and files instead of ${text(want.blobs)}`);
    }
    const sample = expected.pds.sample;
    const read = actual.pds?.sample;
    if (sample && read?.cid !== sample.cid) problems.push(`the record ${sample.uri} cannot be read back`);
    if (sample?.blob && read?.blob?.bytes !== sample.blob.bytes) problems.push(`the file ${sample.blob.cid} of ${sample.blob.did} cannot be read back`);
  }
  return problems;
}
