/**
 * Classifier metrics for the churn model's evaluation and promotion gate,
 * and ranking metrics (hit rate, precision, recall at k) for a ranker's.
 *
 * Every function takes 0/1 labels and scores (higher = more likely positive)
 * and is deterministic under ties: the AUC averages tied ranks, the ROC curve
 * moves once per distinct score, and deciles break ties by row order, so the
 * same scores always give the same report.
 */

export interface RocPoint {
  fpr: number;
  tpr: number;
  /** Rows scoring at or above it are predicted positive; the first point's is Infinity (none are). */
  threshold: number;
}

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** 0 when nothing is predicted positive. */
  precision: number;
  /** 0 when there are no positives. */
  recall: number;
  f1: number;
  accuracy: number;
}

export interface DecileLift {
  /** 1 holds the highest scores. */
  decile: number;
  rows: number;
  positives: number;
  /** Positive share within the decile. */
  rate: number;
  /** rate / overall positive rate. */
  lift: number;
  /** Positive share of deciles 1..this one, over the overall rate. */
  cumulativeLift: number;
  /** Share of all positives found in deciles 1..this one. */
  cumulativeCapture: number;
}

/** Area under the ROC curve: the chance a random positive outscores a random negative, ties counting half (Mann–Whitney U). */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const { positives, negatives } = classCounts(labels, scores, 'AUC');
  const order = orderBy(scores, 'ascending');
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && scores[order[end]!] === scores[order[start]!]) end += 1;
    // Ranks start + 1 … end share their average.
    const averageRank = (start + 1 + end) / 2;
    for (let i = start; i < end; i += 1) if (labels[order[i]!] === 1) positiveRankSum += averageRank;
    start = end;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The ROC curve from (0, 0) to (1, 1), one point per distinct score. */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): RocPoint[] {
  const { positives, negatives } = classCounts(labels, scores, 'ROC curve');
  const order = orderBy(scores, 'descending');
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Number.POSITIVE_INFINITY }];
  let truePositives = 0;
  let falsePositives = 0;
  for (let start = 0; start < order.length; ) {
    const threshold = scores[order[start]!]!;
    let end = start;
    while (end < order.length && scores[order[end]!] === threshold) {
      if (labels[order[end]!] === 1) truePositives += 1;
      else falsePositives += 1;
      end += 1;
    }
    points.push({ fpr: falsePositives / negatives, tpr: truePositives / positives, threshold });
    start = end;
  }
  return points;
}

/** Counts and rates when a score at or above the threshold means positive. */
export function confusionAt(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): Confusion {
  checkInputs(labels, scores);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i += 1) {
    const predicted = scores[i]! >= threshold;
    if (labels[i] === 1) {
      if (predicted) tp += 1;
      else fn += 1;
    } else if (predicted) fp += 1;
    else tn += 1;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const accuracy = labels.length === 0 ? 0 : (tp + tn) / labels.length;
  return { tp, fp, tn, fn, precision, recall, f1, accuracy };
}

/** Kolmogorov–Smirnov: the largest gap between the score distributions of positives and negatives, max |TPR − FPR|. */
export function ksStatistic(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  return rocCurve(labels, scores).reduce((best, point) => Math.max(best, Math.abs(point.tpr - point.fpr)), 0);
}

/**
 * Rows ranked by score (highest first, ties by row order) and cut into ten
 * groups of equal size (sizes differ by at most one), with the positive rate of
 * each against the overall rate. With fewer than ten rows some deciles are empty.
 */
export function liftByDecile(labels: ArrayLike<number>, scores: ArrayLike<number>): DecileLift[] {
  checkInputs(labels, scores);
  const n = labels.length;
  const order = orderBy(scores, 'descending');
  let totalPositives = 0;
  for (let i = 0; i < n; i += 1) totalPositives += labels[i] === 1 ? 1 : 0;
  const overallRate = n === 0 ? 0 : totalPositives / n;
  const deciles: DecileLift[] = [];
  let cumulativeRows = 0;
  let cumulativePositives = 0;
  for (let d = 0; d < 10; d += 1) {
    const start = Math.floor((d * n) / 10);
    const end = Math.floor(((d + 1) * n) / 10);
    let positives = 0;
    for (let i = start; i < end; i += 1) positives += labels[order[i]!] === 1 ? 1 : 0;
    const rows = end - start;
    cumulativeRows += rows;
    cumulativePositives += positives;
    const rate = rows === 0 ? 0 : positives / rows;
    const cumulativeRate = cumulativeRows === 0 ? 0 : cumulativePositives / cumulativeRows;
    deciles.push({
      decile: d + 1,
      rows,
      positives,
      rate,
      lift: overallRate === 0 ? 0 : rate / overallRate,
      cumulativeLift: overallRate === 0 ? 0 : cumulativeRate / overallRate,
      cumulativeCapture: totalPositives === 0 ? 0 : cumulativePositives / totalPositives,
    });
  }
  return deciles;
}

