/**
 * Enforces DESIGN.md's import boundaries on the real source tree:
 * - electron/shared imports nothing outside electron/shared (no Node built-ins, no packages);
 * - electron/core imports electron/shared, electron/core, Node built-ins and the runtime
 *   `dependencies` only (never 'electron', adapters, main, preload, cli or the renderer);
 * - electron/adapters, main.ts and preload.ts may import core, shared, adapters, Node, packages
 *   and 'electron', never the renderer or the CLI;
 * - electron/cli.ts is like core plus core itself: never 'electron' or adapters;
 * - renderer/ (except vite.config.ts, build tooling that runs in Node) imports its own files and
 *   browser packages, and from electron/ only `import type` from electron/shared.
 * Imports are read with the TypeScript parser: static and type imports, `export … from`,
 * `import x = require()`, dynamic `import()` and `require()`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

interface SourceFile {
  /** repository-relative, with forward slashes */
  path: string;
  text: string;
}

interface ImportRef {
  specifier: string;
  typeOnly: boolean;
}

type Layer = 'shared' | 'core' | 'glue' | 'cli' | 'renderer';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const BUILTINS = new Set(builtinModules);

/** Every module specifier a file imports, and whether the import is erased at compile time. */
function importsOf(file: SourceFile): ImportRef[] {
  const kind = file.path.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, false, kind);
  const refs: ImportRef[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allNamedTypes =
        clause !== undefined &&
        clause.name === undefined &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      refs.push({ specifier: node.moduleSpecifier.text, typeOnly: (clause?.isTypeOnly ?? false) || allNamedTypes });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      refs.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteral(expr)) refs.push({ specifier: expr.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const [arg] = node.arguments;
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if ((isImport || isRequire) && arg !== undefined && ts.isStringLiteralLike(arg)) {
        refs.push({ specifier: arg.text, typeOnly: false });
      }
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) refs.push({ specifier: arg.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return refs;
}

/** Which rule set a file falls under, or null for files without rules (tests, scripts, configs). */
function layerOf(file: string): Layer | null {
  if (file.startsWith('electron/shared/')) return 'shared';
  if (file.startsWith('electron/core/')) return 'core';
  if (file.startsWith('electron/adapters/') || file === 'electron/main.ts' || file === 'electron/preload.ts') return 'glue';
  if (file === 'electron/cli.ts') return 'cli';
  if (file.startsWith('renderer/') && file !== 'renderer/vite.config.ts') return 'renderer';
  return null;
}

type Target = { kind: 'file'; path: string } | { kind: 'builtin' } | { kind: 'electron' } | { kind: 'package'; name: string };

function targetOf(from: string, specifier: string): Target {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    return { kind: 'file', path: path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)) };
  }
  if (specifier.startsWith('node:') || BUILTINS.has(specifier)) return { kind: 'builtin' };
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
  if (name === 'electron') return { kind: 'electron' };
  return { kind: 'package', name };
}

const inDir = (target: Target, dir: string): boolean => target.kind === 'file' && (target.path === dir || target.path.startsWith(`${dir}/`));
const isFile = (target: Target, file: string): boolean => target.kind === 'file' && (target.path === file || target.path === file.replace(/\.ts$/, ''));

/** Why an import breaks its file's layer, or null when it is allowed. */
function whyForbidden(layer: Layer, ref: ImportRef, target: Target, runtimeDeps: ReadonlySet<string>): string | null {
  const electronCode = inDir(target, 'electron');
  switch (layer) {
    case 'shared':
      return inDir(target, 'electron/shared') ? null : 'electron/shared may import only electron/shared';
    case 'core':
    case 'cli': {
      if (inDir(target, 'electron/shared') || inDir(target, 'electron/core') || target.kind === 'builtin') return null;
      if (target.kind === 'package' && runtimeDeps.has(target.name)) return null;
      if (target.kind === 'package') return `${target.name} is not a runtime dependency in package.json`;
      return `${layer === 'core' ? 'electron/core' : 'electron/cli.ts'} may import only shared, core, Node built-ins and runtime dependencies`;
    }
    case 'glue':
      if (inDir(target, 'renderer') || isFile(target, 'electron/cli.ts')) return 'Electron glue may not import the renderer or the CLI';
      if (target.kind === 'file' && !electronCode) return 'Electron glue may import only electron/ code';
      return null;
    case 'renderer':
      if (target.kind === 'builtin') return 'the renderer runs in a browser: no Node built-ins';
      if (target.kind === 'electron') return "the renderer may not import 'electron'";
      if (inDir(target, 'electron/shared')) return ref.typeOnly ? null : 'the renderer may import only types from electron/shared (use `import type`)';
      if (target.kind === 'file' && !inDir(target, 'renderer')) return 'the renderer may import from electron/ only types from electron/shared';
      return null;
  }
}

/** All boundary violations in `files`, one line each: `file: 'specifier' — reason`. */
function findViolations(files: readonly SourceFile[], runtimeDeps: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const file of files) {
    const layer = layerOf(file.path);
    if (layer === null) continue;
    for (const ref of importsOf(file)) {
      const reason = whyForbidden(layer, ref, targetOf(file.path, ref.specifier), runtimeDeps);
      if (reason !== null) out.push(`${file.path}: '${ref.specifier}' — ${reason}`);
    }
  }
  return out;
}

