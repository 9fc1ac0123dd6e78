/**
 * The evaluation's charts as standalone SVG strings: ROC curves, lift by
 * decile and feature importance, written next to the model's metrics and
 * opened straight from the lake or the tracking server's artifact view.
 *
 * Standalone means no external font, stylesheet or script, so the file renders
 * the same anywhere and is safe to serve. Every coordinate is rounded to two
 * decimals and nothing depends on time or locale, so the same evaluation
 * yields the same bytes: a chart changes in a diff only when the model does.
 */
import type { DecileLift, RocPoint } from './metrics.ts';

export interface RocSeries {
  label: string;
  points: readonly Pick<RocPoint, 'fpr' | 'tpr'>[];
  auc: number;
}

export interface ImportanceItem {
  feature: string;
  value: number;
}

const WIDTH = 640;
const HEIGHT = 480;
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const GRID = '#e5e5e5';
const AXIS = '#333333';
const MUTED = '#888888';

/** ROC curves of one or more series on a shared unit square, with the chance diagonal. */
export function rocSvg(curves: readonly RocSeries[], title: string): string {
  const plot = { left: 64, right: WIDTH - 24, top: 48, bottom: HEIGHT - 64 };
  const x = (fpr: number): number => plot.left + fpr * (plot.right - plot.left);
  const y = (tpr: number): number => plot.bottom - tpr * (plot.bottom - plot.top);
  const parts: string[] = [];
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  for (let i = 0; i <= 10; i += 1) {
    const value = i / 10;
    parts.push(line(x(value), plot.top, x(value), plot.bottom, GRID), line(plot.left, y(value), plot.right, y(value), GRID));
  }
  for (const tick of ticks) {
    parts.push(text(x(tick), plot.bottom + 18, tick.toFixed(1), { anchor: 'middle' }));
    parts.push(text(plot.left - 8, y(tick) + 4, tick.toFixed(1), { anchor: 'end' }));
  }
  parts.push(axes(plot));
  parts.push(line(x(0), y(0), x(1), y(1), MUTED, { dash: '6 4' }));
  curves.forEach((curve, index) => {
    const coordinates = simplifyPath(curve.points.map((point) => [x(point.fpr), y(point.tpr)] as const));
    parts.push(
      `<polyline fill="none" stroke="${PALETTE[index % PALETTE.length]}" stroke-width="2" points="${coordinates.map(([px, py]) => `${num(px)},${num(py)}`).join(' ')}"/>`,
    );
  });
  parts.push(text((plot.left + plot.right) / 2, HEIGHT - 24, 'False positive rate', { anchor: 'middle', size: 13 }));
  parts.push(verticalLabel(18, (plot.top + plot.bottom) / 2, 'True positive rate'));
  parts.push(
    legend(plot.right - 12, plot.bottom - 12, 'bottom-right', [
      ...curves.map((curve, index) => ({ label: `${curve.label} (AUC ${curve.auc.toFixed(3)})`, swatch: 'line' as const, color: PALETTE[index % PALETTE.length]! })),
      { label: 'Chance (AUC 0.500)', swatch: 'dashed' as const, color: MUTED },
    ]),
  );
  return document(title, parts);
}