/** Mean binary cross-entropy; probabilities clipped to [ε, 1 − ε] so one confident miss is large, not infinite. */
export function logLoss(labels: ArrayLike<number>, probabilities: ArrayLike<number>, epsilon = 1e-15): number {
  checkInputs(labels, probabilities);
  if (labels.length === 0) throw new RangeError('log-loss of no rows is undefined');
  let total = 0;
  for (let i = 0; i < labels.length; i += 1) {
    const p = Math.min(Math.max(probabilities[i]!, epsilon), 1 - epsilon);
    total -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return total / labels.length;
}

// ---------------------------------------------------------------- ranking

export interface RankingAtK {
  readonly k: number;
  /** Entities judged: those with at least one held-out item. */
  readonly entities: number;
  /** Share of entities with at least one held-out item among their first k. */
  readonly hitRate: number;
  /** Mean over entities of (held-out items among the first k) / k. */
  readonly precision: number;
  /** Mean over entities of (held-out items among the first k) / (their held-out items). */
  readonly recall: number;
}

/**
 * Hit rate, precision and recall at each k of `ks`, over the entities with
 * held-out items: `recommended[e]` is entity e's list, best first (at least
 * max(ks) long, or the whole catalogue), `relevant[e]` the items it
 * interacted with in the held-out period. Lists decide their own order, ties
 * included, so these are deterministic.
 */
export function rankingAtK(recommended: readonly (readonly string[])[], relevant: readonly ReadonlySet<string>[], ks: readonly number[]): RankingAtK[] {
  if (recommended.length !== relevant.length) throw new RangeError(`there are ${recommended.length} lists and ${relevant.length} held-out sets`);
  for (const k of ks) if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a whole number, at least 1; got ${k}`);
  const judged = relevant.flatMap((items, entity) => (items.size > 0 ? [entity] : []));
  if (judged.length === 0) throw new RangeError('no entity has a held-out item: hit rate and precision at k need at least one');
  return ks.map((k) => {
    let hits = 0;
    let precision = 0;
    let recall = 0;
    for (const entity of judged) {
      const held = relevant[entity]!;
      let found = 0;
      for (const item of recommended[entity]!.slice(0, k)) if (held.has(item)) found += 1;
      if (found > 0) hits += 1;
      precision += found / k;
      recall += found / held.size;
    }
    return { k, entities: judged.length, hitRate: hits / judged.length, precision: precision / judged.length, recall: recall / judged.length };
  });
}

// ---------------------------------------------------------------- helpers

function checkInputs(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length) throw new RangeError(`there are ${labels.length} labels and ${scores.length} scores`);
  for (let i = 0; i < labels.length; i += 1) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`label ${i} is ${labels[i]}; expected 0 or 1`);
    if (Number.isNaN(scores[i])) throw new RangeError(`score ${i} is NaN`);
  }
}

function classCounts(labels: ArrayLike<number>, scores: ArrayLike<number>, metric: string): { positives: number; negatives: number } {
  checkInputs(labels, scores);
  let positives = 0;
  for (let i = 0; i < labels.length; i += 1) positives += labels[i] === 1 ? 1 : 0;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new RangeError(`the ${metric} needs both classes; the labels hold ${positives} positives and ${negatives} negatives`);
  }
  return { positives, negatives };
}

/** Row indexes sorted by score, ties by row index, so equal scores keep their row order. */
function orderBy(scores: ArrayLike<number>, direction: 'ascending' | 'descending'): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i);
  const sign = direction === 'ascending' ? 1 : -1;
  return order.sort((a, b) => sign * (scores[a]! - scores[b]!) || a - b);
}