function sourceFiles(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(repoRoot, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(child);
      else if (entry.isFile() && /\.(ts|tsx|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        out.push({ path: child, text: readFileSync(path.join(repoRoot, child), 'utf8') });
      }
    }
  };
  walk(dir);
  return out;
}

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
const runtimeDeps = new Set(Object.keys(pkg.dependencies ?? {}));

describe('import boundaries', () => {
  it('hold for every file under electron/ and renderer/', () => {
    const files = [...sourceFiles('electron'), ...sourceFiles('renderer')];
    const layers = new Set(files.map((f) => layerOf(f.path)));
    // the scan really saw each kind of code (a broken walk would pass vacuously)
    for (const layer of ['shared', 'core', 'glue', 'renderer'] as const) expect(layers).toContain(layer);
    expect(findViolations(files, runtimeDeps)).toEqual([]);
  });

  it('reports each kind of violation (self-test of the checker)', () => {
    const deps = new Set(['dockerode']);
    const bad: SourceFile[] = [
      { path: 'electron/shared/a.ts', text: "import { readFile } from 'node:fs';\nexport { x } from '../core/x';" },
      { path: 'electron/shared/b.ts', text: "import type { Y } from 'zod';" },
      {
        path: 'electron/core/engine/c.ts',
        text: [
          "import { app } from 'electron';",
          "import { w } from '../../adapters/window';",
          "import type { T } from 'lodash';",
          "const r = require('electron');",
          "const m = await import('../../../renderer/src/App');",
          'type Q = typeof import("electron");',
        ].join('\n'),
      },
      { path: 'electron/adapters/d.ts', text: "import { App } from '../../renderer/src/App';" },
      { path: 'electron/cli.ts', text: "import { w } from './adapters/window';" },
      {
        path: 'renderer/src/e.tsx',
        text: [
          "import { API_METHODS } from '../../electron/shared/contract';",
          "import type { X } from '../../electron/core/errors';",
          "import fs from 'fs';",
          "import { ipcRenderer } from 'electron';",
        ].join('\n'),
      },
    ];
    expect(findViolations(bad, deps)).toEqual([
      "electron/shared/a.ts: 'node:fs' — electron/shared may import only electron/shared",
      "electron/shared/a.ts: '../core/x' — electron/shared may import only electron/shared",
      "electron/shared/b.ts: 'zod' — electron/shared may import only electron/shared",
      "electron/core/engine/c.ts: 'electron' — electron/core may import only shared, core, Node built-ins and runtime dependencies",
      "electron/core/engine/c.ts: '../../adapters/window' — electron/core may import only shared, core, Node built-ins and runtime dependencies",
      "electron/core/engine/c.ts: 'lodash' — lodash is not a runtime dependency in package.json",
      "electron/core/engine/c.ts: 'electron' — electron/core may import only shared, core, Node built-ins and runtime dependencies",
      "electron/core/engine/c.ts: '../../../renderer/src/App' — electron/core may import only shared, core, Node built-ins and runtime dependencies",
      "electron/core/engine/c.ts: 'electron' — electron/core may import only shared, core, Node built-ins and runtime dependencies",
      "electron/adapters/d.ts: '../../renderer/src/App' — Electron glue may not import the renderer or the CLI",
      "electron/cli.ts: './adapters/window' — electron/cli.ts may import only shared, core, Node built-ins and runtime dependencies",
      "renderer/src/e.tsx: '../../electron/shared/contract' — the renderer may import only types from electron/shared (use `import type`)",
      "renderer/src/e.tsx: '../../electron/core/errors' — the renderer may import from electron/ only types from electron/shared",
      "renderer/src/e.tsx: 'fs' — the renderer runs in a browser: no Node built-ins",
      "renderer/src/e.tsx: 'electron' — the renderer may not import 'electron'",
    ]);
  });

  it('accepts what the rules allow (self-test of the checker)', () => {
    const deps = new Set(['dockerode', 'yaml']);
    const good: SourceFile[] = [
      { path: 'electron/shared/a.ts', text: "import type { B } from './b';\nexport * from './c';" },
      {
        path: 'electron/core/x/y.ts',
        text: "import path from 'node:path';\nimport { EventEmitter } from 'events';\nimport Docker from 'dockerode';\nimport { parse } from 'yaml';\nimport { E } from '../errors';\nimport type { C } from '../../shared/contract';",
      },
      { path: 'electron/main.ts', text: "import { app } from 'electron';\nimport { x } from './core/x/y';\nimport { w } from './adapters/window';" },
      { path: 'electron/cli.ts', text: "import { run } from './core/cli/run';\nimport process from 'node:process';" },
      {
        path: 'renderer/src/App.tsx',
        text: "import { useState } from 'react';\nimport { create } from 'zustand';\nimport type { AppInfo } from '../../electron/shared/contract';\nimport { type ApiMethod } from '../../electron/shared/contract';\nimport { i } from './i18n';\nimport en from './locales/en.json';\nimport './styles.css';",
      },
      { path: 'renderer/vite.config.ts', text: "import { fileURLToPath } from 'node:url';" },
      { path: 'test/unit/z.test.ts', text: "import { app } from 'electron';" },
    ];
    expect(findViolations(good, deps)).toEqual([]);
  });
});
