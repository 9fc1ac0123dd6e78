/**
 * The evaluation charts as a viewer draws them: rasterized by librsvg's
 * `rsvg-convert`, at the default 640 px width, every piece of text stays on
 * the canvas, no two pieces of text overlap, and the title, axis labels,
 * legend and data marks each keep to their own pixels, so no legend or title
 * hides data.
 *
 * Each chart is fed the longest strings the pipeline produces (a run id as
 * long as a Step Functions execution name, three ROC splits, feature names
 * of 40-odd wide characters), not just tidy samples.
 *
 * Without rsvg-convert (Debian package librsvg2-bin) the suite is skipped on a
 * workstation and fails on CI, where `.ci/run` installs it: layout checks that
 * silently stop running would be worse than none.
 */
import { describe, expect, it } from 'vitest';
import { hitRateSvg, IMPORTANCE_MEASURES, importanceSvg, liftSvg, rocSvg } from '../../../../lambdas/ml/engine/charts.ts';
import { liftByDecile, rocCurve, type DecileLift } from '../../../../lambdas/ml/engine/metrics.ts';
import { seededRandom } from '../../../../lambdas/ml/engine/random.ts';
import { inkBounds, rasterize, rasterizeEach, rsvgConvertAvailable, sharedInk, type Band, type BandRaster, type Drawing, type InkBounds, type Raster } from '../../../support/rasterize-svg.ts';

const random = seededRandom(17);
const labels = Array.from({ length: 4000 }, () => (random() < 0.25 ? 1 : 0));
const scores = labels.map((label) => label * 0.35 + random());
const curve = rocCurve(labels, scores);
/** Step Functions allows execution names of up to 80 characters; the ROC title carries one. */
const longestRunId = `retrain-2026-12-03T18-08-42Z-${'7f3c9a1e4b2d4e8a9c1f2a6b5d8e0f13a9b8c7d6e5f4a3b2c1d0'.slice(0, 51)}`;

/** A top decile whose lift is exactly the axis maximum: its bar reaches the top of the plot, its value label above it. */
const liftAtTheCeiling: DecileLift[] = Array.from({ length: 10 }, (_, index) => {
  const lift = index === 0 ? 5 : index < 3 ? 1 : 0.5;
  return { decile: index + 1, rows: 100, positives: 0, rate: 0, lift, cumulativeLift: lift, cumulativeCapture: Math.min(1, (index + 1) / 4) };
});

const wideFeatureNames = Array.from({ length: 25 }, (_, i) => ({
  feature: i % 2 === 0 ? `WWW_MERCHANT_WEIGHTED_MONTHLY_GMV_MAX_${i}_XYZ` : `seller_orders_late_share_last_90_days_${i}`,
  value: 123_456.7 / (i + 1),
}));

const CHARTS: Record<string, string> = {
  'ROC of three splits under a title with the longest run id': rocSvg(
    ['train', 'test', 'oot'].map((split, index) => ({ label: `gradient-boosting ${split}`, points: curve, auc: 0.91 - index * 0.04 })),
    `seller-churn: ROC of gradient-boosting (run ${longestRunId})`,
  ),
  'ROC of a curve worse than chance, which runs through the bottom-right corner': rocSvg(
    [{ label: 'logistic-regression test', points: rocCurve(labels, scores.map((score) => -score)), auc: 0.2 }],
    'seller-churn: ROC of logistic-regression (run run-1)',
  ),
  'lift by decile of a fitted model': liftSvg(liftByDecile(labels, scores), 'seller-churn: lift by decile, out-of-time (logistic-regression)'),
  'lift with the top bar at the axis maximum': liftSvg(liftAtTheCeiling, 'seller-churn: lift by decile, test (gradient-boosting)'),
  'importance of 25 wide feature names with six-digit values': importanceSvg(wideFeatureNames, 'seller-churn: feature importance (gradient-boosting)'),
  'importance of logistic-regression coefficients': importanceSvg(
    wideFeatureNames.map((item, i) => ({ feature: item.feature, value: 0.0123 * (i + 1) })),
    'seller-churn: feature importance (logistic-regression)',
    20,
    IMPORTANCE_MEASURES['logistic-regression'],
  ),
  'importance with no features': importanceSvg([], 'seller-churn: feature importance (baseline)'),
  'hit rate by k of two candidates, on everyone and on those seen before, one reaching 100%': hitRateSvg(
    [
      { label: 'co-purchase: all 18332 of the held-out period', values: Array.from({ length: 10 }, (_, i) => Math.min(1, 0.1 + i * 0.1)), style: 'bar' },
      { label: 'popularity: all 18332 of the held-out period', values: Array.from({ length: 10 }, (_, i) => 0.08 + i * 0.06), style: 'bar' },
      { label: 'co-purchase: the 536 of them seen before it', values: Array.from({ length: 10 }, (_, i) => 0.05 + i * 0.07), style: 'line' },
      { label: 'popularity: the 536 of them seen before it', values: Array.from({ length: 10 }, (_, i) => 0.1 + i * 0.05), style: 'line' },
    ],
    `purchase-recommendation: hit rate by k, held-out period (run ${longestRunId}; challenger co-purchase)`,
  ),
};

