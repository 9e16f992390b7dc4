/**
 * The check's small languages: `{{…}}` templates over what the check knows (stacks/types.ts,
 * CheckProbe), and paths into JSON answers (CheckExpect): dotted names with list selectors —
 * `[0]` an index, `[]` every item, `[k=v,k2=v2]` the items whose fields equal those values,
 * `[k^=v]` those whose field starts with v.
 */

/** The values templates resolve: `domain`, `admin`, `plc`, `relay`, `host.<n>`, `capture.<n>`, `account.<n>`. */
export type TemplateValues = Record<string, string | undefined>;

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/** The template rendered, or the first placeholder with no value. */
export function fill(template: string, values: TemplateValues): { ok: true; value: string } | { ok: false; missing: string } {
  let missing: string | undefined;
  const value = template.replace(PLACEHOLDER, (_whole, inner: string) => {
    const v = values[inner.trim()];
    if (v === undefined) missing ??= inner.trim();
    return v ?? '';
  });
  return missing === undefined ? { ok: true, value } : { ok: false, missing };
}

/** For messages: a missing account value reads as the account's DID, anything else missing as "?". */
export function fillLenient(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_whole, inner: string) => {
    const key = inner.trim();
    return values[key] ?? (key.startsWith('account.') ? (values['account.did'] ?? '?') : '?');
  });
}

/** The placeholders a template uses. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => (m[1] as string).trim());
}

/** Every value `path` selects in `root`. */
export function pickAll(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      i++;
    } else if (c === '[') {
      const end = path.indexOf(']', i);
      if (end < 0) return [];
      const inner = path.slice(i + 1, end);
      i = end + 1;
      current = current.flatMap((v) => (Array.isArray(v) ? select(v, inner) : []));
    } else {
      let j = i;
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
      const key = path.slice(i, j);
      i = j;
      current = current.flatMap((v) => (isObject(v) && Object.hasOwn(v, key) ? [v[key]] : []));
    }
  }
  return current;
}

/** The first value `path` selects, or undefined. */
export function pick(root: unknown, path: string): unknown {
  return pickAll(root, path)[0];
}

/** A JSON value as the text templates compare it with: strings as they are, anything else as JSON. */
export function asText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function select(list: unknown[], inner: string): unknown[] {
  if (inner === '') return list;
  if (/^\d+$/.test(inner)) {
    const n = Number(inner);
    return n < list.length ? [list[n]] : [];
  }
  if (inner.split(',').some((c) => !c.includes('='))) return [];
  const conditions = inner.split(',').map((c) => {
    const prefix = c.indexOf('^=');
    const eq = c.indexOf('=');
    return prefix >= 0 && prefix < eq
      ? { key: c.slice(0, prefix), value: c.slice(prefix + 2), starts: true }
      : { key: c.slice(0, eq), value: c.slice(eq + 1), starts: false };
  });
  return list.filter(
    (item) =>
      isObject(item) &&
      conditions.every(({ key, value, starts }) => {
        if (!Object.hasOwn(item, key)) return false;
        const text = asText(item[key]);
        return starts ? text.startsWith(value) : text === value;
      }),
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
