/**
 * Classifier metrics as a specification, on cases small enough to check by
 * hand: what the AUC does with ties, where the ROC curve steps, what happens
 * at the threshold, how deciles are cut and ranked.
 */
import { describe, expect, it } from 'vitest';
import { auc, confusionAt, ksStatistic, liftByDecile, logLoss, rocCurve } from '../../../../lambdas/ml/engine/metrics.ts';
import { seededRandom } from '../../../../lambdas/ml/engine/random.ts';
import { pairwiseAuc } from './synthetic.ts';

// The scikit-learn documentation's example: 3 of the 4 (positive, negative) pairs are ordered right.
const labels = [0, 0, 1, 1];
const scores = [0.1, 0.4, 0.35, 0.8];

describe('auc', () => {
  it('is the share of (positive, negative) pairs the scores order right', () => {
    expect(auc(labels, scores)).toBeCloseTo(0.75, 12);
  });

  it('counts a tie between a positive and a negative as half a pair', () => {
    // Pairs: (0.5, 0.5) tie → ½, (0.5, 0.2) → 1, (0.9, 0.5) → 1, (0.9, 0.2) → 1: 3.5 of 4.
    expect(auc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBeCloseTo(0.875, 12);
  });

  it('is ½ when every score is the same, 1 when perfect, 0 when exactly inverted', () => {
    expect(auc([0, 1, 0, 1], [3, 3, 3, 3])).toBe(0.5);
    expect(auc([0, 0, 1, 1], [1, 2, 3, 4])).toBe(1);
    expect(auc([1, 1, 0, 0], [1, 2, 3, 4])).toBe(0);
  });

  it('agrees with pair counting on a larger tied sample', () => {
    const random = seededRandom(7);
    const many = Array.from({ length: 300 }, () => (random() < 0.3 ? 1 : 0));
    const rounded = many.map((label) => Math.round((label + random() * 2) * 4) / 4);
    expect(auc(many, rounded)).toBeCloseTo(pairwiseAuc(many, rounded), 12);
  });

  it('refuses labels of a single class, and NaN scores', () => {
    expect(() => auc([1, 1], [0.2, 0.4])).toThrow(/both classes/);
    expect(() => auc([0, 1], [0.2, Number.NaN])).toThrow(/NaN/);
  });
});

describe('rocCurve', () => {
  it('starts at (0, 0), steps once per distinct score from the highest, and ends at (1, 1)', () => {
    expect(rocCurve(labels, scores)).toEqual([
      { fpr: 0, tpr: 0, threshold: Number.POSITIVE_INFINITY },
      { fpr: 0, tpr: 0.5, threshold: 0.8 },
      { fpr: 0.5, tpr: 0.5, threshold: 0.4 },
      { fpr: 0.5, tpr: 1, threshold: 0.35 },
      { fpr: 1, tpr: 1, threshold: 0.1 },
    ]);
  });

  it('moves diagonally through tied scores instead of inventing an order', () => {
    expect(rocCurve([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]).map(({ fpr, tpr }) => [fpr, tpr])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
  });
});

describe('ksStatistic', () => {
  it('is the largest gap between true- and false-positive rates', () => {
    expect(ksStatistic(labels, scores)).toBe(0.5);
    expect(ksStatistic([0, 0, 1, 1], [1, 2, 3, 4])).toBe(1);
    expect(ksStatistic([0, 1, 0, 1], [3, 3, 3, 3])).toBe(0);
  });
});

describe('confusionAt', () => {
  it('classes a score at or above the threshold as positive', () => {
    expect(confusionAt(labels, scores, 0.4)).toEqual({ tp: 1, fp: 1, tn: 1, fn: 1, precision: 0.5, recall: 0.5, f1: 0.5, accuracy: 0.5 });
    expect(confusionAt(labels, scores, 0.35)).toMatchObject({ tp: 2, fp: 1, tn: 1, fn: 0, recall: 1 });
  });

  it('gives precision 0, not NaN, when nothing is predicted positive', () => {
    expect(confusionAt(labels, scores, 0.9)).toEqual({ tp: 0, fp: 0, tn: 2, fn: 2, precision: 0, recall: 0, f1: 0, accuracy: 0.5 });
  });
});

describe('liftByDecile', () => {
  // 20 rows scored 20, 19, … 1; positives at ranks 1, 2, 3 and 20: overall rate 0.2.
  const rankedScores = Array.from({ length: 20 }, (_, i) => 20 - i);
  const rankedLabels = rankedScores.map((_, i) => (i < 3 || i === 19 ? 1 : 0));

  it('cuts the ranking into ten groups and compares each with the overall rate', () => {
    const deciles = liftByDecile(rankedLabels, rankedScores);
    expect(deciles).toHaveLength(10);
    expect(deciles[0]).toEqual({ decile: 1, rows: 2, positives: 2, rate: 1, lift: 5, cumulativeLift: 5, cumulativeCapture: 0.5 });
    expect(deciles[1]).toEqual({ decile: 2, rows: 2, positives: 1, rate: 0.5, lift: 2.5, cumulativeLift: 3.75, cumulativeCapture: 0.75 });
    expect(deciles.slice(2, 9).every((decile) => decile.positives === 0 && decile.lift === 0)).toBe(true);
    expect(deciles[8]!.cumulativeCapture).toBe(0.75);
    expect(deciles[9]).toMatchObject({ decile: 10, positives: 1, lift: 2.5, cumulativeLift: 1, cumulativeCapture: 1 });
  });

  it('ranks tied scores by row order, so the deciles never depend on the sort', () => {
    const tiedLabels = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    const deciles = liftByDecile(tiedLabels, new Array(10).fill(0.5));
    expect(deciles.map((decile) => decile.positives)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(liftByDecile([...tiedLabels].reverse(), new Array(10).fill(0.5)).map((decile) => decile.positives)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
  });

  it('spreads rows that do not divide by ten with group sizes one apart', () => {
    expect(liftByDecile(new Array(23).fill(0).map((_, i) => i % 2), new Array(23).fill(0).map((_, i) => i)).map((decile) => decile.rows)).toEqual([
      2, 2, 2, 3, 2, 2, 3, 2, 2, 3,
    ]);
  });
});

describe('logLoss', () => {
  it('is the mean negative log-likelihood, finite even for a confident miss', () => {
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(1e-15), 6);
  });
});
