/**
 * The renderer's catalogues (renderer/src/i18n/{en,ja}.json) and their use: both languages have
 * the same keys and placeholders, none empty; every key a component asks for exists (literal
 * keys read from the source, dynamic ones from the values they are built from, e.g. every error
 * code of the contract); and no component shows text that is not from the catalogue (JSX text and
 * the title / placeholder / aria-label / alt / label props). Also how the first language is picked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { LANGUAGES, pickLanguage } from '../../../renderer/src/i18n';
import en from '../../../renderer/src/i18n/en.json';
import ja from '../../../renderer/src/i18n/ja.json';
import { GUIDED_STACKS } from '../../../renderer/src/lib/stack-guide';
import { STEP_KEYS } from '../../../renderer/src/lib/steps';
import { STEPS } from '../../../renderer/src/wizard/draft';
import { TUNNEL_MODES } from '../../../renderer/src/wizard/tunnel-choice';
import { BACKUP_ERRORS, RESTORE_PROBLEMS } from '../../../renderer/src/backups/restore-file';
import { durationOf } from '../../../renderer/src/dashboard/update-card';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const srcDir = path.join(root, 'renderer/src');

type Catalogue = { [key: string]: string | Catalogue };

/** Every key path of a nested catalogue, sorted. */
function keys(obj: Catalogue, prefix = ''): string[] {
  return Object.entries(obj)
    .flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
    .sort();
}

function lookup(cat: Catalogue, key: string): string | Catalogue | undefined {
  let node: string | Catalogue | undefined = cat;
  for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  return node;
}

const placeholders = (text: string): string[] => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] as string).sort();

/** The .ts/.tsx files of the renderer, as parsed source files. */
function sources(ext: RegExp): ts.SourceFile[] {
  return readdirSync(srcDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && ext.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => {
      const file = path.join(e.parentPath, e.name);
      const kind = file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
      return ts.createSourceFile(path.relative(root, file), readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, kind);
    });
}

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((c) => walk(c, visit));
}

/** String literals an expression can evaluate to (through `a ? 'x' : 'y'` and parentheses). */
function literalsOf(e: ts.Expression): { literals: string[]; dynamic: boolean } {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return { literals: [e.text], dynamic: false };
  if (ts.isParenthesizedExpression(e)) return literalsOf(e.expression);
  if (ts.isConditionalExpression(e)) {
    const a = literalsOf(e.whenTrue);
    const b = literalsOf(e.whenFalse);
    return { literals: [...a.literals, ...b.literals], dynamic: a.dynamic || b.dynamic };
  }
  return { literals: [], dynamic: true };
}

