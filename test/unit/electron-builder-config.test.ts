/**
 * electron-builder.yml (packaging runs only on release CI): it passes electron-builder's own
 * schema validation, keeps the security fuses on, and every file it points at exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const configFile = path.join(repoRoot, 'electron-builder.yml');
const config = parse(readFileSync(configFile, 'utf8')) as {
  appId: string;
  productName: string;
  asar: boolean;
  directories: { buildResources: string };
  files: string[];
  extraResources: { from: string; to: string }[];
  electronFuses: Record<string, boolean>;
  mac: { target: (string | { target: string; arch: string[] })[]; entitlements: string; entitlementsInherit: string; hardenedRuntime: boolean };
  publish: { provider: string };
  win: { target: string };
  linux: { target: string[] };
};

/** electron-builder's own config loader and validator (internal modules, resolved from electron-builder). */
function electronBuilderConfigApi(): {
  getConfig(projectDir: string, configPath: string, fromOptions: null): Promise<object>;
  validateConfiguration(config: object, logger: object): Promise<void>;
  DebugLogger: new (enabled: boolean) => object;
} {
  const fromBuilder = createRequire(createRequire(import.meta.url).resolve('electron-builder'));
  return { ...fromBuilder('app-builder-lib/out/util/config/config'), DebugLogger: fromBuilder('builder-util').DebugLogger };
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's schema validation", async () => {
    const api = electronBuilderConfigApi();
    const loaded = await api.getConfig(repoRoot, configFile, null);
    await expect(api.validateConfiguration(loaded, new api.DebugLogger(false))).resolves.toBeUndefined();
  }, 60_000); // loading electron-builder takes seconds, more on a busy 2-core machine

  it('names the app and targets dmg, nsis, AppImage and deb', () => {
    expect(config.appId).toBe('app.engawa.desktop');
    expect(config.productName).toBe('Engawa');
    expect(config.asar).toBe(true);
    const macTargets = config.mac.target.map((t) => (typeof t === 'string' ? { target: t, arch: [] } : t));
    expect(macTargets.map((t) => t.target)).toEqual(['dmg', 'zip']); // zip: macOS auto-update needs it
    for (const t of macTargets) expect(t.arch).toEqual(['x64', 'arm64']);
    expect(config.win.target).toBe('nsis');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
  });

  it('is ready for macOS signing and updates from GitHub releases', () => {
    expect(config.mac.hardenedRuntime).toBe(true);
    for (const file of [config.mac.entitlements, config.mac.entitlementsInherit]) {
      expect(readFileSync(path.join(repoRoot, file), 'utf8')).toContain('com.apple.security.cs.allow-jit');
    }
    expect(config.publish.provider).toBe('github');
    expect(config.files).toContain('renderer/src/i18n/*.json'); // the shell's strings, read at run time
  });

  it('keeps the security fuses on', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it('points at files that exist and packs the entry point package.json names', () => {
    const resources = path.join(repoRoot, config.directories.buildResources);
    for (const icon of ['icon.png', 'icon.ico', 'icon.icns']) expect(existsSync(path.join(resources, icon)), icon).toBe(true);
    for (const extra of config.extraResources) expect(existsSync(path.join(repoRoot, extra.from)), extra.from).toBe(true);
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main.startsWith('dist/')).toBe(true);
    expect(config.files).toContain('dist/**');
  });
});
