#!/usr/bin/env node
// Draws Engawa's icons with no dependencies (Node's zlib only) and writes them under an output root
// (default: the repository):
//   resources/icon.png (512), icon.ico (16–256), icon.icns (16–1024)   app icon, for electron-builder
//   resources/tray/trayTemplate.png, trayTemplate@2x.png              macOS menu bar (black + alpha)
//   resources/tray/tray.png, tray@2x.png, tray.ico                     Linux and Windows tray
//   resources/tray/tray-<state>Template.png/@2x, tray-<state>.png/@2x, tray-<state>.ico
//                                 the same per tray state (the plain icons mean 'running'):
//                                 starting = a ring badge, problem = a filled badge, stopped = dimmed/grey
//   renderer/public/favicon.png                                        the page icon
// The glyph: an indigo rounded square holding a white veranda: a deck board on two short posts.
// Usage: node scripts/make-icons.mjs [output-root]
import { Buffer } from 'node:buffer';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

// ---- shapes, in unit coordinates (0..1 across the icon) ----
const tile = { x0: 0.08, y0: 0.08, x1: 0.92, y1: 0.92, r: 0.2 };
const veranda = [
  { x0: 0.22, y0: 0.5, x1: 0.78, y1: 0.6, r: 0.05 }, // the deck board
  { x0: 0.3, y0: 0.58, x1: 0.37, y1: 0.74, r: 0.025 }, // posts
  { x0: 0.63, y0: 0.58, x1: 0.7, y1: 0.74, r: 0.025 },
];
// tray glyphs are tiny: fill the square and make the veranda bolder
const trayTile = { x0: 0.03, y0: 0.03, x1: 0.97, y1: 0.97, r: 0.22 };
const trayVeranda = [
  { x0: 0.18, y0: 0.46, x1: 0.82, y1: 0.6, r: 0.07 },
  { x0: 0.27, y0: 0.56, x1: 0.38, y1: 0.78, r: 0.04 },
  { x0: 0.62, y0: 0.56, x1: 0.73, y1: 0.78, r: 0.04 },
];

const INDIGO_TOP = [99, 102, 241];
const INDIGO_BOTTOM = [67, 56, 202];
const WHITE = [255, 255, 255];
const BLACK = [0, 0, 0];

/** True when (x, y) lies inside the rounded rectangle. */
function inside(s, x, y) {
  const cx = Math.min(Math.max(x, s.x0 + s.r), s.x1 - s.r);
  const cy = Math.min(Math.max(y, s.y0 + s.r), s.y1 - s.r);
  return x >= s.x0 && x <= s.x1 && y >= s.y0 && y <= s.y1 && (x - cx) ** 2 + (y - cy) ** 2 <= s.r * s.r;
}

/**
 * Renders layers into straight RGBA. A layer is { shapes, color(y) } painted over what is below,
 * or { shapes, erase: true } which cuts its shapes out. Edges are anti-aliased by supersampling.
 */
function render(size, layers) {
  const ss = size >= 256 ? 3 : 8;
  const rgba = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (const layer of layers) {
        let hits = 0;
        for (let sy = 0; sy < ss; sy++) {
          for (let sx = 0; sx < ss; sx++) {
            const x = (px + (sx + 0.5) / ss) / size;
            const y = (py + (sy + 0.5) / ss) / size;
            if (layer.shapes.some((s) => inside(s, x, y))) hits++;
          }
        }
        const cover = hits / (ss * ss);
        if (cover === 0) continue;
        if (layer.erase) {
          a *= 1 - cover;
          continue;
        }
        const c = layer.color((py + 0.5) / size);
        const na = cover + a * (1 - cover);
        [r, g, b] = [0, 1, 2].map((i) => (c[i] * cover + [r, g, b][i] * a * (1 - cover)) / na);
        a = na;
      }
      const o = (py * size + px) * 4;
      rgba.set([Math.round(r), Math.round(g), Math.round(b), Math.round(a * 255)], o);
    }
  }
  return rgba;
}

const gradient = (y) => INDIGO_TOP.map((t, i) => t + (INDIGO_BOTTOM[i] - t) * y);
const appIcon = (size) =>
  render(size, [
    { shapes: [tile], color: gradient },
    { shapes: veranda, color: () => WHITE },
  ]);
const colourTray = (size) =>
  render(size, [
    { shapes: [trayTile], color: gradient },
    { shapes: trayVeranda, color: () => WHITE },
  ]);
const templateTray = (size) =>
  render(size, [
    { shapes: [trayTile], color: () => BLACK },
    { shapes: trayVeranda, erase: true },
  ]);

