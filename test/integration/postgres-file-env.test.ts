/**
 * The local postgres images keep the official image's `<NAME>_FILE` contract (upstream's file_env),
 * under the restricted capabilities the recipes give PostgreSQL: POSTGRES_PASSWORD_FILE,
 * POSTGRES_USER_FILE and POSTGRES_DB_FILE read from 0400 root files in the root pass (the server
 * itself, as postgres, cannot read them), and a variable given both ways is refused. Plain
 * dockerode; everything carries a random project label and is removed in afterAll.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Dockerode from 'dockerode';
import { execIn } from '../../electron/core/engine/exec';
import { LABELS } from '../../electron/core/plan/types';
import { POSTGRES_CAPS } from '../../electron/core/stacks/shared-services';
import { tarFiles } from '../../electron/core/util/tar-write';
import { docker, eventually, uniqueName } from './helpers';

const project = uniqueName('pgfile');
const labels = { [LABELS.project]: project };
const PASSWORD = randomBytes(12).toString('hex');
const secretFile = (name: string, content: string) => ({ path: `run/secrets/${name}`, content, mode: 0o400, uid: 0, gid: 0 });

let d: Dockerode;

async function create(image: string, name: string, env: string[], files: ReturnType<typeof secretFile>[]): Promise<Dockerode.Container> {
  const c = await d.createContainer({
    name: `${project}-${name}`,
    Image: image,
    Labels: labels,
    Env: env,
    HostConfig: { CapDrop: ['ALL'], CapAdd: POSTGRES_CAPS, SecurityOpt: ['no-new-privileges:true'] },
  });
  await c.putArchive(tarFiles(files), { path: '/' });
  await c.start();
  return c;
}

beforeAll(() => {
  d = docker();
});

afterAll(async () => {
  for (const c of await d.listContainers({ all: true, filters: { label: [`${LABELS.project}=${project}`] } })) {
    await d
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
});

describe.each(['local/postgres:15', 'local/postgres:17'])('%s', (image) => {
  it('takes the password, user and database from 0400 root files, which the server itself cannot read', async () => {
    const tag = image.split(':')[1] as string;
    const c = await create(
      image,
      `ok${tag}`,
      ['POSTGRES_PASSWORD_FILE=/run/secrets/pw', 'POSTGRES_USER_FILE=/run/secrets/user', 'POSTGRES_DB_FILE=/run/secrets/db'],
      [secretFile('pw', PASSWORD), secretFile('user', 'filer'), secretFile('db', 'filed')],
    );
    await eventually(
      async () => {
        const state = (await c.inspect()).State;
        if (!state.Running) throw new Error(`${image} stopped (exit code ${state.ExitCode})`);
        return (await execIn(c, ['pg_isready', '-h', '127.0.0.1', '-U', 'filer', '-d', 'filed'])).exitCode === 0 ? true : undefined;
      },
      60_000,
      `${image} to accept connections`,
    );
    // over TCP from the container's own address (not loopback, which is trusted): only the file's password gets in
    const ip = Object.values((await c.inspect()).NetworkSettings.Networks)[0]?.IPAddress as string;
    const connect = (password: string) =>
      execIn(c, ['psql', '-X', '-qtA', '-h', ip, '-U', 'filer', '-d', 'filed', '-c', 'SELECT current_user'], { env: { PGPASSWORD: password } });
    expect(await connect(PASSWORD)).toMatchObject({ exitCode: 0, stdout: 'filer\n' });
    expect((await connect('wrong')).stderr).toContain('password authentication failed');
    // the server process runs as postgres, cannot read the file, and has no *_FILE left in its env
    expect((await execIn(c, ['cat', '/run/secrets/pw'], { user: 'postgres' })).exitCode).not.toBe(0);
    const environ = await execIn(c, ['sh', '-c', 'tr "\\0" "\\n" < /proc/1/environ; stat -c "%U" /proc/1'], { user: 'postgres' });
    expect(environ.stdout).not.toContain('_FILE=');
    expect(environ.stdout.trim().split('\n').at(-1)).toBe('postgres');
  }, 90_000);

  it('refuses a variable given both as itself and as a file, as upstream does', async () => {
    const tag = image.split(':')[1] as string;
    const c = await create(image, `both${tag}`, [`POSTGRES_PASSWORD=${PASSWORD}`, 'POSTGRES_PASSWORD_FILE=/run/secrets/pw'], [secretFile('pw', PASSWORD)]);
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    expect(StatusCode).toBe(1);
    const logs = (await c.logs({ stdout: true, stderr: true })).toString('utf8');
    expect(logs).toContain('both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set');
  }, 60_000);
});
