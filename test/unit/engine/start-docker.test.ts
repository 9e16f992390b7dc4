import { describe, expect, it } from 'vitest';
import { planDockerStart, startDocker, type LaunchMode, type StartDockerEnv } from '../../../electron/core/engine/start-docker';

/** A machine with these files, whose launches are recorded and answer `problem`. */
function machine(platform: NodeJS.Platform, files: string[], opts: { env?: Record<string, string>; problem?: string } = {}) {
  const launched: { command: string; args: string[]; mode: LaunchMode }[] = [];
  const env: StartDockerEnv = {
    platform,
    env: opts.env ?? {},
    home: platform === 'win32' ? 'C:\\Users\\ann' : '/home/ann',
    exists: (p) => files.includes(p),
    launch: async (command, args, mode) => {
      launched.push({ command, args, mode });
      return opts.problem;
    },
  };
  return { env, launched };
}

describe('startDocker', () => {
  it('macOS: opens Docker Desktop when installed, else OrbStack', async () => {
    const desktop = machine('darwin', ['/Applications/Docker.app', '/Applications/OrbStack.app']);
    expect(await startDocker(desktop.env)).toEqual({ started: true, how: 'Docker Desktop is starting.' });
    expect(desktop.launched).toEqual([{ command: 'open', args: ['-a', 'Docker'], mode: 'wait' }]);

    const orb = machine('darwin', ['/home/ann/Applications/OrbStack.app']);
    expect(await startDocker(orb.env)).toEqual({ started: true, how: 'OrbStack is starting.' });
    expect(orb.launched).toEqual([{ command: 'open', args: ['-a', 'OrbStack'], mode: 'wait' }]);
  });

  it('macOS: Colima or nothing installed gets advice, and nothing is launched', async () => {
    const colima = machine('darwin', ['/home/ann/.colima']);
    expect(await startDocker(colima.env)).toEqual({ started: false, how: expect.stringContaining('colima start') });
    const none = machine('darwin', []);
    expect(await startDocker(none.env)).toEqual({ started: false, how: expect.stringContaining('not installed') });
    expect([...colima.launched, ...none.launched]).toEqual([]);
  });

  it('Windows: launches Docker Desktop.exe from %ProgramFiles%, detached', async () => {
    const exe = 'D:\\Programs\\Docker\\Docker\\Docker Desktop.exe';
    const win = machine('win32', [exe], { env: { ProgramFiles: 'D:\\Programs' } });
    expect(await startDocker(win.env)).toEqual({ started: true, how: 'Docker Desktop is starting.' });
    expect(win.launched).toEqual([{ command: exe, args: [], mode: 'detach' }]);
    expect(planDockerStart(machine('win32', ['C:\\Program Files\\Docker\\Docker\\Docker Desktop.exe']).env).kind).toBe('launch');
    expect(await startDocker(machine('win32', []).env)).toEqual({ started: false, how: expect.stringContaining('not installed') });
  });

  it('Linux: starts the Docker Desktop user service when installed, else advises sudo systemctl', async () => {
    const desktop = machine('linux', ['/usr/lib/systemd/user/docker-desktop.service']);
    expect(await startDocker(desktop.env)).toEqual({ started: true, how: 'Docker Desktop is starting.' });
    expect(desktop.launched).toEqual([{ command: 'systemctl', args: ['--user', 'start', 'docker-desktop'], mode: 'wait' }]);

    const engine = machine('linux', ['/var/run/docker.sock']);
    expect(await startDocker(engine.env)).toEqual({ started: false, how: 'Start Docker with "sudo systemctl start docker" in a terminal.' });
    expect(engine.launched).toEqual([]);
  });

  it('a launch that fails answers started: false with the reason', async () => {
    const broken = machine('darwin', ['/Applications/Docker.app'], { problem: 'open exited with 1' });
    expect(await startDocker(broken.env)).toEqual({ started: false, how: expect.stringContaining('open exited with 1') });
  });
});