/** The keys passed to `t(…)` as literals, and the static prefixes of template keys. */
function usedKeys(): { literal: { key: string; where: string }[]; prefixes: { prefix: string; where: string }[] } {
  const literal: { key: string; where: string }[] = [];
  const prefixes: { prefix: string; where: string }[] = [];
  for (const sf of sources(/\.tsx?$/)) {
    walk(sf, (n) => {
      if (!ts.isCallExpression(n) || !ts.isIdentifier(n.expression) || n.expression.text !== 't') return;
      const arg = n.arguments[0];
      if (arg === undefined) return;
      const where = `${sf.fileName}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
      if (ts.isTemplateExpression(arg)) {
        prefixes.push({ prefix: arg.head.text, where });
        return;
      }
      for (const key of literalsOf(arg).literals) literal.push({ key, where });
    });
  }
  return { literal, prefixes };
}

/** The members of a string-literal union type declared in the contract. */
function unionMembers(typeName: string): string[] {
  const file = path.join(root, 'electron/shared/contract.ts');
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const members: string[] = [];
  walk(sf, (n) => {
    if (ts.isTypeAliasDeclaration(n) && n.name.text === typeName && ts.isUnionTypeNode(n.type)) {
      for (const t of n.type.types) if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) members.push(t.literal.text);
    }
  });
  return members;
}

const TEXT_PROPS = new Set(['title', 'placeholder', 'aria-label', 'alt', 'label', 'aria-description']);

/** Text a person would read that sits in a component's source instead of the catalogue. */
function hardCodedTexts(sf: ts.SourceFile): string[] {
  const found: string[] = [];
  const at = (n: ts.Node) => `${sf.fileName}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  walk(sf, (n) => {
    if (ts.isJsxText(n) && /\p{L}/u.test(n.text)) found.push(`${at(n)} text "${n.text.trim()}"`);
    if (ts.isJsxExpression(n) && n.parent && (ts.isJsxElement(n.parent) || ts.isJsxFragment(n.parent)) && n.expression) {
      for (const s of literalsOf(n.expression).literals) if (/\p{L}/u.test(s)) found.push(`${at(n)} text "${s}"`);
    }
    if (ts.isJsxAttribute(n) && TEXT_PROPS.has(n.name.getText(sf)) && n.initializer) {
      const init = n.initializer;
      const expr = ts.isStringLiteral(init) ? init : ts.isJsxExpression(init) ? init.expression : undefined;
      if (expr) for (const s of literalsOf(expr).literals) if (/\p{L}/u.test(s)) found.push(`${at(n)} ${n.name.getText(sf)}="${s}"`);
    }
  });
  return found;
}

describe('catalogues', () => {
  it('have the same keys in English and Japanese, none empty, with the same placeholders', () => {
    expect(keys(ja)).toEqual(keys(en));
    expect(LANGUAGES.map((l) => l.code).sort()).toEqual(['en', 'ja']);
    for (const key of keys(en)) {
      const e = lookup(en, key) as string;
      const j = lookup(ja, key) as string;
      expect(e.trim(), key).not.toBe('');
      expect(j.trim(), key).not.toBe('');
      expect(placeholders(j), key).toEqual(placeholders(e));
    }
  });

  it('Japanese is written in Japanese (not a copy of the English)', () => {
    const copied = keys(en).filter((k) => lookup(en, k) === lookup(ja, k) && /[a-z]{4,}\s+[a-z]{3,}/i.test(lookup(en, k) as string));
    expect(copied).toEqual([]);
  });
});

describe('keys the renderer asks for', () => {
  const { literal, prefixes } = usedKeys();

  it('finds the keys in the source (the scan itself works)', () => {
    expect(literal.map((k) => k.key)).toContain('welcome.heading');
    expect(prefixes.map((p) => p.prefix)).toContain('state.');
  });

  it('exist as strings in both languages', () => {
    for (const cat of [en, ja]) {
      const missing = literal.filter(({ key }) => typeof lookup(cat, key) !== 'string').map(({ key, where }) => `${key} (${where})`);
      expect(missing).toEqual([]);
    }
  });

  it('template keys start with a section that exists', () => {
    const missing = prefixes
      .filter(({ prefix }) => typeof lookup(en, prefix.replace(/\.$/, '')) !== 'object')
      .map(({ prefix, where }) => `${prefix} (${where})`);
    expect(missing).toEqual([]);
  });

  it('every value a template key is built from has its entry', () => {
    const expected = [
      ...unionMembers('ApiErrorCode').flatMap((c) => [`errors.${c}.title`, `errors.${c}.action`]),
      ...unionMembers('InstanceState').map((s) => `state.${s}`),
      ...unionMembers('OpKind').map((o) => `dashboard.opRunning.${o}`),
      ...['start', 'done', 'skipped', 'failed'].map((s) => `progress.stepState.${s}`),
      ...['none', 'starting', 'healthy', 'unhealthy'].map((h) => `health.${h}`),
      ...['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead', 'missing'].map((s) => `container.${s}`),
      ...STEPS.map((s) => `wizard.steps.${s}`),
      ...['overview', 'logs', 'backups'].map((s) => `dashboard.tabs.${s}`),
      ...['none'].flatMap((m) => [`tunnel.mode.${m}.title`, `tunnel.mode.${m}.body`]),
      ...GUIDED_STACKS.map((s) => `stacks.${s}.character`),
      ...STEP_KEYS,
      ...['domain', 'name', 'nameTaken', 'adminUser', 'adminEmail', 'adminPassword', 'stack'].map((f) => `wizard.fieldError.${f}`),
      ...['desktop', 'linux'].flatMap((p) => [`docker.notInstalled.${p}`, `docker.notRunning.${p}`]),
      ...BACKUP_ERRORS.flatMap((k) => [`restoreFile.error.${k}.title`, `restoreFile.error.${k}.body`]),
      ...RESTORE_PROBLEMS.map((p) => `restoreFile.problem.${p}`),
      ...unionMembers('BackupTunnelMode').map((m) => `tunnel.mode.${m}.title`),
      ...TUNNEL_MODES.map((m) => `tunnel.mode.${m}.title`),
      ...[durationOf(1).key, durationOf(600).key],
    ];
    expect(unionMembers('ApiErrorCode').length).toBeGreaterThan(10);
    for (const cat of [en, ja]) expect(expected.filter((k) => typeof lookup(cat, k) !== 'string')).toEqual([]);
  });
});

describe('components', () => {
  it('show no text that is not from the catalogue', () => {
    expect(sources(/\.tsx$/).flatMap(hardCodedTexts)).toEqual([]);
  });

  it('the scan catches hard-coded text and lets translated text pass', () => {
    const sample = ts.createSourceFile(
      'sample.tsx',
      'const a = <p title="Hello">Hi there {"Bye"}<input placeholder={ok ? "Yes" : t("k")} aria-label={t("x")} className="ok" />{t("y")} 12 · {" "}</p>;',
      ts.ScriptTarget.Latest,
      true,
      ts.ScriptKind.TSX,
    );
    expect(hardCodedTexts(sample).map((f) => f.replace(/^sample\.tsx:\d+ /, ''))).toEqual([
      'title="Hello"',
      'text "Hi there"',
      'text "Bye"',
      'placeholder="Yes"',
    ]);
  });
});

describe('pickLanguage', () => {
  it('follows the first supported system language, region ignored', () => {
    expect(pickLanguage(null, ['ja-JP', 'en-US'])).toBe('ja');
    expect(pickLanguage(null, ['en-GB', 'ja'])).toBe('en');
    expect(pickLanguage(null, ['fr-FR', 'JA'])).toBe('ja');
    expect(pickLanguage(undefined, ['ja_JP'])).toBe('ja');
  });

  it('falls back to English when no system language is supported', () => {
    expect(pickLanguage(null, ['fr-FR', 'de'])).toBe('en');
    expect(pickLanguage(null, [])).toBe('en');
  });

  it('prefers the chosen language, ignoring a value that is not a language', () => {
    expect(pickLanguage('en', ['ja-JP'])).toBe('en');
    expect(pickLanguage('ja', ['en-US'])).toBe('ja');
    expect(pickLanguage('<script>', ['ja-JP'])).toBe('ja');
  });
});
