/**
 * What `plan()` checks so that a container shows as little as possible and may do as little as
 * possible (issue 14, items 6 and 7):
 * - Secrets stay out of `docker inspect`: a secret may be in an env variable only when the service
 *   lists it in `envSecrets` with the reason the image cannot read it from a file; never in a
 *   command, entrypoint or health check. A secret the image can read from a file is a 0400 file
 *   (ServiceSpec.files), which inspect does not show. Checked twice: on the recipe's templates (a
 *   recipe bug) and on the final values, so an override or a setting that repeats a secret's value
 *   is refused too (the user's input).
 * - Capabilities: every container drops all of them (engine/spec.ts); a recipe adds back only
 *   capabilities from Docker's own default set, never one a plain `docker run` would not have.
 */
import { EngawaError } from '../util/errors';
import type { PlannedService, PlannedStep } from '../plan/types';
import type { ServiceSpec } from './types';
import { recipeBug } from './plan-checks';

/** Docker's default capability set (moby `oci/caps/defaults.go`): the most a recipe may add back. */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

/**
 * Shorter secret values are not searched for in env values and commands: a value that short
 * (a user's own choice) would match ordinary text. Generated secrets are far longer.
 */
const MIN_SEARCHED = 8;

/**
 * The capabilities a service adds back, checked against Docker's defaults (a recipe bug otherwise).
 * Also refused: Docker's init (`init`, on unless the recipe says no) with SETUID but not KILL. Such
 * an entrypoint steps down from root to the server's own user (PostgreSQL's, Redis's gosu), and
 * the init, still root, may then not signal it: on `docker stop` it dies ("Unexpected error when
 * forwarding signal") and the server is killed, not shut down, every time. Such images are made
 * to run their server as process 1 (upstream's compose files do): `init: false`.
 */
export function capAddOf(spec: ServiceSpec): string[] {
  const caps = spec.capAdd ?? [];
  for (const cap of caps) {
    if (!DOCKER_DEFAULT_CAPS.includes(cap)) {
      throw recipeBug(`service "${spec.name}" adds the capability "${cap}", which is not one of Docker's defaults (${DOCKER_DEFAULT_CAPS.join(', ')})`);
    }
  }
  if ((spec.init ?? true) && caps.includes('SETUID') && !caps.includes('KILL')) {
    throw recipeBug(`service "${spec.name}" runs under Docker's init with SETUID but not KILL: the init could not pass the stop signal on (init: false)`);
  }
  return [...new Set(caps)].sort();
}

/** Refuses a secret template in an env variable the service does not list in `envSecrets` (a recipe bug). */
export function checkSecretEnvKeys(spec: ServiceSpec, secretKeys: readonly string[], where: string): void {
  const listed = spec.envSecrets ?? {};
  for (const key of secretKeys) {
    if (!Object.hasOwn(listed, key)) {
      throw recipeBug(
        `${where} puts a secret into the env variable ${key}, which the service "${spec.name}" does not list in envSecrets; ` +
          'give the image the secret as a file if it can read one, or list the variable with the reason it cannot',
      );
    }
  }
}

/**
 * Refuses a secret value that would show in `docker inspect`: in an env variable the service does
 * not list, or anywhere in a command, entrypoint or health check (INVALID_INPUT: with the recipe's
 * templates already checked, only an override or a setting can put it there). Names the place, never the value.
 */
export function checkNoSecretShown(spec: ServiceSpec, service: PlannedService, steps: readonly PlannedStep[], secretValues: readonly string[]): void {
  const searched = secretValues.filter((v) => v.length >= MIN_SEARCHED);
  if (searched.length === 0) return;
  const holdsSecret = (value: string): boolean => searched.some((s) => value.includes(s));
  const listed = spec.envSecrets ?? {};
  const refuse = (place: string): never => {
    throw new EngawaError(
      'INVALID_INPUT',
      `${place} of the service "${service.name}" would hold one of this server's secrets, where \`docker inspect\` shows it to anyone who can use Docker; remove it.`,
      { service: service.name },
    );
  };
  const checkEnv = (env: Record<string, string>, what: string): void => {
    for (const [key, value] of Object.entries(env)) {
      if (!Object.hasOwn(listed, key) && holdsSecret(value)) refuse(`The ${what}env variable ${key}`);
    }
  };
  checkEnv(service.env, '');
  for (const [field, list] of [
    ['command', service.command],
    ['entrypoint', service.entrypoint],
    ['health check', service.healthcheck?.test],
  ] as const) {
    if ((list ?? []).some(holdsSecret)) refuse(`The ${field}`);
  }
  for (const step of steps.filter((s) => s.service === service.name)) {
    checkEnv(step.env, `setup step "${step.name}"'s `);
    if (step.command.some(holdsSecret)) refuse(`The command of the setup step "${step.name}"`);
  }
}
