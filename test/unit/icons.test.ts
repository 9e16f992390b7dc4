/**
 * The icons in resources/ (and the favicon) are what scripts/make-icons.mjs draws: the script runs
 * into a temporary folder, every file is decoded and checked for its format, its sizes and the
 * glyph (indigo tile, white veranda, transparent corners; black-only macOS template), and the
 * committed files must hold the same pixels.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Image {
  size: number;
  rgba: Buffer;
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
let outRoot: string;

beforeAll(() => {
  outRoot = mkdtempSync(path.join(tmpdir(), 'engawa-icons-'));
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts/make-icons.mjs'), outRoot]);
});
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

const read = (root: string, rel: string): Buffer => readFileSync(path.join(root, rel));

/** Decodes the square 8-bit RGBA, unfiltered PNGs the script writes, checking every chunk's CRC. */
function decodePng(png: Buffer): Image {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let offset = 8;
  let size = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    expect(png.readUInt32BE(offset + 8 + length), `${type} CRC`).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)));
    if (type === 'IHDR') {
      size = data.readUInt32BE(0);
      expect(data.readUInt32BE(4)).toBe(size);
      expect([...data.subarray(8)]).toEqual([8, 6, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = size * 4 + 1;
  expect(raw.length).toBe(size * stride);
  const rgba = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    expect(raw[y * stride]).toBe(0); // filter: none
    raw.copy(rgba, y * size * 4, y * stride + 1, (y + 1) * stride);
  }
  return { size, rgba };
}

/** RGBA of the pixel at (fx, fy), given as fractions of the image. */
function pixel({ size, rgba }: Image, fx: number, fy: number): number[] {
  const o = (Math.floor(fy * size) * size + Math.floor(fx * size)) * 4;
  return [...rgba.subarray(o, o + 4)];
}

function decodeIco(ico: Buffer): Image[] {
  expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
  return Array.from({ length: ico.readUInt16LE(4) }, (_, i) => {
    const e = 6 + 16 * i;
    const image = decodePng(ico.subarray(ico.readUInt32LE(e + 12), ico.readUInt32LE(e + 12) + ico.readUInt32LE(e + 8)));
    expect(ico.readUInt8(e) || 256).toBe(image.size);
    return image;
  });
}

function decodeIcns(icns: Buffer): Map<string, Image> {
  expect(icns.toString('ascii', 0, 4)).toBe('icns');
  expect(icns.readUInt32BE(4)).toBe(icns.length);
  const entries = new Map<string, Image>();
  for (let offset = 8; offset < icns.length; offset += icns.readUInt32BE(offset + 4)) {
    entries.set(icns.toString('ascii', offset, offset + 4), decodePng(icns.subarray(offset + 8, offset + icns.readUInt32BE(offset + 4))));
  }
  return entries;
}

const isIndigo = ([r, g, b, a]: number[]): boolean => a === 255 && b! > 190 && r! < 110 && g! < 110;
const isWhite = (p: number[]): boolean => p.every((v) => v === 255);

describe('make-icons', () => {
  it('draws a 512 px app icon: indigo tile, white veranda, transparent corners', () => {
    const icon = decodePng(read(outRoot, 'resources/icon.png'));
    expect(icon.size).toBe(512);
    expect(pixel(icon, 0.01, 0.01)[3]).toBe(0);
    expect(isIndigo(pixel(icon, 0.5, 0.3))).toBe(true);
    expect(isWhite(pixel(icon, 0.5, 0.55))).toBe(true); // the deck board
    expect(isWhite(pixel(icon, 0.335, 0.68))).toBe(true); // a post
    expect(isIndigo(pixel(icon, 0.5, 0.68))).toBe(true); // between the posts
  });

  it('writes a Windows .ico from 16 to 256 px and a macOS .icns up to 1024 px', () => {
    expect(decodeIco(read(outRoot, 'resources/icon.ico')).map((i) => i.size)).toEqual([16, 24, 32, 48, 64, 128, 256]);
    const icns = decodeIcns(read(outRoot, 'resources/icon.icns'));
    const sizes = Object.fromEntries([...icns].map(([type, image]) => [type, image.size]));
    expect(sizes).toEqual({ icp4: 16, icp5: 32, ic07: 128, ic08: 256, ic09: 512, ic10: 1024, ic11: 32, ic12: 64, ic13: 256, ic14: 512 });
  });

  it('draws macOS tray templates in black and alpha only, with the veranda cut out', () => {
    for (const [rel, size] of [
      ['resources/tray/trayTemplate.png', 16],
      ['resources/tray/trayTemplate@2x.png', 32],
    ] as const) {
      const image = decodePng(read(outRoot, rel));
      expect(image.size).toBe(size);
      for (let i = 0; i < image.rgba.length; i += 4) expect([...image.rgba.subarray(i, i + 3)]).toEqual([0, 0, 0]);
      expect(pixel(image, 0.5, 0.25)[3]).toBe(255);
      expect(pixel(image, 0.5, 0.53)[3]).toBe(0);
    }
  });

  it('draws colour tray icons for Linux and Windows', () => {
    expect(decodePng(read(outRoot, 'resources/tray/tray.png')).size).toBe(24);
    expect(decodePng(read(outRoot, 'resources/tray/tray@2x.png')).size).toBe(48);
    expect(decodeIco(read(outRoot, 'resources/tray/tray.ico')).map((i) => i.size)).toEqual([16, 20, 24, 32, 48]);
  });

  it('matches the committed icons pixel for pixel', () => {
    const files = [
      'resources/icon.png',
      'resources/tray/trayTemplate.png',
      'resources/tray/trayTemplate@2x.png',
      'resources/tray/tray.png',
      'resources/tray/tray@2x.png',
      'renderer/public/favicon.png',
    ];
    for (const rel of files) expect(decodePng(read(repoRoot, rel)).rgba.equals(decodePng(read(outRoot, rel)).rgba), rel).toBe(true);
    for (const rel of ['resources/icon.ico', 'resources/tray/tray.ico']) {
      const committed = decodeIco(read(repoRoot, rel));
      const fresh = decodeIco(read(outRoot, rel));
      expect(committed.map((i) => i.size)).toEqual(fresh.map((i) => i.size));
      committed.forEach((image, i) => expect(image.rgba.equals(fresh[i]!.rgba), `${rel} #${i}`).toBe(true));
    }
    const committed = decodeIcns(read(repoRoot, 'resources/icon.icns'));
    for (const [type, image] of decodeIcns(read(outRoot, 'resources/icon.icns'))) {
      expect(committed.get(type)?.rgba.equals(image.rgba), `icns ${type}`).toBe(true);
    }
  });
});
