/**
 * `npm run bench` (second part): backup and restore of a test-recipe instance holding ~1 GB of
 * volume data (BENCH_BACKUP_MB, default 1024: 80 % random bytes like media, 20 % text) plus a
 * Postgres table, against a plain baseline on the same data and engine:
 *   backup:  `tar` in a helper container piped to `gzip`, plus `pg_dump -Fc`;
 *   restore: `gunzip` piped to `tar -x` in a helper container on a new volume, plus `pg_restore`
 *            into a new database (no verification, no health checks, no swap: a lower bound).
 * Engawa runs as users run it (the bundled CLI on plain node, age's default scrypt work factor),
 * measured with GNU time: wall time and peak RSS, at a quarter of the size and at the full size
 * (peak RSS must not grow with the data). Aim: backup ratio ≤ 1.0; restore ratio ≤ 1.3 at the full
 * size (it reads the file once, checking as it restores, then starts a copy until healthy and
 * swaps; its fixed costs — the key derivation, two starts — weigh more at the smaller size); peak
 * RSS the same at both sizes (about 350 MB, most of it the 256 MiB age's scrypt work factor needs).
 *
 * Uses the engine at DOCKER_HOST, or starts the private test engine (scripts/test-engine.sh); builds
 * the test images first unless BENCH_IMAGES_BUILT=1 says they are there.
 */
import { LOCAL_IMAGES } from '../test/integration/helpers';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleCli, useBenchEngine } from './bench-engine';

