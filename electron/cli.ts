#!/usr/bin/env node
/** `engawa` command line: process glue around core/cli/run.ts. */
import { runCli } from './core/cli/run';

const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort();
});

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