/** The roles the chart module groups its elements by; grid lines and the axis frame belong to none. */
const ROLES = ['title', 'axis-labels', 'ticks', 'legend', 'data'] as const;
type Role = (typeof ROLES)[number];

const ciIsSet = (process.env.CI ?? '') !== '' && !['0', 'false'].includes(process.env.CI!.toLowerCase());
const rasterizerPresent = rsvgConvertAvailable();

it.runIf(ciIsSet)('has rsvg-convert on CI (.ci/run installs librsvg2-bin), so the layout checks cannot silently skip there', () => {
  expect(rasterizerPresent, 'rsvg-convert is not on PATH').toBe(true);
});

const skipNote = rasterizerPresent ? '' : ' (skipped: rsvg-convert not found; install Debian package librsvg2-bin to run)';

describe.skipIf(!rasterizerPresent)(`charts rasterized by rsvg-convert${skipNote}`, () => {
  describe.each(Object.entries(CHARTS))('%s', (_name, svg) => {
    const canvas = canvasSize(svg);

    it('is 640 px wide and renders at its own size', () => {
      const raster = rasterize(svg);
      expect({ width: raster.width, height: raster.height }).toEqual(canvas);
      expect(canvas.width).toBe(640);
    });

    it('draws nothing outside its canvas', () => {
      const margin = 40;
      const raster = rasterize(onLargerCanvas(svg, margin));
      const outside = inkBounds(withCanvasErased(raster, { left: margin, top: margin, right: margin + canvas.width - 1, bottom: margin + canvas.height - 1 }));
      const inCanvasCoordinates = outside && { left: outside.left - margin, top: outside.top - margin, right: outside.right - margin, bottom: outside.bottom - margin };
      expect(inCanvasCoordinates, 'ink outside the canvas').toBeUndefined();
    });

    it('draws its title, labels, legend and data (the font renders, so the checks below see real text)', () => {
      const rasters = drawnAlone(svg, ROLES.map((role) => ({ markup: roleContent(svg, role) })));
      ROLES.forEach((role, index) => expect(inkBounds(rasters[index]!), role).toBeDefined());
    });

    it('keeps the title, axis labels, tick labels, legend and data marks on pixels of their own', () => {
      const drawn = drawnAlone(svg, ROLES.map((role) => ({ markup: roleContent(svg, role) })));
      const rasters = new Map(ROLES.map((role, index) => [role, drawn[index]!] as const));
      const collisions: string[] = [];
      ROLES.forEach((role, index) => {
        for (const other of ROLES.slice(index + 1)) {
          const shared = sharedInk(rasters.get(role)!, rasters.get(other)!);
          if (shared.length > 0) collisions.push(`${role} × ${other}: ${shared.length} px, first at (${shared[0]!.x}, ${shared[0]!.y})`);
        }
      });
      expect(collisions).toEqual([]);
    });

    it('sets no piece of text over another', () => {
      const elements = textElements(svg);
      const rasters = drawnAlone(svg, elements.map((element) => ({ markup: element, band: lineBand(element, canvas) })));
      const boxes = elements.map((element, index) => ({ element, bounds: onCanvas(rasters[index]!, inkBounds(rasters[index]!, 64)) }));
      const overlapping: string[] = [];
      boxes.forEach((a, index) => {
        for (const b of boxes.slice(index + 1)) {
          if (a.bounds && b.bounds && intersects(a.bounds, b.bounds)) overlapping.push(`${textOf(a.element)} × ${textOf(b.element)}`);
        }
      });
      expect(overlapping).toEqual([]);
    });

    it('keeps every legend label inside the legend box', () => {
      const legend = roleContent(svg, 'legend');
      const box = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(legend)!;
      const [left, top, width, height] = box.slice(1).map(Number) as [number, number, number, number];
      const labelInk = inkBounds(drawnAlone(svg, [{ markup: textElements(legend).join('\n') }])[0]!)!;
      expect(labelInk.left).toBeGreaterThanOrEqual(left);
      expect(labelInk.top).toBeGreaterThanOrEqual(top);
      expect(labelInk.right).toBeLessThan(left + width);
      expect(labelInk.bottom).toBeLessThan(top + height);
    });
  });
});

