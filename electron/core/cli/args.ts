/**
 * Command-line parsing for `engawa`. Usage errors are `UsageError`s (exit code 2); everything
 * else that fails is an EngawaError (exit code 1).
 */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };

/** Options every command accepts. */
const GLOBAL: Record<string, OptionSpec> = {
  json: { type: 'boolean' },
  home: { type: 'string' },
  images: { type: 'string' },
  'reveal-secrets': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export interface CommandSpec {
  /** positional argument names; a trailing '?' marks an optional one */
  args: string[];
  options: Record<string, OptionSpec>;
  summary: string;
}

export const COMMANDS: Record<string, CommandSpec> = {
  doctor: { args: [], options: {}, summary: 'check the Docker engine and this computer' },
  stacks: { args: [], options: {}, summary: 'list the networks Engawa can run' },
  plan: {
    args: ['stack'],
    options: {
      domain: { type: 'string' },
      name: { type: 'string' },
      set: { type: 'string', multiple: true },
      setting: { type: 'string', multiple: true },
      tunnel: { type: 'string' },
      'tunnel-protocol': { type: 'string' },
    },
    summary: 'show what would be created, without creating anything',
  },
  create: {
    args: ['stack'],
    options: {
      name: { type: 'string' },
      domain: { type: 'string' },
      version: { type: 'string' },
      'admin-user': { type: 'string' },
      'admin-email': { type: 'string' },
      'admin-password-file': { type: 'string' },
      'no-admin': { type: 'boolean' },
      'allow-low-memory': { type: 'boolean' },
      tunnel: { type: 'string' },
      'cloudflare-token-file': { type: 'string' },
      zone: { type: 'string' },
      hostname: { type: 'string' },
      'tunnel-token-file': { type: 'string' },
      'tunnel-protocol': { type: 'string' },
      set: { type: 'string', multiple: true },
      setting: { type: 'string', multiple: true },
    },
    summary: 'create and start a server (--tunnel none|api|token|login; --setting NAME=VALUE; --version V; the domain is final)',
  },
  list: { args: [], options: {}, summary: 'list your servers' },
  status: { args: ['name'], options: {}, summary: "show a server's state and services" },
  start: {
    args: ['name'],
    options: { 'passphrase-file': { type: 'string' } },
    summary: 'start a server (finishes or rolls back an interrupted update; --passphrase-file for its backup)',
  },
  stop: { args: ['name'], options: {}, summary: 'stop a server (its data stays)' },
  restart: { args: ['name'], options: {}, summary: 'restart a server' },
  logs: {
    args: ['name'],
    options: { service: { type: 'string' }, follow: { type: 'boolean', short: 'f' }, tail: { type: 'string' } },
    summary: "print a server's logs",
  },
  export: { args: ['name'], options: { compose: { type: 'string' } }, summary: 'write the server as a docker-compose project' },
  destroy: { args: ['name'], options: { yes: { type: 'boolean' } }, summary: 'delete a server and all its data' },
};

export interface ParsedCommand {
  command: string;
  args: Record<string, string>;
  options: Record<string, string | boolean | string[] | undefined>;
}

export function usage(specs: Record<string, CommandSpec> = COMMANDS): string {
  const lines = ['Usage: engawa <command> [options]', '', 'Commands:'];
  for (const [name, spec] of Object.entries(specs)) {
    const args = spec.args.map((a) => (a.endsWith('?') ? `[${a.slice(0, -1)}]` : `<${a}>`)).join(' ');
    lines.push(`  ${`${name} ${args}`.padEnd(22)} ${spec.summary}`);
  }
  lines.push(
    '',
    'Global options:',
    '  --json                 machine-readable output',
    '  --home DIR             Engawa home folder (default: per OS; ENGAWA_HOME)',
    '  --images FILE          JSON map from official image to a local one (ENGAWA_IMAGES)',
    '  --reveal-secrets       show secrets instead of [redacted]',
  );
  return lines.join('\n');
}

export function parseCommand(argv: string[], specs: Record<string, CommandSpec> = COMMANDS): ParsedCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    return { command: 'help', args: {}, options: {} };
  }
  const spec = specs[command];
  if (!spec) throw new UsageError(`Unknown command "${command}". Run "engawa help" for the list.`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL, ...spec.options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0] ?? String(e));
  }
  if (parsed.values.help) return { command: 'help', args: {}, options: {} };
  const args: Record<string, string> = {};
  const positionals = [...parsed.positionals];
  for (const name of spec.args) {
    const optional = name.endsWith('?');
    const key = optional ? name.slice(0, -1) : name;
    const value = positionals.shift();
    if (value === undefined) {
      if (optional) continue;
      throw new UsageError(`"engawa ${command}" needs <${key}>.`);
    }
    args[key] = value;
  }
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}" for "engawa ${command}".`);
  return { command, args, options: parsed.values as ParsedCommand['options'] };
}

/** `--set SERVICE.ENV=VALUE` → {service, key, value}. */
export function parseSet(values: string[] | undefined): { service: string; key: string; value: string }[] {
  return (values ?? []).map((v) => {
    const m = /^([a-z0-9][a-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(v);
    if (!m) throw new UsageError(`--set expects SERVICE.ENV=VALUE, got "${v}".`);
    return { service: m[1]!, key: m[2]!, value: m[3]! };
  });
}

/** `--setting NAME=VALUE` (a recipe setting, e.g. `pds_prefix=`: an empty value is a value) → {NAME: VALUE}. */
export function parseSettings(values: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const m = /^([a-z][a-z0-9_]*)=(.*)$/s.exec(v);
    if (!m) throw new UsageError(`--setting expects NAME=VALUE (e.g. pds_prefix=), got "${v}".`);
    if (Object.hasOwn(out, m[1]!)) throw new UsageError(`--setting ${m[1]} is given twice.`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

export function parseTail(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--tail expects a number of lines, got "${v}".`);
  return Number(v);
}
