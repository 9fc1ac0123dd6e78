/**
 * The evaluation's charts as standalone SVG strings: ROC curves, lift by
 * decile, feature importance and a ranker's hit rate by k, written next to the model's metrics and
 * opened straight from the lake or the tracking server's artifact view.
 *
 * Standalone means no external font, stylesheet or script, so the file renders
 * the same anywhere and is safe to serve. Every coordinate is rounded to two
 * decimals and nothing depends on time or locale, so the same evaluation
 * yields the same bytes: a chart changes in a diff only when the model does.
 *
 * Each chart is laid out top to bottom: title, plot, tick labels, axis label,
 * legend. The legend sits below the plot rather than in a corner of it, so no
 * data can ever fall under it, and the canvas grows by what the title and
 * legend need instead of cutting them off. Text widths are measured with
 * DejaVu Sans's advances (see textWidth), and every element belongs to a
 * role group (title, axis-labels, ticks, legend, data) so that a layout test
 * can rasterize each role alone.
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

/** What each learner's importance numbers are: the value axis of its importance chart. */
export const IMPORTANCE_MEASURES = {
  // XGBoost's total_gain: the feature's split gains summed over all trees; each gain is twice the second-order
  // estimate of the training log-loss it removes (XGBoost drops the ½), summed over the rows of the split.
  'gradient-boosting': 'Total split gain (summed log-loss reduction, XGBoost total_gain)',
  // The fit standardizes features, so each weight is log-odds per standard deviation.
  'logistic-regression': '|Standardized coefficient| (change in log-odds per standard deviation)',
} as const;

/** Without a measure from the caller the chart cannot tell which learner's numbers it has, so it names both the evaluation passes. */
const DEFAULT_IMPORTANCE_LABEL =
  'Importance. Gradient boosting: total split gain (summed log-loss reduction)\nLogistic regression: |standardized coefficient| (log-odds per SD)';

const WIDTH = 640;
/** The margin the layout keeps between its text and the canvas edge. */
const EDGE = 12;
const PLOT_HEIGHT = 368;
const TITLE_SIZE = 15;
const AXIS_LABEL_SIZE = 13;
const TICK_SIZE = 11;
const VALUE_SIZE = 10;
const LINE_GAP = 1.3;
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const GRID = '#e5e5e5';
const AXIS = '#333333';
const MUTED = '#888888';

/** ROC curves of one or more series on a shared unit square, with the chance diagonal. */
export function rocSvg(curves: readonly RocSeries[], title: string): string {
  const header = titleBlock(title);
  const plot = { left: 64, right: WIDTH - 24, top: header.bottom + 16, bottom: header.bottom + 16 + PLOT_HEIGHT };
  const x = (fpr: number): number => plot.left + fpr * (plot.right - plot.left);
  const y = (tpr: number): number => plot.bottom - tpr * (plot.bottom - plot.top);
  const grid: string[] = [];
  const ticks: string[] = [];
  for (let i = 0; i <= 10; i += 1) {
    const value = i / 10;
    grid.push(line(x(value), plot.top, x(value), plot.bottom, GRID), line(plot.left, y(value), plot.right, y(value), GRID));
  }
  for (const tick of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    ticks.push(text(x(tick), plot.bottom + 18, tick.toFixed(1), { anchor: 'middle' }));
    ticks.push(text(plot.left - 8, y(tick) + 4, tick.toFixed(1), { anchor: 'end' }));
  }
  const data = [line(x(0), y(0), x(1), y(1), MUTED, { dash: '6 4' })];
  curves.forEach((curve, index) => {
    const coordinates = simplifyPath(curve.points.map((point) => [x(point.fpr), y(point.tpr)] as const));
    data.push(
      `<polyline fill="none" stroke="${PALETTE[index % PALETTE.length]}" stroke-width="2" points="${coordinates.map(([px, py]) => `${num(px)},${num(py)}`).join(' ')}"/>`,
    );
  });
  const xLabel = horizontalAxisLabel(plot, plot.bottom + 40, 'False positive rate (fraction of negatives flagged, 0–1)');
  const legendBlock = legend(xLabel.bottom + 12, [
    ...curves.map((curve, index) => ({ label: `${curve.label} (AUC ${curve.auc.toFixed(3)})`, swatch: 'line' as const, color: PALETTE[index % PALETTE.length]! })),
    { label: 'Chance (AUC 0.500)', swatch: 'dashed' as const, color: MUTED },
  ]);
  return document(title, legendBlock.bottom + EDGE, [
    header.svg,
    group('grid', grid),
    group('ticks', ticks),
    axes(plot),
    group('data', data),
    group('axis-labels', [xLabel.svg, verticalLabel(EDGE + 10, plot, 'True positive rate (fraction of positives flagged, 0–1)')]),
    legendBlock.svg,
  ]);
}

