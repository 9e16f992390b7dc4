/**
 * The per-state tray icons are what scripts/make-icons.mjs draws (same pixels as a fresh run),
 * the macOS templates are black and alpha only, and each state looks different from 'running'.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
let fresh: string;
beforeAll(() => {
  fresh = mkdtempSync(path.join(tmpdir(), 'engawa-tray-icons-'));
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts/make-icons.mjs'), fresh]);
});
afterAll(() => rmSync(fresh, { recursive: true, force: true }));

/** The unfiltered scanlines of a PNG as the script writes it (filter byte + RGBA per row). */
function pixels(png: Buffer): Buffer {
  const idat: Buffer[] = [];
  for (let o = 8; o < png.length; o += 12 + png.readUInt32BE(o)) {
    if (png.toString('ascii', o + 4, o + 8) === 'IDAT') idat.push(png.subarray(o + 8, o + 8 + png.readUInt32BE(o)));
  }
  return inflateSync(Buffer.concat(idat));
}

/** The PNGs inside an .ico. */
function icoImages(ico: Buffer): Buffer[] {
  return Array.from({ length: ico.readUInt16LE(4) }, (_, i) => {
    const e = 6 + 16 * i;
    return ico.subarray(ico.readUInt32LE(e + 12), ico.readUInt32LE(e + 12) + ico.readUInt32LE(e + 8));
  });
}

const read = (root: string, rel: string) => readFileSync(path.join(root, 'resources/tray', rel));
const STATES = ['starting', 'stopped', 'problem'];

describe('tray state icons', () => {
  it('match a fresh run of make-icons pixel for pixel', () => {
    for (const state of STATES) {
      for (const rel of [`tray-${state}Template.png`, `tray-${state}Template@2x.png`, `tray-${state}.png`, `tray-${state}@2x.png`]) {
        expect(pixels(read(repoRoot, rel)).equals(pixels(read(fresh, rel))), rel).toBe(true);
      }
      const committed = icoImages(read(repoRoot, `tray-${state}.ico`)).map(pixels);
      const drawn = icoImages(read(fresh, `tray-${state}.ico`)).map(pixels);
      expect(committed.length).toBe(5);
      committed.forEach((p, i) => expect(p.equals(drawn[i]!), `tray-${state}.ico #${i}`).toBe(true));
    }
  });

  it('keep macOS templates black with alpha only, and differ from the running icon', () => {
    const running = pixels(read(repoRoot, 'trayTemplate@2x.png'));
    for (const state of STATES) {
      const p = pixels(read(repoRoot, `tray-${state}Template@2x.png`));
      const stride = 32 * 4 + 1;
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) expect([...p.subarray(y * stride + 1 + x * 4, y * stride + 4 + x * 4)]).toEqual([0, 0, 0]);
      expect(p.equals(running), state).toBe(false);
    }
  });
});
