#!/usr/bin/env node
/** `engawa` command line: process glue around core/cli/run.ts. */
import { runCli } from './core/cli/run';

const controller = new AbortController();
let interrupted = false;
/** The first Ctrl-C or SIGTERM cancels the command (which ends cleanly, e.g. `watch` with 0); a second one exits at once. */
const interrupt = (code: number) => (): void => {
  if (interrupted) process.exit(code);
  interrupted = true;
  controller.abort();
};
process.on('SIGINT', interrupt(130));
process.on('SIGTERM', interrupt(143));

runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`engawa: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