/** Lift of each decile as bars against the baseline of 1, with the cumulative share of positives captured as a line. */
export function liftSvg(deciles: readonly DecileLift[], title: string): string {
  const header = titleBlock(title);
  // Room above the plot for the value label of a bar that reaches the top.
  const plot = { left: 64, right: WIDTH - 72, top: header.bottom + 24, bottom: header.bottom + 24 + PLOT_HEIGHT };
  const maxLift = niceCeiling(Math.max(2, ...deciles.map((decile) => decile.lift)));
  const slot = (plot.right - plot.left) / Math.max(deciles.length, 1);
  const x = (index: number): number => plot.left + (index + 0.5) * slot;
  const yLift = (lift: number): number => plot.bottom - (lift / maxLift) * (plot.bottom - plot.top);
  const yShare = (share: number): number => plot.bottom - share * (plot.bottom - plot.top);
  const grid: string[] = [];
  const ticks: string[] = [];
  for (const tick of ticksUpTo(maxLift)) {
    grid.push(line(plot.left, yLift(tick), plot.right, yLift(tick), GRID));
    ticks.push(text(plot.left - 8, yLift(tick) + 4, formatTick(tick), { anchor: 'end' }));
  }
  for (let percent = 0; percent <= 100; percent += 20) {
    ticks.push(text(plot.right + 8, yShare(percent / 100) + 4, `${percent}%`, { anchor: 'start' }));
  }
  const data: string[] = [];
  // Drawn last, with a white halo, so that the baseline and the capture line never cross out a value.
  const valueLabels: string[] = [];
  const barWidth = slot * 0.7;
  const baseline = yLift(1);
  deciles.forEach((decile, index) => {
    const top = yLift(decile.lift);
    data.push(
      `<rect x="${num(x(index) - barWidth / 2)}" y="${num(top)}" width="${num(barWidth)}" height="${num(plot.bottom - top)}" fill="${PALETTE[0]}" fill-opacity="0.8"/>`,
    );
    // A bar just under lift 1 would have the baseline run through its value: lift the value above the baseline.
    const underBaseline = top - 4 > baseline - 2 && top - 4 - VALUE_SIZE < baseline + 2;
    valueLabels.push(text(x(index), underBaseline ? baseline - 4 : top - 4, decile.lift.toFixed(2), { anchor: 'middle', size: VALUE_SIZE, halo: true }));
    ticks.push(text(x(index), plot.bottom + 18, String(decile.decile), { anchor: 'middle' }));
  });
  data.push(line(plot.left, baseline, plot.right, baseline, AXIS, { dash: '6 4' }));
  const capture = deciles.map((decile, index) => [x(index), yShare(decile.cumulativeCapture)] as const);
  data.push(`<polyline fill="none" stroke="${PALETTE[1]}" stroke-width="2" points="${capture.map(([px, py]) => `${num(px)},${num(py)}`).join(' ')}"/>`);
  for (const [px, py] of capture) data.push(`<circle cx="${num(px)}" cy="${num(py)}" r="3" fill="${PALETTE[1]}"/>`);
  data.push(...valueLabels);
  const xLabel = horizontalAxisLabel(plot, plot.bottom + 40, 'Score decile (1 = the highest-scored 10% of rows)');
  const legendBlock = legend(xLabel.bottom + 12, [
    { label: 'Lift of the decile', swatch: 'bar', color: PALETTE[0]! },
    { label: 'Cumulative capture', swatch: 'line', color: PALETTE[1]! },
    { label: 'Baseline (lift 1)', swatch: 'dashed', color: AXIS },
  ]);
  return document(title, legendBlock.bottom + EDGE, [
    header.svg,
    group('grid', grid),
    group('ticks', ticks),
    axes(plot),
    line(plot.right, plot.top, plot.right, plot.bottom, AXIS),
    group('data', data),
    group('axis-labels', [
      xLabel.svg,
      verticalLabel(EDGE + 10, plot, 'Lift (× the overall positive rate)'),
      // Rotated text hangs its glyphs left of x: this x keeps them clear of the percent ticks and of the edge.
      verticalLabel(WIDTH - EDGE - 4, plot, 'Share of all positives captured, cumulative (%)'),
    ]),
    legendBlock.svg,
  ]);
}

