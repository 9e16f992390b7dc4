/**
 * Structural check of a recipe read from JSON: every field of stacks/types.ts with its type, and no
 * unknown fields (a typo would otherwise be ignored silently). The first problem is reported with its
 * path, e.g. `services[2].healthcheck.intervalMs`. References between parts are checked by plan().
 */
import { EngawaError } from '../util/errors';
import type { Recipe } from './types';

type Check = (x: unknown, path: string) => void;

/** Returns `x` typed as a Recipe, or throws INVALID_INPUT naming the path of the first problem. */
export function assertRecipe(x: unknown): Recipe {
  recipe(x, '');
  return x as Recipe;
}

function fail(path: string, expected: string, x: unknown): never {
  const got = Array.isArray(x) ? 'a list' : x === null ? 'null' : typeof x === 'object' ? 'an object' : JSON.stringify(x);
  const where = path === '' ? 'the top level' : path;
  throw new EngawaError('INVALID_INPUT', `The recipe is not valid at ${where}: expected ${expected}, got ${got}.`, { path: where });
}

const str: Check = (x, p) => {
  if (typeof x !== 'string') fail(p, 'a string', x);
};
const nonEmpty: Check = (x, p) => {
  if (typeof x !== 'string' || x === '') fail(p, 'a non-empty string', x);
};
const nullableStr: Check = (x, p) => {
  if (x !== null && typeof x !== 'string') fail(p, 'a string or null', x);
};
const bool: Check = (x, p) => {
  if (typeof x !== 'boolean') fail(p, 'true or false', x);
};
const scalar: Check = (x, p) => {
  if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') fail(p, 'a string, number or boolean', x);
};
const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (x, p) => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) fail(p, `a whole number from ${min} to ${max}`, x);
  };
const oneOf =
  (...values: string[]): Check =>
  (x, p) => {
    if (typeof x !== 'string' || !values.includes(x)) fail(p, `one of ${values.map((v) => `"${v}"`).join(', ')}`, x);
  };
const name: Check = (x, p) => {
  if (typeof x !== 'string' || !/^[a-z][a-z0-9_-]*$/.test(x)) fail(p, 'a name of lowercase letters, digits, "-" and "_"', x);
};
const regex: Check = (x, p) => {
  str(x, p);
  try {
    new RegExp(x as string);
  } catch {
    fail(p, 'a valid regular expression', x);
  }
};
/** An env variable name, or a prefix of one followed by `*` (ServiceSpec.overridable). */
const envPattern: Check = (x, p) => {
  if (typeof x !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(x)) fail(p, 'an env variable name, or a prefix of one followed by "*"', x);
};
/** A Linux capability as Docker names it, without CAP_ (plan() allows only Docker's defaults). */
const capability: Check = (x, p) => {
  if (typeof x !== 'string' || !/^[A-Z][A-Z_]*$/.test(x)) fail(p, 'a capability name such as "CHOWN"', x);
};
const list =
  (item: Check, minLength = 0): Check =>
  (x, p) => {
    if (!Array.isArray(x) || x.length < minLength) fail(p, minLength > 0 ? `a list of at least ${minLength}` : 'a list', x);
    x.forEach((v, i) => item(v, `${p}[${i}]`));
  };
const dict =
  (value: Check): Check =>
  (x, p) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) fail(p, 'an object', x);
    for (const [k, v] of Object.entries(x)) value(v, join(p, k));
  };

/** An object with `required` and `optional` fields and nothing else. */
const obj =
  (required: Record<string, Check>, optional: Record<string, Check> = {}): Check =>
  (x, p) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) fail(p, 'an object', x);
    const o = x as Record<string, unknown>;
    for (const [k, check] of Object.entries(required)) {
      if (o[k] === undefined) fail(join(p, k), 'a value (the field is required)', undefined);
      check(o[k], join(p, k));
    }
    for (const [k, v] of Object.entries(o)) {
      if (k in required) continue;
      const check = optional[k];
      if (check === undefined) {
        const known = [...Object.keys(required), ...Object.keys(optional)].join(', ');
        throw new EngawaError('INVALID_INPUT', `The recipe is not valid at ${join(p, k)}: unknown field (known: ${known}).`, { path: join(p, k) });
      }
      if (v !== undefined) check(v, join(p, k));
    }
  };

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

const secretKind: Check = (x, p) => {
  obj(
    { type: oneOf('hex', 'base64url', 'alnum', 'password', 'secp256k1-hex', 'vapid-private', 'vapid-public') },
    {
      bytes: int(1, 1024),
      length: int(1, 1024),
      from: name,
    },
  )(x, p);
  const kind = x as Record<string, unknown>;
  const needs = { hex: 'bytes', base64url: 'bytes', alnum: 'length', password: 'length', 'vapid-public': 'from' }[kind.type as string];
  if (needs !== undefined && kind[needs] === undefined) fail(join(p, needs), 'a value (the field is required)', undefined);
};