/** Lift of each decile as bars against the baseline of 1, with the cumulative share of positives captured as a line. */
export function liftSvg(deciles: readonly DecileLift[], title: string): string {
  const plot = { left: 64, right: WIDTH - 64, top: 48, bottom: HEIGHT - 64 };
  const maxLift = niceCeiling(Math.max(2, ...deciles.map((decile) => decile.lift)));
  const slot = (plot.right - plot.left) / Math.max(deciles.length, 1);
  const x = (index: number): number => plot.left + (index + 0.5) * slot;
  const yLift = (lift: number): number => plot.bottom - (lift / maxLift) * (plot.bottom - plot.top);
  const yShare = (share: number): number => plot.bottom - share * (plot.bottom - plot.top);
  const parts: string[] = [];
  for (const tick of ticksUpTo(maxLift)) {
    parts.push(line(plot.left, yLift(tick), plot.right, yLift(tick), GRID));
    parts.push(text(plot.left - 8, yLift(tick) + 4, formatTick(tick), { anchor: 'end' }));
  }
  for (let percent = 0; percent <= 100; percent += 20) {
    parts.push(text(plot.right + 8, yShare(percent / 100) + 4, `${percent}%`, { anchor: 'start' }));
  }
  parts.push(axes(plot));
  parts.push(line(plot.right, plot.top, plot.right, plot.bottom, AXIS));
  const barWidth = slot * 0.7;
  deciles.forEach((decile, index) => {
    const top = yLift(decile.lift);
    parts.push(
      `<rect x="${num(x(index) - barWidth / 2)}" y="${num(top)}" width="${num(barWidth)}" height="${num(plot.bottom - top)}" fill="${PALETTE[0]}" fill-opacity="0.8"/>`,
    );
    parts.push(text(x(index), top - 4, decile.lift.toFixed(2), { anchor: 'middle', size: 10 }));
    parts.push(text(x(index), plot.bottom + 18, String(decile.decile), { anchor: 'middle' }));
  });
  parts.push(line(plot.left, yLift(1), plot.right, yLift(1), AXIS, { dash: '6 4' }));
  const capture = deciles.map((decile, index) => [x(index), yShare(decile.cumulativeCapture)] as const);
  parts.push(`<polyline fill="none" stroke="${PALETTE[1]}" stroke-width="2" points="${capture.map(([px, py]) => `${num(px)},${num(py)}`).join(' ')}"/>`);
  for (const [px, py] of capture) parts.push(`<circle cx="${num(px)}" cy="${num(py)}" r="3" fill="${PALETTE[1]}"/>`);
  parts.push(text((plot.left + plot.right) / 2, HEIGHT - 24, 'Decile (1 = highest scores)', { anchor: 'middle', size: 13 }));
  parts.push(verticalLabel(18, (plot.top + plot.bottom) / 2, 'Lift'));
  parts.push(verticalLabel(WIDTH - 12, (plot.top + plot.bottom) / 2, 'Cumulative capture of positives'));
  parts.push(
    // Middle right: the high bars sit left, the capture line runs high on the right, the low bars stay low.
    legend(plot.right - 12, (plot.top + plot.bottom) / 2, 'middle-right', [
      { label: 'Lift', swatch: 'bar', color: PALETTE[0]! },
      { label: 'Cumulative capture', swatch: 'line', color: PALETTE[1]! },
      { label: 'Baseline (lift 1)', swatch: 'dashed', color: AXIS },
    ]),
  );
  return document(title, parts);
}

/** The `top` largest values as horizontal bars, largest first. */
export function importanceSvg(items: readonly ImportanceItem[], title: string, top = 20, valueLabel = 'Importance'): string {
  const shown = items
    .map((item, index) => ({ ...item, index }))
    .sort((a, b) => b.value - a.value || a.index - b.index)
    .slice(0, top);
  const rowHeight = 22;
  const labels = shown.map((item) => truncate(item.feature, 40));
  const labelWidth = Math.min(280, Math.max(80, ...labels.map((label) => label.length * 7)));
  const plot = { left: labelWidth + 16, right: WIDTH - 72, top: 48, bottom: 48 + Math.max(shown.length, 1) * rowHeight };
  const height = plot.bottom + 96;
  const maxValue = niceCeiling(Math.max(0, ...shown.map((item) => item.value)));
  const x = (value: number): number => plot.left + (maxValue === 0 ? 0 : (Math.max(value, 0) / maxValue) * (plot.right - plot.left));
  const parts: string[] = [];
  for (const tick of ticksUpTo(maxValue)) {
    parts.push(line(x(tick), plot.top, x(tick), plot.bottom, GRID));
    parts.push(text(x(tick), plot.bottom + 18, formatTick(tick), { anchor: 'middle' }));
  }
  parts.push(axes(plot));
  shown.forEach((item, index) => {
    const rowTop = plot.top + index * rowHeight;
    parts.push(text(plot.left - 8, rowTop + rowHeight / 2 + 4, labels[index]!, { anchor: 'end' }));
    parts.push(`<rect x="${num(plot.left)}" y="${num(rowTop + 3)}" width="${num(x(item.value) - plot.left)}" height="${num(rowHeight - 6)}" fill="${PALETTE[0]}" fill-opacity="0.8"/>`);
    parts.push(text(x(item.value) + 4, rowTop + rowHeight / 2 + 4, formatValue(item.value), { anchor: 'start', size: 10 }));
  });
  if (shown.length === 0) parts.push(text((plot.left + plot.right) / 2, plot.top + rowHeight / 2 + 4, 'no features', { anchor: 'middle', color: MUTED }));
  parts.push(text((plot.left + plot.right) / 2, plot.bottom + 40, valueLabel, { anchor: 'middle', size: 13 }));
  parts.push(legend(plot.right, plot.bottom + 56, 'top-right', [{ label: `${valueLabel} (top ${shown.length} of ${items.length})`, swatch: 'bar', color: PALETTE[0]! }]));
  return document(title, parts, height);
}

/** Text safe inside an XML element or a double-quoted attribute. */
export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

// ---------------------------------------------------------------- building blocks

interface Plot {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

interface LegendEntry {
  label: string;
  swatch: 'line' | 'dashed' | 'bar';
  color: string;
}

function document(title: string, parts: readonly string[], height = HEIGHT): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${num(height)}" width="${WIDTH}" height="${num(height)}" font-family="sans-serif" font-size="11" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${num(height)}" fill="#ffffff"/>`,
    text(WIDTH / 2, 28, title, { anchor: 'middle', size: 15, weight: 'bold' }),
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function axes(plot: Plot): string {
  return [line(plot.left, plot.top, plot.left, plot.bottom, AXIS), line(plot.left, plot.bottom, plot.right, plot.bottom, AXIS)].join('\n');
}

function line(x1: number, y1: number, x2: number, y2: number, color: string, options: { dash?: string } = {}): string {
  const dash = options.dash === undefined ? '' : ` stroke-dasharray="${options.dash}"`;
  return `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${color}" stroke-width="1"${dash}/>`;
}