/** The `top` largest values as horizontal bars, largest first; `valueLabel` names the measure and its unit. */
export function importanceSvg(items: readonly ImportanceItem[], title: string, top = 20, valueLabel: string = DEFAULT_IMPORTANCE_LABEL): string {
  const shown = items
    .map((item, index) => ({ ...item, index }))
    .sort((a, b) => b.value - a.value || a.index - b.index)
    .slice(0, top);
  const header = titleBlock(title);
  const rowHeight = 22;
  const maxLabelWidth = 280;
  const labels = shown.map((item) => fitWidth(item.feature, maxLabelWidth, TICK_SIZE));
  const labelWidth = Math.max(80, ...labels.map((label) => textWidth(label, TICK_SIZE)));
  const maxValue = niceCeiling(Math.max(0, ...shown.map((item) => item.value)));
  const valueLabels = shown.map((item) => formatValue(item.value));
  // The longest bar's value label and the last tick label, centred on the right end, both stay off the edge.
  const valueRoom = Math.max(0, ...valueLabels.map((label) => textWidth(label, VALUE_SIZE) + 4));
  const lastTickRoom = textWidth(formatTick(maxValue), TICK_SIZE) / 2;
  const plotTop = header.bottom + 16;
  const plot = {
    left: EDGE + labelWidth + 8,
    right: WIDTH - EDGE - Math.max(valueRoom, lastTickRoom, 24),
    top: plotTop,
    bottom: plotTop + Math.max(shown.length, 1) * rowHeight,
  };
  const x = (value: number): number => plot.left + (maxValue === 0 ? 0 : (Math.max(value, 0) / maxValue) * (plot.right - plot.left));
  const grid: string[] = [];
  const ticks: string[] = [];
  for (const tick of ticksUpTo(maxValue)) {
    grid.push(line(x(tick), plot.top, x(tick), plot.bottom, GRID));
    ticks.push(text(x(tick), plot.bottom + 18, formatTick(tick), { anchor: 'middle' }));
  }
  const data: string[] = [];
  shown.forEach((item, index) => {
    const rowTop = plot.top + index * rowHeight;
    ticks.push(text(plot.left - 8, rowTop + rowHeight / 2 + 4, labels[index]!, { anchor: 'end' }));
    data.push(`<rect x="${num(plot.left)}" y="${num(rowTop + 3)}" width="${num(x(item.value) - plot.left)}" height="${num(rowHeight - 6)}" fill="${PALETTE[0]}" fill-opacity="0.8"/>`);
    data.push(text(x(item.value) + 4, rowTop + rowHeight / 2 + 4, valueLabels[index]!, { anchor: 'start', size: VALUE_SIZE }));
  });
  if (shown.length === 0) data.push(text((plot.left + plot.right) / 2, plot.top + rowHeight / 2 + 4, 'no features', { anchor: 'middle', color: MUTED }));
  const xLabel = horizontalAxisLabel(plot, plot.bottom + 40, valueLabel);
  const legendBlock = legend(xLabel.bottom + 12, [{ label: `Top ${shown.length} of ${items.length} features, largest first`, swatch: 'bar', color: PALETTE[0]! }]);
  return document(title, legendBlock.bottom + EDGE, [header.svg, group('grid', grid), group('ticks', ticks), axes(plot), group('data', data), group('axis-labels', [xLabel.svg]), legendBlock.svg]);
}

