/**
 * The evaluation charts as a specification: standalone, well-formed SVG that
 * says what it shows (title, every axis named with its unit, legend with the
 * AUC), escapes whatever a feature or model name holds, and is byte-for-byte
 * the same for the same input. How the charts look once rasterized (nothing
 * clipped, nothing covering data) is charts-layout.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { hitRateSvg, IMPORTANCE_MEASURES, importanceSvg, liftSvg, rocSvg } from '../../../../lambdas/ml/engine/charts.ts';
import { liftByDecile, rocCurve } from '../../../../lambdas/ml/engine/metrics.ts';
import { seededRandom } from '../../../../lambdas/ml/engine/random.ts';

const random = seededRandom(9);
const labels = Array.from({ length: 5000 }, () => (random() < 0.3 ? 1 : 0));
const scores = labels.map((label) => label * 0.3 + random());
const curve = rocCurve(labels, scores);

/** Elements that may hold content; every other element must close itself. */
const CONTAINERS = ['svg', 'title', 'text', 'g'];

function expectWellFormed(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const opening = [...svg.matchAll(/<([a-z]+)\b[^>]*?(\/?)>/g)];
  for (const name of CONTAINERS) {
    const opened = opening.filter((match) => match[1] === name && match[2] === '').length;
    expect(svg.split(`</${name}>`).length - 1, `<${name}> balance`).toBe(opened);
  }
  expect(opening.filter((match) => match[1] === 'svg')).toHaveLength(1);
  expect(opening.filter((match) => match[2] === '' && !CONTAINERS.includes(match[1]!)).map((match) => match[0])).toEqual([]);
  // Text never holds a raw "<" or a bare "&".
  for (const [, content] of svg.matchAll(/>([^<]*)</g)) expect(content).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
  expect(svg).not.toMatch(/<script|@import|url\(|href=/);
  // Coordinates have at most two decimals.
  expect(svg).not.toMatch(/="-?\d+\.\d{3,}/);
}

/** The lines of every axis label, unescaped, in document order. */
function axisLabels(svg: string): string[] {
  const group = /<g class="axis-labels">\n([\s\S]*?)\n<\/g>/.exec(svg)![1]!;
  return [...group.matchAll(/>([^<]*)<\/text>/g)].map((match) => match[1]!.replace(/&amp;/g, '&'));
}

describe('rocSvg', () => {
  const svg = rocSvg(
    [
      { label: 'gradient-boosting test', points: curve, auc: 0.8234 },
      { label: 'baseline', points: [{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }], auc: 0.5 },
    ],
    'seller-churn: ROC',
  );

  it('is well-formed standalone SVG with a title, both axes named with their unit and a gridline every tenth', () => {
    expectWellFormed(svg);
    expect(svg).toContain('<title>seller-churn: ROC</title>');
    expect(axisLabels(svg)).toEqual(['False positive rate (fraction of negatives flagged, 0–1)', 'True positive rate (fraction of positives flagged, 0–1)']);
    expect(svg.match(/stroke="#e5e5e5"/g)!.length).toBeGreaterThanOrEqual(22);
  });

  it('puts each curve’s AUC in the legend, with the chance line', () => {
    expect(svg).toContain('gradient-boosting test (AUC 0.823)');
    expect(svg).toContain('baseline (AUC 0.500)');
    expect(svg).toContain('Chance (AUC 0.500)');
    expect(svg.match(/<polyline/g)).toHaveLength(2);
  });

  it('draws a 5000-row curve with at most one point per pixel step, not one per row', () => {
    const points = svg.match(/points="([^"]*)"/)![1]!.split(' ');
    expect(curve.length).toBeGreaterThan(3000);
    expect(points.length).toBeLessThan(1500);
  });

  it('is the same bytes for the same curves', () => {
    expect(rocSvg([{ label: 'gradient-boosting test', points: rocCurve(labels, scores), auc: 0.8234 }, { label: 'baseline', points: [{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }], auc: 0.5 }], 'seller-churn: ROC')).toBe(svg);
  });

  it('escapes markup in titles and labels', () => {
    const escaped = rocSvg([{ label: 'a<b & "c"', points: curve, auc: 0.8 }], 'x < y & z');
    expectWellFormed(escaped);
    expect(escaped).toContain('<title>x &lt; y &amp; z</title>');
    expect(escaped).toContain('a&lt;b &amp; &quot;c&quot; (AUC 0.800)');
    expect(escaped).not.toContain('a<b');
  });
});

describe('liftSvg', () => {
  const deciles = liftByDecile(labels, scores);
  const svg = liftSvg(deciles, 'seller-churn: lift by decile');

  it('draws a bar per decile, the cumulative capture line and the baseline at lift 1, all in the legend', () => {
    expectWellFormed(svg);
    expect(svg.match(/<rect [^>]*fill="#1f77b4" fill-opacity="0.8"\/>/g)).toHaveLength(11); // 10 bars + the legend swatch
    expect(svg.match(/<circle/g)).toHaveLength(10);
    expect(svg).toContain('>Baseline (lift 1)</text>');
    expect(svg).toContain('>Cumulative capture</text>');
    expect(svg).toContain(`>${deciles[0]!.lift.toFixed(2)}</text>`);
    expect(svg).toContain('>100%</text>');
    expect(liftSvg(deciles, 'seller-churn: lift by decile')).toBe(svg);
  });

  it('names all three axes with their unit: lift as a multiple of the overall rate, capture in percent', () => {
    expect(axisLabels(svg)).toEqual([
      'Score decile (1 = the highest-scored 10% of rows)',
      'Lift (× the overall positive rate)',
      'Share of all positives captured, cumulative (%)',
    ]);
  });
});

describe('importanceSvg', () => {
  const items = Array.from({ length: 25 }, (_, i) => ({ feature: `feature_${i}`, value: (i * 37) % 25 }));

  it('shows the top features as bars, largest first', () => {
    const svg = importanceSvg(items, 'importance', 20, 'Total gain');
    expectWellFormed(svg);
    const labels = [...svg.matchAll(/text-anchor="end" fill="#333333">(feature_\d+)<\/text>/g)].map((match) => match[1]);
    expect(labels).toHaveLength(20);
    expect(labels[0]).toBe(items.reduce((best, item) => (item.value > best.value ? item : best)).feature);
    expect(axisLabels(svg)).toEqual(['Total gain']);
    expect(svg).toContain('>Top 20 of 25 features, largest first</text>');
  });

  it('names the measure and its unit on the value axis: by default both a learner may chart, else the one given', () => {
    expect(axisLabels(importanceSvg(items, 'importance'))).toEqual([
      'Importance. Gradient boosting: total split gain (summed log-loss reduction)',
      'Logistic regression: |standardized coefficient| (log-odds per SD)',
    ]);
    expect(axisLabels(importanceSvg(items, 'importance', 20, IMPORTANCE_MEASURES['gradient-boosting']))).toEqual([
      'Total split gain (summed log-loss reduction, XGBoost total_gain)',
    ]);
  });

  it('escapes feature names and draws an empty chart without failing', () => {
    const svg = importanceSvg([{ feature: 'gmv<30d & "returns"', value: 2 }], 'i');
    expectWellFormed(svg);
    expect(svg).toContain('gmv&lt;30d &amp; &quot;returns&quot;');
    expectWellFormed(importanceSvg([], 'nothing'));
  });
});

describe('hitRateSvg', () => {
  const series = [
    { label: 'co-purchase: all 40', values: [0.1, 0.25, 0.4], style: 'bar' as const },
    { label: 'popularity: all 40', values: [0.1, 0.2, 0.3], style: 'bar' as const },
    { label: 'co-purchase: the 3 <seen> before', values: [0, 1 / 3, 2 / 3], style: 'line' as const },
  ];
  const svg = hitRateSvg(series, 'rec: hit rate by k & more');

  it('is well-formed standalone SVG, its axes named with their unit, a bar per k and bar series and a dashed line per line series', () => {
    expectWellFormed(svg);
    expect(axisLabels(svg)).toEqual(['k (items recommended, best first)', 'Hit rate (% with a held-out item in the first k)']);
    const data = /<g class="data">\n([\s\S]*?)\n<\/g>/.exec(svg)![1]!;
    expect(data.match(/<rect /g)).toHaveLength(6);
    expect(data.match(/<polyline [^>]*stroke-dasharray="6 4"/g)).toHaveLength(1);
    expect(data.match(/<circle /g)).toHaveLength(3);
  });

  it('scales the value axis to a round share above the largest value, in percent, and labels each k', () => {
    // The largest value is 2/3: the axis runs to 100% in steps of 20.
    const ticks = /<g class="ticks">\n([\s\S]*?)\n<\/g>/.exec(svg)![1]!;
    const labels = [...ticks.matchAll(/>([^<]*)<\/text>/g)].map((match) => match[1]);
    expect(labels).toEqual(['0%', '20%', '40%', '60%', '80%', '100%', '1', '2', '3']);
    expect(hitRateSvg([{ label: 'low', values: [0.05, 0.12], style: 'bar' }], 't')).toContain('>20%</text>');
  });

  it('colours the n-th line as the n-th bar, names every series in the legend, escapes them and is the same bytes for the same input', () => {
    const data = /<g class="data">\n([\s\S]*?)\n<\/g>/.exec(svg)![1]!;
    const firstBar = /<rect [^>]*fill="(#[0-9a-f]{6})"/.exec(data)![1];
    expect(/<polyline [^>]*stroke="(#[0-9a-f]{6})"/.exec(data)![1]).toBe(firstBar);
    expect(svg).toContain('co-purchase: the 3 &lt;seen&gt; before');
    expect(svg).toContain('<title>rec: hit rate by k &amp; more</title>');
    expect(hitRateSvg(series, 'rec: hit rate by k & more')).toBe(svg);
  });
});