const MB = Number(process.env.BENCH_BACKUP_MB ?? 1024);
const repo = path.resolve(import.meta.dirname, '..');
const recipeFile = path.join(repo, 'test/fixtures/recipes/test-web.json');
/** The test recipe's images (and the probe container's) → the local test images. */
const images = LOCAL_IMAGES;

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { env, cwd: repo, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Runs a command under GNU time; returns wall seconds and peak RSS in MB. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { s: number; rssMB: number } {
  const r = spawnSync('/usr/bin/time', ['-f', 'BENCH %e %M', cmd, ...args], { env, cwd: repo, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  const m = /BENCH ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no timing from GNU time:\n${r.stderr}`);
  return { s: Number(m[1]), rssMB: Number(m[2]) / 1024 };
}

interface Cycle {
  mb: number;
  fileMB: number;
  gzipMB: number;
  backup: { s: number; rssMB: number };
  baseBackup: { s: number; rssMB: number };
  restore: { s: number; rssMB: number };
  baseRestore: { s: number; rssMB: number };
}

/** One instance with `mb` MB of volume data and 300k rows: backed up and restored, by Engawa and by the baseline. */
async function cycle(mb: number, work: string, cliJs: string, pass: string): Promise<Cycle> {
  const name = `bench-bk-${randomBytes(3).toString('hex')}`;
  const baseVolume = `${name}-baseline`;
  const home = path.join(work, `home-${mb}`);
  const env = { ...process.env, ENGAWA_HOME: home, ENGAWA_RECIPES: recipeFile, ENGAWA_IMAGES: JSON.stringify(images) };
  const engawa = (...args: string[]) => sh(process.execPath, [cliJs, ...args], env);
  const db = `engawa-${name}-db-1`;
  try {
    engawa('create', 'test-web', '--name', name, '--domain', `${name}.example.com`);
    const random = Math.round(mb * 0.8);
    const text = mb - random;
    console.log(`filling ${name}: ${random} MB random + ${text} MB text in a volume, 300k rows in Postgres …`);
    sh('docker', [
      'exec',
      '-u',
      'redis', // the service's own user (root there lacks DAC_OVERRIDE)
      `engawa-${name}-redis-1`,
      'sh',
      '-c',
      `mkdir -p /data/media && for i in $(seq 1 ${random}); do head -c 1048576 /dev/urandom > /data/media/m$i; done && ` +
        `yes 'a line of text that compresses well, like logs and JSON documents do' | head -c ${text * 1048576} > /data/text`,
    ]);
    sh('docker', [
      'exec',
      db,
      'psql',
      '-U',
      'app',
      '-d',
      'app',
      '-qc',
      "INSERT INTO notes(body) SELECT md5(random()::text) || repeat('y', 100) FROM generate_series(1, 300000)",
    ]);

    const out = path.join(work, `backups-${mb}`);
    const backup = timed(process.execPath, [cliJs, 'backup', name, '--out', out, '--passphrase-file', pass, '--json'], env);
    const file = sh('bash', ['-c', `ls ${out}/*.engawa.age`]).trim();
    const size = Number(sh('stat', ['-c', '%s', file]));

    const plain = path.join(work, `plain-${mb}`);
    sh('mkdir', ['-p', plain]);
    const volume = `engawa-${name}_redis`;
    const baseBackup = timed('bash', [
      '-c',
      `set -e -o pipefail; docker run --rm -v ${volume}:/v:ro local/busybox-httpd:1 tar -C /v -cf - . | gzip > ${plain}/redis.tar.gz; ` +
        `docker exec ${db} pg_dump -Fc -U app -d app > ${plain}/db.dump`,
    ]);

    // one pass over the file: read, checked and streamed into the new volumes and database together
    const restore = timed(process.execPath, [cliJs, 'restore', file, '--passphrase-file', pass, '--json'], env);
    const baseRestore = timed('bash', [
      '-c',
      `set -e -o pipefail; docker volume create ${baseVolume} >/dev/null; gunzip -c ${plain}/redis.tar.gz | docker run -i --rm -v ${baseVolume}:/v local/busybox-httpd:1 tar -C /v -xf -; ` +
        `docker exec ${db} createdb -U app bench_restore; docker exec -i ${db} pg_restore -U app -d bench_restore --no-owner < ${plain}/db.dump`,
    ]);
    const gzip = Number(sh('stat', ['-c', '%s', `${plain}/redis.tar.gz`]));
    return { mb, fileMB: size / 1048576, gzipMB: gzip / 1048576, backup, baseBackup, restore, baseRestore };
  } finally {
    spawnSync(process.execPath, [cliJs, 'destroy', name, '--yes'], { env, cwd: repo });
    spawnSync('docker', ['volume', 'rm', '-f', baseVolume]);
  }
}

async function main(): Promise<void> {
  const engine = useBenchEngine();
  const work = await mkdtemp(path.join(os.tmpdir(), 'engawa-bench-backup-'));
  const pass = path.join(work, 'pass');
  try {
    if (process.env.BENCH_IMAGES_BUILT !== '1') sh('bash', ['scripts/build-test-images.sh']);
    const cliJs = await bundleCli('cli-backup');
    await writeFile(pass, 'bench passphrase for engawa\n', { mode: 0o600 });
    // two sizes: the time ratio at the full size, and peak RSS that does not grow with the data
    const cycles: Cycle[] = [];
    for (const mb of [Math.max(64, Math.round(MB / 4)), MB]) cycles.push(await cycle(mb, work, cliJs, pass));

    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    for (const c of cycles) {
      console.log(`\nbackup and restore of ${c.mb} MB of volume data + 300k rows (file ${c.fileMB.toFixed(0)} MB, gzip baseline ${c.gzipMB.toFixed(0)} MB)`);
      console.log(
        `  backup:  engawa ${c.backup.s.toFixed(1)} s, baseline ${c.baseBackup.s.toFixed(1)} s, ratio ${ratio(c.backup.s, c.baseBackup.s)}; peak RSS ${c.backup.rssMB.toFixed(0)} MB`,
      );
      console.log(
        `  restore: engawa ${c.restore.s.toFixed(1)} s (one pass: read + check + restore, start a copy, swap), baseline ${c.baseRestore.s.toFixed(1)} s, ratio ${ratio(c.restore.s, c.baseRestore.s)} (aim ≤ 1.3); peak RSS ${c.restore.rssMB.toFixed(0)} MB`,
      );
    }
    const [small, large] = cycles as [Cycle, Cycle];
    console.log(
      `  peak RSS at ${small.mb} → ${large.mb} MB: backup ${small.backup.rssMB.toFixed(0)} → ${large.backup.rssMB.toFixed(0)} MB, restore ${small.restore.rssMB.toFixed(0)} → ${large.restore.rssMB.toFixed(0)} MB (flat: it does not grow with the data)`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
    engine.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