export interface HitRateSeries {
  label: string;
  /** Hit rate (0–1) at k = 1, 2, … in order. */
  values: readonly number[];
  /** bar: grouped bars per k; line: a dashed line with dots over them (a subset of the entities, say). */
  style: 'bar' | 'line';
}

/**
 * Hit rate at each k: one group of bars per k (a bar per bar series), line
 * series drawn over them. The n-th line takes the n-th bar's colour, so a
 * candidate measured on all entities and on a subset reads as one.
 */
export function hitRateSvg(series: readonly HitRateSeries[], title: string): string {
  const header = titleBlock(title);
  const plot = { left: 64, right: WIDTH - 24, top: header.bottom + 24, bottom: header.bottom + 24 + PLOT_HEIGHT };
  const ks = Math.max(1, ...series.map((each) => each.values.length));
  const maxRate = Math.min(1, niceCeiling(Math.max(0.1, ...series.flatMap((each) => each.values))));
  const slot = (plot.right - plot.left) / ks;
  const x = (index: number): number => plot.left + (index + 0.5) * slot;
  const y = (rate: number): number => plot.bottom - (rate / maxRate) * (plot.bottom - plot.top);
  const grid: string[] = [];
  const ticks: string[] = [];
  for (const tick of ticksUpTo(maxRate)) {
    grid.push(line(plot.left, y(tick), plot.right, y(tick), GRID));
    ticks.push(text(plot.left - 8, y(tick) + 4, `${formatTick(tick * 100)}%`, { anchor: 'end' }));
  }
  for (let index = 0; index < ks; index += 1) ticks.push(text(x(index), plot.bottom + 18, String(index + 1), { anchor: 'middle' }));
  const bars = series.filter((each) => each.style === 'bar');
  const barWidth = (slot * 0.8) / Math.max(bars.length, 1);
  const data: string[] = [];
  const colorOf = (each: HitRateSeries) => PALETTE[series.filter((other) => other.style === each.style).indexOf(each) % PALETTE.length]!;
  bars.forEach((each, barIndex) => {
    each.values.forEach((value, index) => {
      const left = x(index) - (barWidth * bars.length) / 2 + barIndex * barWidth;
      data.push(`<rect x="${num(left)}" y="${num(y(value))}" width="${num(barWidth * 0.9)}" height="${num(plot.bottom - y(value))}" fill="${colorOf(each)}" fill-opacity="0.8"/>`);
    });
  });
  for (const each of series.filter((candidate) => candidate.style === 'line')) {
    const points = each.values.map((value, index) => [x(index), y(value)] as const);
    data.push(`<polyline fill="none" stroke="${colorOf(each)}" stroke-width="2" stroke-dasharray="6 4" points="${points.map(([px, py]) => `${num(px)},${num(py)}`).join(' ')}"/>`);
    for (const [px, py] of points) data.push(`<circle cx="${num(px)}" cy="${num(py)}" r="3" fill="${colorOf(each)}"/>`);
  }
  const xLabel = horizontalAxisLabel(plot, plot.bottom + 40, 'k (items recommended, best first)');
  const legendBlock = legend(
    xLabel.bottom + 12,
    series.map((each) => ({ label: each.label, swatch: each.style === 'bar' ? ('bar' as const) : ('dashed' as const), color: colorOf(each) })),
  );
  return document(title, legendBlock.bottom + EDGE, [
    header.svg,
    group('grid', grid),
    group('ticks', ticks),
    axes(plot),
    group('data', data),
    group('axis-labels', [xLabel.svg, verticalLabel(EDGE + 10, plot, 'Hit rate (% with a held-out item in the first k)')]),
    legendBlock.svg,
  ]);
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

interface Block {
  svg: string;
  /** The lowest y the block may draw at, descenders included. */
  bottom: number;
}

function document(title: string, contentHeight: number, parts: readonly string[]): string {
  // A whole number of pixels, so that the background covers the last row fully instead of blending it.
  const height = Math.ceil(contentHeight);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${num(height)}" width="${WIDTH}" height="${num(height)}" font-family="sans-serif" font-size="${TICK_SIZE}" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${num(height)}" fill="#ffffff"/>`,
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
  options: { anchor?: 'start' | 'middle' | 'end'; size?: number; weight?: string; color?: string; halo?: boolean } = {},
): string {
  const size = options.size === undefined ? '' : ` font-size="${options.size}"`;
  const weight = options.weight === undefined ? '' : ` font-weight="${options.weight}"`;
  const halo = options.halo ? ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"' : '';
  return `<text x="${num(x)}" y="${num(y)}" text-anchor="${options.anchor ?? 'start'}" fill="${options.color ?? AXIS}"${size}${weight}${halo}>${escapeXml(content)}</text>`;
}

/** Elements of one role, so a reader (or a layout test) can tell the title, labels, legend and data apart. */
function group(role: string, parts: readonly string[]): string {
  return [`<g class="${role}">`, ...parts, '</g>'].join('\n');
}

/** The title centred across the canvas, wrapped onto at most three lines, ellipsized past that. */
function titleBlock(title: string): Block {
  const lines = wrapText(title, WIDTH - 2 * EDGE, TITLE_SIZE, 3, true);
  const firstBaseline = EDGE + TITLE_SIZE;
  const step = TITLE_SIZE * LINE_GAP;
  const svg = group(
    'title',
    lines.map((content, index) => text(WIDTH / 2, firstBaseline + index * step, content, { anchor: 'middle', size: TITLE_SIZE, weight: 'bold' })),
  );
  return { svg, bottom: firstBaseline + (lines.length - 1) * step + descent(TITLE_SIZE) };
}

/** An axis label centred under the plot, wrapped to the canvas, each line slid inward when the plot sits off-centre. */
function horizontalAxisLabel(plot: Plot, firstBaseline: number, content: string): Block {
  const plotCentre = (plot.left + plot.right) / 2;
  const lines = wrapText(content, WIDTH - 2 * EDGE, AXIS_LABEL_SIZE, 3);
  const step = AXIS_LABEL_SIZE * LINE_GAP;
  const svg = lines
    .map((line, index) => {
      const half = textWidth(line, AXIS_LABEL_SIZE) / 2;
      const centre = Math.min(Math.max(plotCentre, EDGE + half), WIDTH - EDGE - half);
      return text(centre, firstBaseline + index * step, line, { anchor: 'middle', size: AXIS_LABEL_SIZE });
    })
    .join('\n');
  return { svg, bottom: firstBaseline + (lines.length - 1) * step + descent(AXIS_LABEL_SIZE) };
}

/** A label read bottom to top beside the plot, shrunk until it is no longer than the plot is tall. */
function verticalLabel(x: number, plot: Plot, content: string): string {
  const y = (plot.top + plot.bottom) / 2;
  const length = plot.bottom - plot.top;
  let size = AXIS_LABEL_SIZE;
  while (size > 9 && textWidth(content, size) > length) size -= 0.5;
  return `<text x="${num(x)}" y="${num(y)}" text-anchor="middle" fill="${AXIS}" font-size="${size}" transform="rotate(-90 ${num(x)} ${num(y)})">${escapeXml(fitWidth(content, length, size))}</text>`;
}

/** A boxed legend below the plot: entries flow left to right and wrap into rows, the whole centred on the canvas. */
function legend(top: number, entries: readonly LegendEntry[]): Block {
  const rowHeight = 18;
  const padding = 8;
  const swatchAndGap = 30;
  const spacing = 16;
  const available = WIDTH - 2 * EDGE - 2 * padding;
  const sized = entries.map((entry) => {
    const label = fitWidth(entry.label, available - swatchAndGap, TICK_SIZE);
    return { ...entry, label, width: swatchAndGap + textWidth(label, TICK_SIZE) };
  });
  const rows: (typeof sized)[] = [];
  for (const entry of sized) {
    const row = rows[rows.length - 1];
    const rowWidth = row ? row.reduce((sum, placed) => sum + placed.width + spacing, 0) : 0;
    if (row && rowWidth + entry.width <= available) row.push(entry);
    else rows.push([entry]);
  }
  const rowWidths = rows.map((row) => row.reduce((sum, entry) => sum + entry.width, 0) + spacing * (row.length - 1));
  const width = Math.max(0, ...rowWidths) + 2 * padding;
  const height = rows.length * rowHeight + padding;
  const left = (WIDTH - width) / 2;
  const parts = [`<rect x="${num(left)}" y="${num(top)}" width="${num(width)}" height="${num(height)}" fill="#ffffff" stroke="${GRID}"/>`];
  rows.forEach((row, rowIndex) => {
    const middle = top + padding / 2 + rowIndex * rowHeight + rowHeight / 2;
    let entryLeft = left + padding;
    for (const entry of row) {
      if (entry.swatch === 'bar') {
        parts.push(`<rect x="${num(entryLeft)}" y="${num(middle - 5)}" width="24" height="10" fill="${entry.color}" fill-opacity="0.8"/>`);
      } else {
        parts.push(line(entryLeft, middle, entryLeft + 24, middle, entry.color, entry.swatch === 'dashed' ? { dash: '6 4' } : {}).replace('stroke-width="1"', 'stroke-width="2"'));
      }
      parts.push(text(entryLeft + swatchAndGap, middle + 4, entry.label));
      entryLeft += entry.width + spacing;
    }
  });
  return { svg: group('legend', parts), bottom: top + height };
}

/**
 * Advance widths of printable ASCII in DejaVu Sans (regular and bold), per
 * 1000 units of font size. DejaVu is what "sans-serif" resolves to on most
 * Linux systems and is wider than Arial or Helvetica, so a layout that fits it
 * fits the usual viewers too; any other character counts as a full em.
 */
const DEJAVU_SANS_ADVANCES = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
  1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
  500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];
const DEJAVU_SANS_BOLD_ADVANCES = [
  348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580,
  1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500,
  500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
];

/** Rendered width of a single line of text, a little generous so that a font slightly wider than DejaVu still fits. */
function textWidth(content: string, size: number, bold = false): number {
  const advances = bold ? DEJAVU_SANS_BOLD_ADVANCES : DEJAVU_SANS_ADVANCES;
  let units = 0;
  for (const character of content) {
    const code = character.codePointAt(0)!;
    units += code >= 32 && code < 127 ? advances[code - 32]! : 1000;
  }
  return (units / 1000) * size * 1.05;
}

/** How far glyphs reach below the baseline (DejaVu's descender is 0.24 em). */
function descent(size: number): number {
  return size * 0.25;
}

/**
 * Words onto lines no wider than `maxWidth`, a line break in the text kept as
 * one; a word too long for a line is broken, and text past `maxLines` ellipsized.
 */
function wrapText(content: string, maxWidth: number, size: number, maxLines: number, bold = false): string[] {
  const lines = content.split('\n').flatMap((paragraph) => wrapParagraph(paragraph, maxWidth, size, bold));
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = fitWidth(`${kept[maxLines - 1]} ${lines.slice(maxLines).join(' ')}`, maxWidth, size, bold);
  return kept;
}

function wrapParagraph(content: string, maxWidth: number, size: number, bold: boolean): string[] {
  const fits = (candidate: string): boolean => textWidth(candidate, size, bold) <= maxWidth;
  const lines: string[] = [];
  let current = '';
  for (const word of content.split(/\s+/).filter((part) => part !== '')) {
    const joined = current === '' ? word : `${current} ${word}`;
    if (fits(joined)) {
      current = joined;
      continue;
    }
    if (current !== '') lines.push(current);
    current = '';
    let rest = word;
    while (!fits(rest)) {
      let cut = 1;
      while (cut < rest.length && fits(rest.slice(0, cut + 1))) cut += 1;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    current = rest;
  }
  if (current !== '') lines.push(current);
  return lines;
}

/** The text as is when it fits `maxWidth`, else cut and ended with an ellipsis so that it does. */
function fitWidth(content: string, maxWidth: number, size: number, bold = false): string {
  if (textWidth(content, size, bold) <= maxWidth) return content;
  const characters = [...content];
  while (characters.length > 0 && textWidth(`${characters.join('')}…`, size, bold) > maxWidth) characters.pop();
  return `${characters.join('').trimEnd()}…`;
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

function round2(value: number): number {
  const rounded = Math.round(value * 100) / 100;
  return rounded === 0 ? 0 : rounded;
}

/** A coordinate as written: two decimals at most, never "-0". */
function num(value: number): string {
  return String(round2(value));
}
