/**
 * Starting the Docker engine for the user (the wizard's "Start Docker" button), per OS:
 * - macOS: `open -a Docker` (Docker Desktop), else `open -a OrbStack`; Colima gets a hint only;
 * - Windows: `%ProgramFiles%\Docker\Docker\Docker Desktop.exe`;
 * - Linux: `systemctl --user start docker-desktop` when Docker Desktop for Linux is installed;
 *   a system Docker needs root, so the answer is the advice to run `sudo systemctl start docker`.
 * Commands are fixed programs with fixed arguments, never a shell line. The machine comes in
 * through `StartDockerEnv`, so every OS can be tested anywhere.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DockerStartResult } from '../../shared/contract';

/** What `system.startDocker` answers: the contract's own type. */
export type { DockerStartResult } from '../../shared/contract';

/** Waits for the program to exit (its exit code counts), or only for it to be launched. */
export type LaunchMode = 'wait' | 'detach';

/** The facts and powers `startDocker` uses; `realStartDockerEnv()` gives the real ones. */
export interface StartDockerEnv {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  home: string;
  exists(path: string): boolean;
  /** runs `command` with `args` (no shell); resolves to an error sentence, or undefined on success */
  launch(command: string, args: string[], mode: LaunchMode): Promise<string | undefined>;
}

/** A program to launch, or advice when there is none. */
export type StartPlan = { kind: 'launch'; command: string; args: string[]; mode: LaunchMode; how: string } | { kind: 'advice'; how: string };

/** Docker Desktop for Linux's user service (installed by its .deb/.rpm). */
const LINUX_DESKTOP_UNITS = ['/usr/lib/systemd/user/docker-desktop.service', '/lib/systemd/user/docker-desktop.service'];

/** Which program would start Docker here (pure). */
export function planDockerStart(e: Omit<StartDockerEnv, 'launch'>): StartPlan {
  if (e.platform === 'darwin') {
    const app = (name: string) =>
      [path.posix.join('/Applications', `${name}.app`), path.posix.join(e.home, 'Applications', `${name}.app`)].some((p) => e.exists(p));
    if (app('Docker')) return { kind: 'launch', command: 'open', args: ['-a', 'Docker'], mode: 'wait', how: 'Docker Desktop is starting.' };
    if (app('OrbStack')) return { kind: 'launch', command: 'open', args: ['-a', 'OrbStack'], mode: 'wait', how: 'OrbStack is starting.' };
    if (e.exists(path.posix.join(e.home, '.colima'))) return { kind: 'advice', how: 'Start Colima with "colima start" in Terminal.' };
    return { kind: 'advice', how: 'Docker Desktop is not installed: install it from Docker’s website, then start it.' };
  }
  if (e.platform === 'win32') {
    const programFiles = e.env.ProgramFiles || e.env.PROGRAMFILES || 'C:\\Program Files';
    const exe = path.win32.join(programFiles, 'Docker', 'Docker', 'Docker Desktop.exe');
    if (e.exists(exe)) return { kind: 'launch', command: exe, args: [], mode: 'detach', how: 'Docker Desktop is starting.' };
    return { kind: 'advice', how: 'Docker Desktop is not installed: install it from Docker’s website, then start it.' };
  }
  if (LINUX_DESKTOP_UNITS.some((u) => e.exists(u))) {
    return { kind: 'launch', command: 'systemctl', args: ['--user', 'start', 'docker-desktop'], mode: 'wait', how: 'Docker Desktop is starting.' };
  }
  return { kind: 'advice', how: 'Start Docker with "sudo systemctl start docker" in a terminal.' };
}

/** Starts Docker the way this OS does (see the module comment). Never throws for a failed launch. */
export async function startDocker(e: StartDockerEnv): Promise<DockerStartResult> {
  const plan = planDockerStart(e);
  if (plan.kind === 'advice') return { started: false, how: plan.how };
  const problem = await e.launch(plan.command, plan.args, plan.mode);
  if (problem === undefined) return { started: true, how: plan.how };
  return { started: false, how: `Engawa could not start Docker (${problem}); start it yourself, then wait here.` };
}

/** A launched program that waits is given this long before it counts as failed. */
export const LAUNCH_TIMEOUT_MS = 30_000;

/** Runs a program without a shell: waits for its exit (code 0 is success) or only for its launch. */
export function launchProgram(command: string, args: string[], mode: LaunchMode): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { shell: false, stdio: 'ignore', detached: mode === 'detach', windowsHide: mode === 'wait' });
    child.once('error', (err) => resolve(err.message));
    if (mode === 'detach') {
      child.once('spawn', () => {
        child.unref();
        resolve(undefined);
      });
      return;
    }
    const timer = setTimeout(() => {
      child.kill();
      resolve(`${path.basename(command)} did not finish`);
    }, LAUNCH_TIMEOUT_MS);
    timer.unref();
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? undefined : `${path.basename(command)} exited with ${code ?? 'a signal'}`);
    });
  });
}

/** This machine as `startDocker` sees it. */
export function realStartDockerEnv(): StartDockerEnv {
  return { platform: process.platform, env: process.env, home: os.homedir(), exists: existsSync, launch: launchProgram };
}
