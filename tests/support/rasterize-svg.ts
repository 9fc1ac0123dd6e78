/**
 * SVG rendered to pixels by a real rasterizer, librsvg's `rsvg-convert`
 * (Debian package librsvg2-bin), so a layout test sees the glyphs a viewer
 * draws rather than the widths the chart code guessed for them.
 *
 * The PNG reader is deliberately tiny: rsvg-convert writes 8-bit RGBA (or
 * RGB when nothing is transparent), non-interlaced, and that is all it accepts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { inflateSync } from 'node:zlib';

export interface Raster {
  width: number;
  height: number;
  /** RGBA, four bytes a pixel, rows top to bottom. */
  pixels: Uint8Array;
}

/** Pixel-inclusive bounds of what was drawn; undefined when nothing was. */
export interface InkBounds {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Whether `rsvg-convert` runs here; CI must have it, a workstation may not. */
export function rsvgConvertAvailable(): boolean {
  const probe = spawnSync('rsvg-convert', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** The SVG drawn at its own width and height, on a transparent background. */
export function rasterize(svg: string): Raster {
  const png = execFileSync('rsvg-convert', ['--format=png'], { input: svg, maxBuffer: 64 * 1024 * 1024 });
  return decodePng(png);
}

/** cairo, which draws for librsvg, refuses images taller than 32767 px. */
const TALLEST_IMAGE = 30_000;

/** Rows `top` to `top + height` of a canvas: all of a drawing that matters, when it is known to draw nowhere else. */
export interface Band {
  top: number;
  height: number;
}

export interface Drawing {
  markup: string;
  /** The whole canvas when absent. */
  band?: Band;
}

/** A drawing's pixels over its band; row 0 is canvas row `top`. */
export type BandRaster = Raster & { top: number };

/**
 * Several drawings on one canvas, each rasterized as if alone: they are
 * stacked as clipped tiles into as few rsvg-convert runs as the rasterizer's
 * size limit allows, because starting rsvg-convert costs some 70 ms and
 * drawing a label next to nothing, and a drawing confined to a band of rows
 * is rendered over that band only. `attributes` are the presentation
 * attributes the drawings inherit from their own root (font-family, …).
 */
export function rasterizeEach(canvas: { width: number; height: number }, attributes: string, drawings: readonly Drawing[]): BandRaster[] {
  const bands = drawings.map((drawing) => drawing.band ?? { top: 0, height: canvas.height });
  const rasters: BandRaster[] = [];
  for (let first = 0; first < drawings.length; ) {
    let last = first;
    let stackedHeight = bands[first]!.height;
    while (last + 1 < drawings.length && stackedHeight + bands[last + 1]!.height <= TALLEST_IMAGE) stackedHeight += bands[++last]!.height;
    const tiles: string[] = [];
    const clips: string[] = [];
    let offset = 0;
    for (let index = first; index <= last; index += 1) {
      const band = bands[index]!;
      clips.push(`<clipPath id="tile-${index}"><rect x="0" y="${band.top}" width="${canvas.width}" height="${band.height}"/></clipPath>`);
      tiles.push(`<g transform="translate(0 ${offset - band.top})"><g clip-path="url(#tile-${index})" ${attributes}>\n${drawings[index]!.markup}\n</g></g>`);
      offset += band.height;
    }
    const stacked = rasterize(
      [`<svg xmlns="http://www.w3.org/2000/svg" width="${canvas.width}" height="${stackedHeight}">`, `<defs>${clips.join('')}</defs>`, ...tiles, '</svg>'].join('\n'),
    );
    let row = 0;
    for (let index = first; index <= last; index += 1) {
      const band = bands[index]!;
      const bytes = stacked.pixels.subarray(row * canvas.width * 4, (row + band.height) * canvas.width * 4);
      rasters.push({ width: canvas.width, height: band.height, top: band.top, pixels: bytes });
      row += band.height;
    }
    first = last + 1;
  }
  return rasters;
}

/** Alpha of one pixel, 0 (nothing drawn) to 255. */
export function alphaAt(raster: Raster, x: number, y: number): number {
  return raster.pixels[(y * raster.width + x) * 4 + 3]!;
}

/** The box around every pixel at least `minimumAlpha` opaque. */
export function inkBounds(raster: Raster, minimumAlpha = 1): InkBounds | undefined {
  const { width, height, pixels } = raster;
  let bounds: InkBounds | undefined;
  for (let y = 0; y < height; y += 1) {
    const rowStart = y * width * 4 + 3;
    for (let x = 0, alpha = rowStart; x < width; x += 1, alpha += 4) {
      if (pixels[alpha]! < minimumAlpha) continue;
      if (!bounds) bounds = { left: x, top: y, right: x, bottom: y };
      else {
        if (x < bounds.left) bounds.left = x;
        if (x > bounds.right) bounds.right = x;
        bounds.bottom = y;
      }
    }
  }
  return bounds;
}

/** Pixels that both rasters (of the same size) draw at least `minimumAlpha` opaque. */
export function sharedInk(a: Raster, b: Raster, minimumAlpha = 64): { x: number; y: number }[] {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`rasters differ in size: ${a.width}×${a.height} and ${b.width}×${b.height}`);
  const shared: { x: number; y: number }[] = [];
  for (let y = 0; y < a.height; y += 1) {
    for (let x = 0; x < a.width; x += 1) {
      if (alphaAt(a, x, y) >= minimumAlpha && alphaAt(b, x, y) >= minimumAlpha) shared.push({ x, y });
    }
  }
  return shared;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function decodePng(png: Buffer): Raster {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG');
  let width = 0;
  let height = 0;
  let channels = 4;
  const compressed: Buffer[] = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [bitDepth, colorType, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (bitDepth !== 8 || (colorType !== 6 && colorType !== 2) || interlace !== 0) {
        throw new Error(`only 8-bit non-interlaced RGB or RGBA PNG is read, got bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`);
      }
      channels = colorType === 6 ? 4 : 3;
    } else if (type === 'IDAT') compressed.push(data);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const decoded = unfilter(inflateSync(Buffer.concat(compressed)), width, height, channels);
  return { width, height, pixels: channels === 4 ? decoded : withOpaqueAlpha(decoded) };
}

/** RGB as RGBA: an opaque render (rsvg-convert writes RGB when nothing is transparent) is opaque everywhere. */
function withOpaqueAlpha(rgb: Uint8Array): Uint8Array {
  const rgba = new Uint8Array((rgb.length / 3) * 4);
  for (let source = 0, target = 0; source < rgb.length; source += 3, target += 4) {
    rgba[target] = rgb[source]!;
    rgba[target + 1] = rgb[source + 1]!;
    rgba[target + 2] = rgb[source + 2]!;
    rgba[target + 3] = 255;
  }
  return rgba;
}

/** Undoes PNG's per-row prediction filters (None, Sub, Up, Average, Paeth), one tight loop per filter: the images here are tens of megabytes. */
function unfilter(filtered: Buffer, width: number, height: number, bytesPerPixel: number): Uint8Array {
  const stride = width * bytesPerPixel;
  const out = new Uint8Array(stride * height);
  const bpp = bytesPerPixel;
  for (let y = 0; y < height; y += 1) {
    const filter = filtered[y * (stride + 1)]!;
    const source = y * (stride + 1) + 1;
    const row = y * stride;
    const above = row - stride;
    if (filter === 0) out.set(filtered.subarray(source, source + stride), row);
    else if (filter === 1) {
      for (let i = 0; i < stride; i += 1) out[row + i] = (filtered[source + i]! + (i >= bpp ? out[row + i - bpp]! : 0)) & 0xff;
    } else if (filter === 2) {
      if (y === 0) out.set(filtered.subarray(source, source + stride), row);
      else for (let i = 0; i < stride; i += 1) out[row + i] = (filtered[source + i]! + out[above + i]!) & 0xff;
    } else if (filter === 3) {
      for (let i = 0; i < stride; i += 1) {
        const left = i >= bpp ? out[row + i - bpp]! : 0;
        const up = y > 0 ? out[above + i]! : 0;
        out[row + i] = (filtered[source + i]! + ((left + up) >> 1)) & 0xff;
      }
    } else if (filter === 4) {
      for (let i = 0; i < stride; i += 1) {
        const left = i >= bpp ? out[row + i - bpp]! : 0;
        const up = y > 0 ? out[above + i]! : 0;
        const upLeft = y > 0 && i >= bpp ? out[above + i - bpp]! : 0;
        out[row + i] = (filtered[source + i]! + paeth(left, up, upLeft)) & 0xff;
      }
    } else throw new Error(`unknown PNG filter ${filter} on row ${y}`);
  }
  return out;
}

function paeth(left: number, up: number, upLeft: number): number {
  const estimate = left + up - upLeft;
  const toLeft = Math.abs(estimate - left);
  const toUp = Math.abs(estimate - up);
  const toUpLeft = Math.abs(estimate - upLeft);
  if (toLeft <= toUp && toLeft <= toUpLeft) return left;
  return toUp <= toUpLeft ? up : upLeft;
}
