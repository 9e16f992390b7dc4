/**
 * Pieces several recipes share: the health-check timing, and the PostgreSQL and Redis services
 * Mastodon and Misskey both run beside their app (official images, data in named volumes).
 */
import type { ServiceSpec } from './types';
import type { HealthcheckSpec } from '../plan/types';

/** A health check every 10 s (5 s timeout, 5 retries) after `startPeriodMs` of grace. */
export const healthcheck = (test: string[], startPeriodMs: number): HealthcheckSpec => ({
  test,
  intervalMs: 10_000,
  timeoutMs: 5_000,
  retries: 5,
  startPeriodMs,
});

/**
 * Where PostgreSQL's password file is placed. The official entrypoint reads POSTGRES_PASSWORD_FILE
 * in its first pass, as root, before it steps down to postgres (`file_env` in docker_setup_env), so
 * the file is 0400 root: the server process itself cannot read it, whatever its uid (70 in the
 * Alpine images, 999 in the Debian ones).
 */
export const POSTGRES_PASSWORD_FILE = '/run/secrets/postgres_password';

/**
 * What the official postgres entrypoint needs as root (checked by dropping each in turn, on the
 * local stand-in of the image): CHOWN (`find $PGDATA ! -user postgres -exec chown`: from 18 on it
 * creates $PGDATA itself, as root), DAC_OVERRIDE (that `find` walks the 0700 data directory, owned by
 * postgres, at every later start; DAC_READ_SEARCH would do, but Docker leaves it out of its
 * defaults because it allows open_by_handle_at), SETGID and SETUID (gosu to postgres). Not FOWNER:
 * its `chmod 700 $PGDATA` may fail (`|| :`) and initdb, as postgres, sets the mode itself.
 */
export const POSTGRES_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'SETGID', 'SETUID'];

/** The official redis entrypoint as root: CHOWN (`find . ! -user redis -exec chown`, e.g. restored files), SETGID and SETUID (gosu to redis). */
export const REDIS_CAPS = ['CHOWN', 'SETGID', 'SETUID'];

/** PostgreSQL as `db`, password from the secret `db_password` (as a file), data in the volume `db-data`. */
export function postgresService(opts: { image: string; user: string; db: string; dataPath: string }): ServiceSpec {
  return {
    name: 'db',
    image: opts.image,
    env: { POSTGRES_USER: opts.user, POSTGRES_PASSWORD_FILE, POSTGRES_DB: opts.db },
    files: [{ path: POSTGRES_PASSWORD_FILE, content: '{{secret.db_password}}', mode: 0o400, uid: 0, gid: 0 }],
    capAdd: POSTGRES_CAPS,
    init: false, // the server is process 1 and shuts down on the image's stop signal (SIGINT): Docker's init could not signal it (hardening.ts)
    mounts: [{ volume: 'db-data', target: opts.dataPath }],
    // over TCP: during first initialisation the server listens on its socket only, not yet for real
    healthcheck: healthcheck(['CMD-SHELL', `pg_isready -h 127.0.0.1 -U ${opts.user} -d ${opts.db}`], 60_000),
    stopTimeoutS: 60,
    memoryMiB: 384,
  };
}

/** Redis as `redis`, data in the volume `redis-data`. */
export function redisService(opts: { image: string; memoryMiB: number }): ServiceSpec {
  return {
    name: 'redis',
    image: opts.image,
    mounts: [{ volume: 'redis-data', target: '/data' }],
    capAdd: REDIS_CAPS,
    init: false, // as PostgreSQL: the server is process 1 and saves on SIGTERM
    healthcheck: healthcheck(['CMD-SHELL', 'redis-cli -h 127.0.0.1 ping | grep -q PONG'], 30_000),
    memoryMiB: opts.memoryMiB,
  };
}