function canvasSize(svg: string): { width: number; height: number } {
  const [, width, height] = /^<svg [^>]*\bwidth="(\d+)" height="(\d+)"/.exec(svg) ?? [];
  if (width === undefined || height === undefined) throw new Error('the chart must state a whole-pixel width and height');
  return { width: Number(width), height: Number(height) };
}

function rootTag(svg: string): string {
  return /^<svg [^>]*>/.exec(svg)![0];
}

/** What the root hands down to the elements that draw text. */
function inheritedAttributes(svg: string): string {
  return [...rootTag(svg).matchAll(/\b(font-family|font-size)="[^"]*"/g)].map((match) => match[0]).join(' ');
}

/** The chart drawn `margin` px in from every edge of a transparent canvas that much larger, nothing clipped at its own edge. */
function onLargerCanvas(svg: string, margin: number): string {
  const { width, height } = canvasSize(svg);
  const inherited = inheritedAttributes(svg);
  const body = svg.slice(rootTag(svg).length, svg.lastIndexOf('</svg>'));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width + 2 * margin}" height="${height + 2 * margin}">`,
    `<g transform="translate(${margin} ${margin})" ${inherited}>`,
    body,
    '</g>',
    '</svg>',
  ].join('\n');
}

function withCanvasErased(raster: Raster, canvas: InkBounds): Raster {
  const pixels = raster.pixels.slice();
  for (let y = canvas.top; y <= canvas.bottom; y += 1) for (let x = canvas.left; x <= canvas.right; x += 1) pixels[(y * raster.width + x) * 4 + 3] = 0;
  return { ...raster, pixels };
}

function roleContent(svg: string, role: Role): string {
  const found = new RegExp(`<g class="${role}">\\n([\\s\\S]*?)\\n?</g>`).exec(svg);
  if (!found) throw new Error(`the chart has no <g class="${role}">`);
  return found[1]!;
}

/** Each drawing rasterized on the chart's canvas with nothing else, not even the background. */
function drawnAlone(svg: string, drawings: readonly Drawing[]): BandRaster[] {
  return rasterizeEach(canvasSize(svg), inheritedAttributes(svg), drawings);
}

/**
 * The rows a single line of unrotated text can ink: its glyphs rise at most
 * about 1.2 em above the baseline (accented capitals) and fall 0.25 em below,
 * so rendering only these rows loses nothing. Rotated text gets the whole canvas.
 */
function lineBand(element: string, canvas: { height: number }): Band | undefined {
  if (/\btransform=/.test(element)) return undefined;
  const baseline = Number(/\by="([-\d.]+)"/.exec(element)![1]);
  const size = Number(/\bfont-size="([\d.]+)"/.exec(element)?.[1] ?? 11);
  const top = Math.max(0, Math.floor(baseline - 1.6 * size));
  const bottom = Math.min(canvas.height, Math.ceil(baseline + 0.6 * size));
  return { top, height: bottom - top };
}

/** Band coordinates as canvas coordinates. */
function onCanvas(raster: BandRaster, bounds: InkBounds | undefined): InkBounds | undefined {
  return bounds && { ...bounds, top: bounds.top + raster.top, bottom: bounds.bottom + raster.top };
}

function textElements(svg: string): string[] {
  return svg.match(/<text\b[^>]*>[^<]*<\/text>/g) ?? [];
}

function textOf(element: string): string {
  return JSON.stringify(/>([^<]*)</.exec(element)![1]);
}

function intersects(a: InkBounds, b: InkBounds): boolean {
  return a.left <= b.right && b.left <= a.right && a.top <= b.bottom && b.top <= a.bottom;
}

