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

/** PostgreSQL as `db`, password from the secret `db_password`, data in the volume `db-data`. */
export function postgresService(opts: { image: string; user: string; db: string; dataPath: string }): ServiceSpec {
  return {
    name: 'db',
    image: opts.image,
    env: { POSTGRES_USER: opts.user, POSTGRES_PASSWORD: '{{secret.db_password}}', POSTGRES_DB: opts.db },
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
    healthcheck: healthcheck(['CMD-SHELL', 'redis-cli -h 127.0.0.1 ping | grep -q PONG'], 30_000),
    memoryMiB: opts.memoryMiB,
  };
}
