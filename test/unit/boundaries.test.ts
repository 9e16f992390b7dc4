/**
 * Enforces DESIGN.md's import boundaries on the real source tree.
 *
 * Between the top-level parts:
 * - electron/shared imports nothing outside electron/shared (no Node built-ins, no packages);
 * - electron/core imports electron/shared, electron/core, Node built-ins and the runtime
 *   `dependencies` only (never 'electron', adapters, main, preload, cli or the renderer);
 * - Electron glue (electron/adapters/, and electron/*.ts but cli.ts: main, start-app, preload) may
 *   import core, shared, adapters, Node, packages and 'electron', never the renderer or the CLI;
 * - electron/cli.ts is like core plus core itself: never 'electron' or adapters;
 * - renderer/ (except vite.config.ts, build tooling that runs in Node) imports its own files and
 *   browser packages, and from electron/ only `import type` from electron/shared.
 *
 * Inside electron/core, layers in one order; a layer imports only itself and the layers below it,
 * and layers of the same rank (engine and stacks; update, check and watch; cli, host and tray) do not import each other:
 *
 *   shared → util → plan → engine | stacks → tunnel → instances → backup → update | check | watch → api → cli | host | tray
 *
 * - util: errors, progress, atomic writes, byte queues, tar writing, formatting: needs nothing of ours.
 * - plan: the Plan types and labels (and their redaction), what stacks produce and the engine applies.
 * - engine: Docker (discovery, images, apply, exec, logs, events, stats); knows no recipe.
 * - stacks: the recipes and the pure plan(); knows no Docker.
 * - tunnel: Cloudflare provisioning and the connector service, which creating an instance uses.
 * - instances: the operations (create, start/stop, destroy, and any later one) under the instance
 *   lock, with the one state cache; other layers use it only through instances/index.ts.
 * - backup: archive format, create, verify, restore, drill, schedule, through the instances' operations.
 * - update: updating an instance to a newer release of its stack (backup first, steps in order, rollback).
 * - check: the outside-in check of the public server ("Can the world reach me?"), through its public URL.
 * - watch: the watchdog that keeps a home server up (unhealthy services restarted, re-checks after
 *   sleep or a Docker restart), through the instances' operations.
 * - api: the typed contract implemented over all of the above (one dispatcher for both shells).
 * - cli, host (browser mode over WebSocket), tray (the tray's pure models): three front doors.
 * Every file of electron/core lives in one of these folders.
 *
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
  if (/^electron\/[^/]+\.ts$/.test(file) && file !== 'electron/cli.ts') return 'glue';
  if (file.startsWith('electron/adapters/') || file === 'electron/main.ts' || file === 'electron/preload.ts') return 'glue';
  if (file === 'electron/cli.ts') return 'cli';
  if (file.startsWith('renderer/') && file !== 'renderer/vite.config.ts') return 'renderer';
  return null;
}

/** The layers inside electron/core, lowest first; one rank may hold siblings. */
const CORE_ORDER: readonly (readonly string[])[] = [
  ['util'],
  ['plan'],
  ['engine', 'stacks'],
  ['tunnel'],
  ['instances'],
  ['backup'],
  ['update', 'check', 'watch'],
  ['api'],
  ['cli', 'host', 'tray'],
];
const CORE_ORDER_TEXT = CORE_ORDER.map((rank) => rank.join(' | ')).join(' → ');

/** The core layer a repository path belongs to (its first folder under electron/core), or null. */
function coreLayerOf(file: string): { name: string; rank: number } | null {
  const m = /^electron\/core\/([^/]+)\//.exec(file);
  if (m === null) return null;
  const name = m[1] as string;
  const rank = CORE_ORDER.findIndex((r) => r.includes(name));
  return { name, rank };
}

/** The instances layer's public interface: the only file of it other layers may import. */
const INSTANCES_API = 'electron/core/instances/index';

