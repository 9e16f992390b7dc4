/**
 * `npm run bench` (second part): backup and restore of a test-recipe instance holding ~1 GB of
 * volume data (BENCH_BACKUP_MB, default 1024: 80 % random bytes like media, 20 % text) plus a
 * Postgres table, against a plain baseline on the same data and engine:
 *   backup:  `tar` in a helper container piped to `gzip`, plus `pg_dump -Fc`;
 *   restore: `gunzip` piped to `tar -x` in a helper container on a new volume, plus `pg_restore`
 *            into a new database (no verification, no health checks, no swap: a lower bound).
 * Engawa runs as users run it (the bundled CLI on plain node, age's default scrypt work factor),
 * measured with GNU time: wall time and peak RSS. Aim: time ratio ≤ 1.0, peak RSS < 200 MB.
 *
 * Uses the engine at DOCKER_HOST, or starts the private test engine (scripts/test-engine.sh).
 */
import { LOCAL_IMAGES } from '../test/integration/helpers';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

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

async function main(): Promise<void> {
  let startedEngine = false;
  if (!process.env.DOCKER_HOST) {
    const out = sh('bash', ['scripts/test-engine.sh', 'start']);
    process.env.DOCKER_HOST = /DOCKER_HOST=(\S+)/.exec(out)?.[1];
    startedEngine = true;
  }
  const work = await mkdtemp(path.join(os.tmpdir(), 'engawa-bench-backup-'));
  const name = `bench-bk-${randomBytes(3).toString('hex')}`;
  const baseVolume = `${name}-baseline`;
  const pass = path.join(work, 'pass');
  const home = path.join(work, 'home');
  const env = { ...process.env, ENGAWA_HOME: home, ENGAWA_RECIPES: recipeFile, ENGAWA_IMAGES: JSON.stringify(images) };
  const cliJs = path.join(repo, 'node_modules/.cache/engawa-bench/cli-backup.mjs');
  const engawa = (...args: string[]) => sh(process.execPath, [cliJs, ...args], env);
  const db = `engawa-${name}-db-1`;
  try {
    sh('bash', ['scripts/build-test-images.sh']);
    await build({
      entryPoints: [path.join(repo, 'electron/cli.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: cliJs,
      packages: 'external',
      logLevel: 'error',
    });
    await writeFile(pass, 'bench passphrase for engawa\n', { mode: 0o600 });
    engawa('create', 'test-web', '--name', name, '--domain', `${name}.example.com`);
    const random = Math.round(MB * 0.8);
    const text = MB - random;
    console.log(`filling ${name}: ${random} MB random + ${text} MB text in a volume, 300k rows in Postgres …`);
    sh('docker', [
      'exec',
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

    const out = path.join(work, 'backups');
    const backup = timed(process.execPath, [cliJs, 'backup', name, '--out', out, '--passphrase-file', pass, '--json'], env);
    const file = sh('bash', ['-c', `ls ${out}/*.engawa.age`]).trim();
    const size = Number(sh('stat', ['-c', '%s', file]));

    const plain = path.join(work, 'plain');
    sh('mkdir', ['-p', plain]);
    const volume = `engawa-${name}_redis`;
    const baseBackup = timed('bash', [
      '-c',
      `set -e -o pipefail; docker run --rm -v ${volume}:/v:ro local/busybox-httpd:1 tar -C /v -cf - . | gzip > ${plain}/redis.tar.gz; ` +
        `docker exec ${db} pg_dump -Fc -U app -d app > ${plain}/db.dump`,
    ]);

    const restore = timed(process.execPath, [cliJs, 'restore', file, '--passphrase-file', pass, '--json'], env);
    const baseRestore = timed('bash', [
      '-c',
      `set -e -o pipefail; docker volume create ${baseVolume} >/dev/null; gunzip -c ${plain}/redis.tar.gz | docker run -i --rm -v ${baseVolume}:/v local/busybox-httpd:1 tar -C /v -xf -; ` +
        `docker exec ${db} createdb -U app bench_restore; docker exec -i ${db} pg_restore -U app -d bench_restore --no-owner < ${plain}/db.dump`,
    ]);

    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    console.log(
      `\nbackup and restore of ${MB} MB of volume data + 300k rows (file ${(size / 1048576).toFixed(0)} MB, gzip baseline ${(Number(sh('stat', ['-c', '%s', `${plain}/redis.tar.gz`])) / 1048576).toFixed(0)} MB)`,
    );
    console.log(
      `  backup:  engawa ${backup.s.toFixed(1)} s, baseline ${baseBackup.s.toFixed(1)} s, ratio ${ratio(backup.s, baseBackup.s)}; peak RSS ${backup.rssMB.toFixed(0)} MB`,
    );
    console.log(
      `  restore: engawa ${restore.s.toFixed(1)} s (verify + restore + start a copy + swap), baseline ${baseRestore.s.toFixed(1)} s, ratio ${ratio(restore.s, baseRestore.s)}; peak RSS ${restore.rssMB.toFixed(0)} MB`,
    );
  } finally {
    spawnSync(process.execPath, [cliJs, 'destroy', name, '--yes'], { env, cwd: repo });
    spawnSync('docker', ['volume', 'rm', '-f', baseVolume]);
    await rm(work, { recursive: true, force: true });
    if (startedEngine) spawnSync('bash', ['scripts/test-engine.sh', 'stop'], { cwd: repo });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