// ---- tray states: a badge in the lower right corner, or a dimmed glyph ----
const circle = (cx, cy, r) => ({ x0: cx - r, y0: cy - r, x1: cx + r, y1: cy + r, r });
const BADGE = { gap: circle(0.78, 0.78, 0.27), dot: circle(0.78, 0.78, 0.2), hole: circle(0.78, 0.78, 0.1) };
const AMBER = [245, 158, 11];
const RED = [220, 38, 38];
const GREY_TOP = [156, 163, 175];
const GREY_BOTTOM = [107, 114, 128];
const grey = (y) => GREY_TOP.map((t, i) => t + (GREY_BOTTOM[i] - t) * y);

/** Multiplies every pixel's alpha by `factor` (a dimmed template image). */
function dim(rgba, factor) {
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = Math.round(rgba[i] * factor);
  return rgba;
}

/** The layers of a tray glyph (template: black and alpha only) in a state other than running. */
function stateTray(size, state, template) {
  const tileColour = template ? () => BLACK : state === 'stopped' ? grey : gradient;
  const base = template
    ? [
        { shapes: [trayTile], color: tileColour },
        { shapes: trayVeranda, erase: true },
      ]
    : [
        { shapes: [trayTile], color: tileColour },
        { shapes: trayVeranda, color: () => WHITE },
      ];
  if (state === 'stopped') return template ? dim(render(size, base), 0.45) : render(size, base);
  const badge = state === 'problem' ? RED : AMBER;
  const colour = template ? () => BLACK : () => badge;
  const layers = [...base, { shapes: [BADGE.gap], erase: true }, { shapes: [BADGE.dot], color: colour }];
  if (state === 'starting') layers.push({ shapes: [BADGE.hole], erase: true });
  return render(size, layers);
}

const TRAY_STATES = ['starting', 'stopped', 'problem'];

// ---- file formats ----
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Encodes straight RGBA pixels as an 8-bit RGBA PNG. */
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // depth 8, colour type RGBA, deflate, no filter method, no interlace
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) raw.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** A Windows .ico holding one PNG per size (supported since Windows Vista). */
function encodeIco(images) {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    const e = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, e); // 0 means 256
    header.writeUInt8(size >= 256 ? 0 : size, e + 1);
    header.writeUInt16LE(1, e + 4); // colour planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((i) => i.png)]);
}

/** A macOS .icns holding PNG entries (OSType codes as written by iconutil). */
function encodeIcns(entries) {
  const parts = entries.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + parts.reduce((n, p) => n + p.length, 0), 4);
  return Buffer.concat([head, ...parts]);
}

// ---- output ----
function writeIcons(outRoot) {
  const cache = new Map();
  const app = (size) => {
    if (!cache.has(size)) cache.set(size, encodePng(size, appIcon(size)));
    return cache.get(size);
  };
  const files = {
    'resources/icon.png': app(512),
    'resources/icon.ico': encodeIco([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, png: app(size) }))),
    'resources/icon.icns': encodeIcns(
      [
        ['icp4', 16],
        ['icp5', 32],
        ['ic07', 128],
        ['ic08', 256],
        ['ic09', 512],
        ['ic10', 1024],
        ['ic11', 32],
        ['ic12', 64],
        ['ic13', 256],
        ['ic14', 512],
      ].map(([type, size]) => ({ type, png: app(size) })),
    ),
    'resources/tray/trayTemplate.png': encodePng(16, templateTray(16)),
    'resources/tray/trayTemplate@2x.png': encodePng(32, templateTray(32)),
    'resources/tray/tray.png': encodePng(24, colourTray(24)),
    'resources/tray/tray@2x.png': encodePng(48, colourTray(48)),
    'resources/tray/tray.ico': encodeIco([16, 20, 24, 32, 48].map((size) => ({ size, png: encodePng(size, colourTray(size)) }))),
    'renderer/public/favicon.png': app(64),
  };
  for (const state of TRAY_STATES) {
    files[`resources/tray/tray-${state}Template.png`] = encodePng(16, stateTray(16, state, true));
    files[`resources/tray/tray-${state}Template@2x.png`] = encodePng(32, stateTray(32, state, true));
    files[`resources/tray/tray-${state}.png`] = encodePng(24, stateTray(24, state, false));
    files[`resources/tray/tray-${state}@2x.png`] = encodePng(48, stateTray(48, state, false));
    files[`resources/tray/tray-${state}.ico`] = encodeIco([16, 20, 24, 32, 48].map((size) => ({ size, png: encodePng(size, stateTray(size, state, false)) })));
  }
  for (const [rel, data] of Object.entries(files)) {
    const file = path.join(outRoot, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
  }
  return Object.keys(files);
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const written = writeIcons(path.resolve(process.argv[2] ?? repoRoot));
console.log(`make-icons: wrote ${written.length} files`);