const texts = obj({ en: str, ja: str });
const maintenanceBase = { id: name, service: name, schedule: oneOf('daily', 'on-demand'), volumes: list(name), removes: texts };
const maintenanceTask: Check = (x, p) => {
  const kind = (x as Record<string, unknown> | null)?.kind;
  if (kind === 'admin-ui') return obj({ ...maintenanceBase, kind: oneOf('admin-ui'), where: texts })(x, p);
  obj({ ...maintenanceBase, kind: oneOf('exec'), command: list(str, 1) }, { minDays: int(1, 365) })(x, p);
};

const healthcheck = obj({ test: list(str, 1), intervalMs: int(1), timeoutMs: int(1), retries: int(0) }, { startPeriodMs: int(0) });

const service = obj(
  { name, image: nonEmpty },
  {
    command: list(str),
    entrypoint: list(str),
    env: dict(str),
    user: str,
    workingDir: str,
    mounts: list(obj({ volume: name, target: nonEmpty }, { readOnly: bool })),
    ports: list(obj({ container: int(1, 65535), name })),
    healthcheck,
    dependsOn: list(obj({ service: name, condition: oneOf('healthy', 'started') })),
    files: list(obj({ path: nonEmpty, content: str }, { mode: int(0, 0o7777), uid: int(0), gid: int(0) })),
    init: bool,
    stopTimeoutS: int(0),
    unhealthyGraceS: int(1),
    memoryMiB: int(0),
    overridable: list(envPattern),
    capAdd: list(capability),
    envSecrets: dict(nonEmpty),
  },
);

const envRef = obj({ service: name, env: nonEmpty });

const checkProbe = obj(
  {
    id: nonEmpty,
    title: nonEmpty,
    method: oneOf('GET', 'POST'),
    url: nonEmpty,
    as: oneOf('browser', 'fediverse', 'atproto'),
    expect: obj(
      { status: int(100, 599) },
      { contentType: regex, equals: dict(str), present: list(nonEmpty), contains: dict(str), text: str, includes: nonEmpty },
    ),
    adviceKey: nonEmpty,
    advice: nonEmpty,
  },
  {
    target: oneOf('public', 'plc', 'relay'),
    accept: nonEmpty,
    body: obj({ contentType: nonEmpty, text: str }),
    capture: dict(obj({ path: nonEmpty }, { removePrefix: nonEmpty })),
    accounts: nonEmpty,
    each: oneOf('account'),
    when: obj({ value: nonEmpty, matches: regex }),
    alsoAsFediverse: bool,
    uncached: bool,
  },
);

const recipe = obj(
  {
    id: name,
    name: nonEmpty,
    version: nonEmpty,
    summary: obj({ en: str, ja: str }),
    memoryMiB: int(0),
    secrets: list(obj({ name, kind: secretKind, description: str }, { userSupplied: bool })),
    volumes: list(obj({ name, description: str, backup: oneOf('data', 'cache', 'none') }, { ownerUid: int(0), ownerGid: int(0) })),
    services: list(service, 1),
    setup: list(
      obj(
        {
          name: nonEmpty,
          description: str,
          when: oneOf('create', 'pre-upgrade', 'post-upgrade'),
          kind: oneOf('run', 'exec'),
          service: name,
          command: list(str, 1),
          phase: oneOf('before-start', 'after-healthy'),
        },
        { env: dict(str), needs: list(name), admin: bool, capture: obj({ secret: name, pattern: regex }) },
      ),
    ),
    ingress: list(obj({ hostname: nonEmpty, service: name, port: int(1, 65535) }, { path: str })),
    web: obj({ service: name, port: name, healthPath: nonEmpty, publicHost: nonEmpty }),
    admin: obj({ kind: oneOf('owner-account', 'none') }, { passwordSecret: name, defaultUser: str }),
  },
  {
    hosts: dict(nonEmpty),
    settings: list(obj({ name, description: str, default: str }, { pattern: regex })),
    requires: list(obj({ check: oneOf('x86-64-sse4.2'), note: obj({ en: str, ja: str }) })),
    http: list(
      obj(
        { name: nonEmpty, description: str, when: oneOf('create'), path: nonEmpty, body: dict(scalar) },
        {
          bodyFromResponse: obj({ step: nonEmpty, field: nonEmpty, as: nonEmpty }),
          admin: bool,
          basicAuth: obj({ user: nonEmpty, password: nonEmpty }),
        },
      ),
    ),
    testOnly: bool,
    backup: obj(
      {},
      {
        databases: list(obj({ service: name, kind: oneOf('postgres'), user: nonEmpty, db: nonEmpty }, { passwordSecret: name, tables: list(nonEmpty) })),
        stopServices: list(name),
        probe: oneOf('atproto-pds'),
      },
    ),
    releases: list(
      obj(
        { version: nonEmpty },
        {
          services: dict(obj({}, { image: nonEmpty, env: dict(nullableStr), command: list(str), healthcheck })),
          notesUrl: nonEmpty,
          security: bool,
          from: list(nonEmpty),
          dataMoves: list(name),
          switchTimeoutMs: int(1000),
          downloadMiB: int(0),
        },
      ),
      1,
    ),
    check: obj({ probes: list(checkProbe, 1) }, { plcUrlEnv: envRef, relaysEnv: envRef }),
    maintenance: list(maintenanceTask),
    maintenanceNote: texts,
  },
);