function text(
  x: number,
  y: number,
  content: string,
  options: { anchor?: 'start' | 'middle' | 'end'; size?: number; weight?: string; color?: string } = {},
): string {
  const size = options.size === undefined ? '' : ` font-size="${options.size}"`;
  const weight = options.weight === undefined ? '' : ` font-weight="${options.weight}"`;
  return `<text x="${num(x)}" y="${num(y)}" text-anchor="${options.anchor ?? 'start'}" fill="${options.color ?? AXIS}"${size}${weight}>${escapeXml(content)}</text>`;
}

function verticalLabel(x: number, y: number, content: string): string {
  return `<text x="${num(x)}" y="${num(y)}" text-anchor="middle" fill="${AXIS}" font-size="13" transform="rotate(-90 ${num(x)} ${num(y)})">${escapeXml(content)}</text>`;
}

/** A boxed legend anchored at a plot corner; its width follows the longest label (about 6.5 px per character at 11 px). */
function legend(anchorX: number, anchorY: number, corner: 'top-right' | 'middle-right' | 'bottom-right', entries: readonly LegendEntry[]): string {
  const rowHeight = 18;
  const width = 44 + Math.max(...entries.map((entry) => entry.label.length)) * 6.5;
  const height = entries.length * rowHeight + 8;
  const left = anchorX - width;
  const top = corner === 'top-right' ? anchorY : corner === 'middle-right' ? anchorY - height / 2 : anchorY - height;
  const parts = [`<g class="legend">`, `<rect x="${num(left)}" y="${num(top)}" width="${num(width)}" height="${num(height)}" fill="#ffffff" fill-opacity="0.9" stroke="${GRID}"/>`];
  entries.forEach((entry, index) => {
    const middle = top + 4 + index * rowHeight + rowHeight / 2;
    if (entry.swatch === 'bar') {
      parts.push(`<rect x="${num(left + 8)}" y="${num(middle - 5)}" width="24" height="10" fill="${entry.color}" fill-opacity="0.8"/>`);
    } else {
      parts.push(line(left + 8, middle, left + 32, middle, entry.color, entry.swatch === 'dashed' ? { dash: '6 4' } : {}).replace('stroke-width="1"', 'stroke-width="2"'));
    }
    parts.push(text(left + 38, middle + 4, entry.label));
  });
  parts.push('</g>');
  return parts.join('\n');
}

/**
 * Pixel coordinates rounded as they will be written, consecutive duplicates
 * dropped, and the inner points of straight horizontal or vertical runs
 * dropped: a 40k-row ROC curve becomes a few hundred points that draw the same.
 */
function simplifyPath(points: readonly (readonly [number, number])[]): [number, number][] {
  const rounded: [number, number][] = [];
  for (const [px, py] of points) {
    const point: [number, number] = [round2(px), round2(py)];
    const last = rounded[rounded.length - 1];
    if (last && last[0] === point[0] && last[1] === point[1]) continue;
    rounded.push(point);
  }
  const kept: [number, number][] = [];
  for (const point of rounded) {
    const previous = kept[kept.length - 1];
    const beforePrevious = kept[kept.length - 2];
    if (
      previous &&
      beforePrevious &&
      ((beforePrevious[0] === previous[0] && previous[0] === point[0]) || (beforePrevious[1] === previous[1] && previous[1] === point[1]))
    ) {
      kept[kept.length - 1] = point;
    } else {
      kept.push(point);
    }
  }
  return kept;
}

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above the value (1 for nothing to show). */
function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value * (1 - 1e-12)) return step * magnitude;
  return 10 * magnitude;
}

/** Five equal steps from 0 to a nice maximum. */
function ticksUpTo(maximum: number): number[] {
  return Array.from({ length: 6 }, (_, i) => (maximum * i) / 5);
}

function formatTick(value: number): string {
  return String(Number(value.toPrecision(4)));
}

function formatValue(value: number): string {
  if (value === 0) return '0';
  return Math.abs(value) >= 1000 ? String(Math.round(value)) : String(Number(value.toPrecision(3)));
}

function truncate(label: string, length: number): string {
  return label.length <= length ? label : `${label.slice(0, length - 1)}…`;
}

function round2(value: number): number {
  const rounded = Math.round(value * 100) / 100;
  return rounded === 0 ? 0 : rounded;
}

/** A coordinate as written: two decimals at most, never "-0". */
function num(value: number): string {
  return String(round2(value));
}
