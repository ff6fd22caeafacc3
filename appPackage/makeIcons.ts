/**
 * Draws the app's two Teams icons — a shield with a keyhole, for "access kept safe" — and writes
 * them as PNGs next to this file. Only Node is needed, so anyone can regenerate them:
 *
 *   npx ts-node --transpile-only appPackage/makeIcons.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng, type RgbaImage } from './png';

type Point = readonly [number, number];
type Rgba = readonly [number, number, number, number];
type Region = 'background' | 'shieldLit' | 'shieldShaded';

/** Teams asks for a 192×192 full-colour icon and a 32×32 white-on-transparent outline. */
export const COLOR_ICON_SIZE = 192;
export const OUTLINE_ICON_SIZE = 32;
/** The manifest's accentColor; the colour icon's background uses it so the two match. */
export const ACCENT = '#1f4e8c';

// The glyph lives on a 24-unit grid (the usual icon grid); it spans x 3..21 and y 1..23.
const GLYPH_CENTER: Point = [12, 12];

function cubic(p0: Point, p1: Point, p2: Point, p3: Point, steps: number): Point[] {
  const points: Point[] = [];
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    const a = (1 - t) ** 3;
    const b = 3 * (1 - t) ** 2 * t;
    const c = 3 * (1 - t) * t ** 2;
    const d = t ** 3;
    points.push([a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]]);
  }
  return points;
}

const SHIELD: readonly Point[] = [
  [12, 1],
  [21, 5],
  [21, 11],
  ...cubic([21, 11], [21, 16.55], [17.16, 21.74], [12, 23], 24),
  ...cubic([12, 23], [6.84, 21.74], [3, 16.55], [3, 11], 24),
  [3, 5],
];

const KEYHOLE_CENTER: Point = [12, 10];
const KEYHOLE_RADIUS = 2.6;
const KEYHOLE_SLOT: readonly Point[] = [
  [11, 11],
  [13, 11],
  [13.9, 17.2],
  [10.1, 17.2],
];

function insidePolygon(polygon: readonly Point[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function regionAt(x: number, y: number): Region {
  // Most samples fall outside the shield's box; skipping the polygon test for them halves the time.
  if (x < 3 || x > 21 || y < 1 || y > 23 || !insidePolygon(SHIELD, x, y)) return 'background';
  const inHole = (x - KEYHOLE_CENTER[0]) ** 2 + (y - KEYHOLE_CENTER[1]) ** 2 <= KEYHOLE_RADIUS ** 2 || insidePolygon(KEYHOLE_SLOT, x, y);
  if (inHole) return 'background';
  return x < GLYPH_CENTER[0] ? 'shieldLit' : 'shieldShaded';
}

/**
 * Renders the glyph at `pixelsPerUnit`, centred, averaging samplesPerAxis² samples per pixel
 * (premultiplied) so the edges are smooth at 32 px too.
 */
function drawGlyph(size: number, pixelsPerUnit: number, samplesPerAxis: number, paint: Record<Region, Rgba>): RgbaImage {
  const pixels = new Uint8Array(size * size * 4);
  const samples = samplesPerAxis * samplesPerAxis;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < samplesPerAxis; sy++) {
        for (let sx = 0; sx < samplesPerAxis; sx++) {
          const x = GLYPH_CENTER[0] + (px + (sx + 0.5) / samplesPerAxis - size / 2) / pixelsPerUnit;
          const y = GLYPH_CENTER[1] + (py + (sy + 0.5) / samplesPerAxis - size / 2) / pixelsPerUnit;
          const [cr, cg, cb, ca] = paint[regionAt(x, y)];
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const o = (py * size + px) * 4;
      if (a > 0) {
        pixels[o] = Math.round(r / a);
        pixels[o + 1] = Math.round(g / a);
        pixels[o + 2] = Math.round(b / a);
      }
      pixels[o + 3] = Math.round(a / samples);
    }
  }
  return { width: size, height: size, pixels };
}

function hex(color: string): Rgba {
  const n = Number.parseInt(color.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff, 255];
}

/** White shield, shaded on its right half, on the accent colour; the keyhole shows the accent. */
export function drawColorIcon(): RgbaImage {
  return drawGlyph(COLOR_ICON_SIZE, 5.2, 4, {
    background: hex(ACCENT),
    shieldLit: hex('#ffffff'),
    shieldShaded: hex('#d3e0f2'),
  });
}

/** Teams tints the outline icon itself, so it must be pure white on transparent. */
export function drawOutlineIcon(): RgbaImage {
  const white = hex('#ffffff');
  return drawGlyph(OUTLINE_ICON_SIZE, 30 / 22, 8, {
    background: [255, 255, 255, 0],
    shieldLit: white,
    shieldShaded: white,
  });
}

export function writeIcons(directory: string): { color: string; outline: string } {
  const color = join(directory, 'color.png');
  const outline = join(directory, 'outline.png');
  writeFileSync(color, encodePng(drawColorIcon()));
  writeFileSync(outline, encodePng(drawOutlineIcon()));
  return { color, outline };
}

if (require.main === module) {
  const written = writeIcons(__dirname);
  console.log(`wrote ${written.color} and ${written.outline}`);
}