/** Why an import inside electron/ breaks the order of the core's layers, or null. */
function coreOrderViolation(from: string, target: Target): string | null {
  if (target.kind !== 'file' || !target.path.startsWith('electron/core/')) return null;
  const targetPath = target.path.replace(/\.ts$/, '').replace(/^electron\/core\/(instances|update)$/, 'electron/core/$1/index');
  const to = coreLayerOf(targetPath);
  const fromLayer = coreLayerOf(from);
  if (to === null || to.rank < 0) return `${target.path} is not inside a core layer (${CORE_ORDER_TEXT})`;
  if (to.name === 'instances' && fromLayer?.name !== 'instances' && targetPath !== INSTANCES_API) {
    return 'other layers use instances only through instances/index.ts (its public interface)';
  }
  if (fromLayer === null) return null; // glue and the CLI entry sit above the whole core
  if (fromLayer.rank < 0) return `electron/core/${fromLayer.name}/ is not a core layer; the order is ${CORE_ORDER_TEXT}`;
  if (to.name === fromLayer.name) return null;
  if (to.rank === fromLayer.rank) return `core layers ${fromLayer.name} and ${to.name} are siblings and do not import each other (${CORE_ORDER_TEXT})`;
  if (to.rank > fromLayer.rank) return `core layer ${fromLayer.name} may not import ${to.name}, which is above it (${CORE_ORDER_TEXT})`;
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
    if (layer === 'core' && coreLayerOf(file.path) === null)
      out.push(`${file.path}: — every file of electron/core lives in a layer folder (${CORE_ORDER_TEXT})`);
    for (const ref of importsOf(file)) {
      const target = targetOf(file.path, ref.specifier);
      const reason = whyForbidden(layer, ref, target, runtimeDeps) ?? (layer === 'renderer' ? null : coreOrderViolation(file.path, target));
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

  it('keeps every core file small enough to read, and the instance manager a facade', () => {
    const core = sourceFiles('electron/core');
    expect(core.length).toBeGreaterThan(50);
    const lines = (f: SourceFile): number => f.text.split('\n').length - (f.text.endsWith('\n') ? 1 : 0);
    expect(core.filter((f) => lines(f) > 350).map((f) => `${f.path}: ${lines(f)} lines (at most 350)`)).toEqual([]);
    const manager = core.find((f) => f.path === 'electron/core/instances/manager.ts');
    expect(manager && lines(manager)).toBeLessThan(200);
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

  it('keeps the order of the core layers (self-test of the checker)', () => {
    const file = (p: string, ...imports: string[]): SourceFile => ({ path: p, text: imports.map((i) => `import { x } from '${i}';`).join('\n') });
    const bad: SourceFile[] = [
      file('electron/core/engine/a.ts', '../stacks/types'),
      file('electron/core/stacks/b.ts', '../engine/types'),
      file('electron/core/util/c.ts', '../plan/types'),
      file('electron/core/instances/d.ts', '../backup/create'),
      file('electron/core/backup/e.ts', '../instances/store'),
      file('electron/core/api/f.ts', '../cli/format'),
      file('electron/core/host/g.ts', '../tray/model'),
      file('electron/core/h.ts'),
      file('electron/core/misc/i.ts', '../util/errors'),
      file('electron/core/tunnel/j.ts', '../errors'),
      file('electron/adapters/k.ts', '../core/instances/lock'),
    ];
    const order = 'util → plan → engine | stacks → tunnel → instances → backup → update | check | watch → api → cli | host | tray';
    expect(findViolations(bad, new Set())).toEqual([
      `electron/core/engine/a.ts: '../stacks/types' — core layers engine and stacks are siblings and do not import each other (${order})`,
      `electron/core/stacks/b.ts: '../engine/types' — core layers stacks and engine are siblings and do not import each other (${order})`,
      `electron/core/util/c.ts: '../plan/types' — core layer util may not import plan, which is above it (${order})`,
      `electron/core/instances/d.ts: '../backup/create' — core layer instances may not import backup, which is above it (${order})`,
      "electron/core/backup/e.ts: '../instances/store' — other layers use instances only through instances/index.ts (its public interface)",
      `electron/core/api/f.ts: '../cli/format' — core layer api may not import cli, which is above it (${order})`,
      `electron/core/host/g.ts: '../tray/model' — core layers host and tray are siblings and do not import each other (${order})`,
      `electron/core/h.ts: — every file of electron/core lives in a layer folder (${order})`,
      `electron/core/misc/i.ts: '../util/errors' — electron/core/misc/ is not a core layer; the order is ${order}`,
      `electron/core/tunnel/j.ts: '../errors' — electron/core/errors is not inside a core layer (${order})`,
      "electron/adapters/k.ts: '../core/instances/lock' — other layers use instances only through instances/index.ts (its public interface)",
    ]);
  });

  it('accepts what the rules allow (self-test of the checker)', () => {
    const deps = new Set(['dockerode', 'yaml']);
    const good: SourceFile[] = [
      { path: 'electron/shared/a.ts', text: "import type { B } from './b';\nexport * from './c';" },
      {
        path: 'electron/core/engine/y.ts',
        text: "import path from 'node:path';\nimport { EventEmitter } from 'events';\nimport Docker from 'dockerode';\nimport { parse } from 'yaml';\nimport { E } from '../util/errors';\nimport type { C } from '../../shared/contract';\nimport type { Plan } from '../plan/types';\nimport { z } from './z';",
      },
      { path: 'electron/core/stacks/s.ts', text: "import type { Plan } from '../plan/types';\nimport { E } from '../util/errors';" },
      { path: 'electron/core/tunnel/t.ts', text: "import type { EngineApi } from '../engine/types';\nimport type { Recipe } from '../stacks/types';" },
      { path: 'electron/core/instances/m.ts', text: "import { acquireLock } from './lock';\nimport { provision } from '../tunnel/t';" },
      { path: 'electron/core/backup/b.ts', text: "import { InstanceManager } from '../instances';\nimport type { Op } from '../instances/index';" },
      { path: 'electron/core/api/a.ts', text: "import { restore } from '../backup/b';\nimport { InstanceManager } from '../instances/index';" },
      { path: 'electron/core/cli/c.ts', text: "import { createCore } from '../api/a';\nimport { formatBytes } from '../util/format';" },
      {
        path: 'electron/main.ts',
        text: "import { app } from 'electron';\nimport { x } from './core/engine/y';\nimport { w } from './adapters/window';\nimport { home } from './core/instances';",
      },
      { path: 'electron/start-app.ts', text: "import { app } from 'electron';\nimport { createCore } from './core/api/a';" },
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
