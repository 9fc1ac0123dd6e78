/**
 * Histogram gradient-boosted trees for binary log-loss: the churn model's
 * learner when the platform runs without SageMaker.
 *
 * It follows XGBoost's `hist` method closely enough that one set of
 * hyperparameters (config `models.classifier.gradientBoosting`, XGBoost's names and
 * units) means the same thing here and in SageMaker XGBoost:
 * - each feature is cut into at most `max_bin` quantile bins, and NaN gets a
 *   bin of its own, so every split learns where missing values go;
 * - gradients and hessians of the log-loss, leaf weight −T(G)/(H+λ) and split
 *   gain T(G_L)²/(H_L+λ) + T(G_R)²/(H_R+λ) − T(G)²/(H+λ), T the L1 soft
 *   threshold by α: XGBoost's formula as its code computes it (no ½), so a
 *   split is made only when that gain reaches `gamma`;
 * - `min_child_weight` bounds each child's hessian sum, trees grow to
 *   `max_depth`, each tree sees a `subsample` of rows and a `colsample_bytree`
 *   share of features, and the first margin is the log-odds of the label mean.
 *
 * Speed comes from binning once into bytes, building a histogram only for the
 * smaller child of each split (the larger one is parent − smaller), and not
 * building histograms at all for the last level, whose nodes cannot split.
 * Trees grow depth-first, which, with no leaf budget, yields exactly the tree
 * a level-by-level growth would, while holding only one histogram per level.
 *
 * The model is plain JSON: store it as model.json, parse it, predict again.
 */
import type { GradientBoostingParameters } from '../../../config/schema.ts';
import { assertDistinctColumns, columnIndexesByName, type Matrix } from './matrix.ts';
import { seededRandom, sampleIndexes, type Random } from './random.ts';

export type GradientBoostingTrainingParameters = GradientBoostingParameters & { seed: number };

export const GRADIENT_BOOSTING_FORMAT_VERSION = 1;

/**
 * One tree as parallel arrays indexed by node; node 0 is the root. A node is a
 * leaf when its feature is −1.
 */
export interface GradientBoostingTree {
  /** Index into the model's `features`; −1 at a leaf. */
  feature: number[];
  /**
   * Present values below it go left, the others right. `null`: the split is on
   * missingness alone, every present value going the side missing values don't.
   * (Leaves hold 0; the field is meaningless there.)
   */
  threshold: (number | null)[];
  /** Where a missing value goes, learned from the training rows. */
  defaultLeft: boolean[];
  left: number[];
  right: number[];
  /**
   * The margin a row reaching this node adds, learning rate applied. Internal
   * nodes keep theirs too, for inspection.
   */
  value: number[];
  /** Loss reduction of the split (0 at a leaf): the importance measure. */
  gain: number[];
  /** Hessian sum of the sampled training rows that reached the node. */
  cover: number[];
}

export interface GradientBoostingModel {
  kind: 'gradient-boosting';
  formatVersion: typeof GRADIENT_BOOSTING_FORMAT_VERSION;
  objective: 'binary:logistic';
  /** Feature names, in the order the trees' feature indexes refer to. */
  features: string[];
  /** Margin (log-odds) every prediction starts from. */
  baseScore: number;
  params: GradientBoostingTrainingParameters;
  trees: GradientBoostingTree[];
}

export interface GradientBoostingOptions {
  /** Called after each tree with its 1-based number and the log-loss on all training rows. */
  onRound?(round: number, trainLoss: number): void;
}

/** XGBoost's kRtEps: a split must gain more than this, or it is rounding noise. */
const MINIMUM_GAIN = 1e-6;
/** The least hessian a row contributes, so a confidently-fitted row never divides by zero. */
const MINIMUM_HESSIAN = 1e-16;

export function trainGradientBoosting(
  matrix: Matrix,
  labels: Uint8Array | ArrayLike<number>,
  params: GradientBoostingTrainingParameters,
  options: GradientBoostingOptions = {},
): GradientBoostingModel {
  checkParameters(params);
  assertDistinctColumns(matrix);
  const rowCount = matrix.rows;
  const featureCount = matrix.columns.length;
  const targets = binaryLabels(labels, rowCount);
  if (rowCount === 0) throw new RangeError('cannot train gradient boosting on an empty matrix');
  if (featureCount === 0) throw new RangeError('cannot train gradient boosting on a matrix without features');

  let positives = 0;
  for (let r = 0; r < rowCount; r += 1) positives += targets[r]!;
  if (positives === 0 || positives === rowCount) {
    throw new RangeError(`the labels hold a single class (${positives} of ${rowCount} positive); a classifier needs both`);
  }
  const meanLabel = positives / rowCount;
  const baseScore = Math.log(meanLabel / (1 - meanLabel));

  const bins = binFeatures(matrix, params.max_bin);
  const random = seededRandom(params.seed);
  const grower = new TreeGrower(bins, params);
  const margins = new Float64Array(rowCount).fill(baseScore);
  const gradients = new Float64Array(rowCount * 2);
  const sampledFeatureCount = Math.max(1, Math.round(params.colsample_bytree * featureCount));
  const trees: GradientBoostingTree[] = [];

  for (let round = 1; round <= params.num_round; round += 1) {
    for (let r = 0; r < rowCount; r += 1) {
      const probability = sigmoid(margins[r]!);
      gradients[2 * r] = probability - targets[r]!;
      gradients[2 * r + 1] = Math.max(probability * (1 - probability), MINIMUM_HESSIAN);
    }
    const sampledRows = sampleRows(random, rowCount, params.subsample);
    const sampledFeatures = sampleIndexes(random, featureCount, sampledFeatureCount);
    const tree = grower.grow(sampledRows, sampledFeatures, gradients);
    addTreeMargins(tree, bins, margins);
    trees.push(tree);
    if (options.onRound) options.onRound(round, marginLogLoss(targets, margins));
  }

  return {
    kind: 'gradient-boosting',
    formatVersion: GRADIENT_BOOSTING_FORMAT_VERSION,
    objective: 'binary:logistic',
    features: [...matrix.columns],
    baseScore,
    params: {
      num_round: params.num_round,
      eta: params.eta,
      max_depth: params.max_depth,
      min_child_weight: params.min_child_weight,
      lambda: params.lambda,
      alpha: params.alpha,
      gamma: params.gamma,
      subsample: params.subsample,
      colsample_bytree: params.colsample_bytree,
      max_bin: params.max_bin,
      seed: params.seed,
    },
    trees,
  };
}

/** Churn probabilities, one per row; the matrix's columns are matched to the model's features by name. */
export function predictGradientBoosting(model: GradientBoostingModel, matrix: Matrix): Float64Array {
  checkModel(model);
  const columns = columnIndexesByName(matrix, model.features, 'gradient-boosting');
  const width = matrix.columns.length;
  const values = matrix.values;
  const { roots, column, threshold, missingOnly, defaultLeft, left, right, value } = compileForest(model.trees, columns);
  const margins = new Float64Array(matrix.rows);
  // Row by row, all trees: the row's values stay in cache while every tree reads them.
  for (let r = 0; r < matrix.rows; r += 1) {
    const rowStart = r * width;
    let margin = model.baseScore;
    for (let t = 0; t < roots.length; t += 1) {
      let node = roots[t]!;
      let at = column[node]!;
      while (at >= 0) {
        const x = values[rowStart + at]!;
        let goLeft: boolean;
        if (Number.isNaN(x)) goLeft = defaultLeft[node] === 1;
        else if (missingOnly[node] === 1) goLeft = defaultLeft[node] === 0;
        else goLeft = x < threshold[node]!;
        node = goLeft ? left[node]! : right[node]!;
        at = column[node]!;
      }
      margin += value[node]!;
    }
    margins[r] = margin;
  }
  for (let r = 0; r < margins.length; r += 1) margins[r] = sigmoid(margins[r]!);
  return margins;
}

/** Total split gain per feature, largest first (XGBoost's `total_gain`); unused features last with 0. */
export function featureImportance(model: GradientBoostingModel): { feature: string; gain: number }[] {
  checkModel(model);
  const totals = new Float64Array(model.features.length);
  for (const tree of model.trees) {
    tree.feature.forEach((feature, node) => {
      if (feature >= 0) totals[feature] = totals[feature]! + tree.gain[node]!;
    });
  }
  return model.features
    .map((feature, index) => ({ feature, gain: totals[index]!, index }))
    .sort((a, b) => b.gain - a.gain || a.index - b.index)
    .map(({ feature, gain }) => ({ feature, gain }));
}

// ---------------------------------------------------------------- binning

/** The training matrix cut into bins, once, before the first tree. */
interface BinnedFeatures {
  rows: number;
  features: number;
  /** Present-value bins per feature; the missing bin's index is this count. */
  binCounts: Int32Array;
  /** Per feature: `thresholds[j]` separates bin j (below) from bin j + 1. */
  thresholds: Float64Array[];
  /** Column-major bin indexes: feature f, row r at `f * rows + r`. */
  binned: Uint8Array;
  /** Where feature f's (gradient, hessian) pairs start in a histogram. */
  histogramOffsets: Int32Array;
  histogramSize: number;
}

function binFeatures(matrix: Matrix, maxBin: number): BinnedFeatures {
  const { rows, values } = matrix;
  const features = matrix.columns.length;
  const binCounts = new Int32Array(features);
  const thresholds: Float64Array[] = [];
  const binned = new Uint8Array(rows * features);
  const histogramOffsets = new Int32Array(features);
  const present = new Float64Array(rows);
  let histogramSize = 0;

  for (let f = 0; f < features; f += 1) {
    let count = 0;
    for (let r = 0; r < rows; r += 1) {
      const x = values[r * features + f]!;
      if (!Number.isNaN(x)) present[count++] = x;
    }
    const sorted = present.subarray(0, count).sort();
    const cuts = cutPoints(sorted, maxBin);
    thresholds.push(cuts);
    binCounts[f] = count === 0 ? 0 : cuts.length + 1;
    const missingBin = binCounts[f]!;
    const column = f * rows;
    for (let r = 0; r < rows; r += 1) {
      const x = values[r * features + f]!;
      binned[column + r] = Number.isNaN(x) ? missingBin : binOf(cuts, x);
    }
    histogramOffsets[f] = histogramSize;
    histogramSize += 2 * (missingBin + 1);
  }
  return { rows, features, binCounts, thresholds, binned, histogramOffsets, histogramSize };
}

/**
 * Every distinct value when there are few enough, else quantiles (by row
 * count) of the sorted present values. A cut is a value itself, never a
 * midpoint, so "x < cut" sorts training values exactly as their bins do.
 * Infinite cuts are dropped: JSON cannot write them.
 */
function cutPoints(sorted: Float64Array, maxBin: number): Float64Array {
  const cuts: number[] = [];
  if (sorted.length === 0) return new Float64Array(0);
  let distinct = 1;
  for (let i = 1; i < sorted.length && distinct <= maxBin; i += 1) if (sorted[i] !== sorted[i - 1]) distinct += 1;
  let last = sorted[0]!;
  if (distinct <= maxBin) {
    for (let i = 1; i < sorted.length; i += 1) {
      const x = sorted[i]!;
      if (x !== last && Number.isFinite(x)) cuts.push(x);
      last = x;
    }
  } else {
    for (let b = 1; b < maxBin; b += 1) {
      const x = sorted[Math.floor((b * sorted.length) / maxBin)]!;
      if (x > last && Number.isFinite(x)) {
        cuts.push(x);
        last = x;
      }
    }
  }
  return Float64Array.from(cuts);
}

/** How many cuts are at or below x: the bin x falls in. */
function binOf(cuts: Float64Array, x: number): number {
  let low = 0;
  let high = cuts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (cuts[middle]! <= x) low = middle + 1;
    else high = middle;
  }
  return low;
}

// ---------------------------------------------------------------- growing one tree

interface Split {
  feature: number;
  /** Present bins up to and including this one go left. */
  bin: number;
  defaultLeft: boolean;
  missingOnly: boolean;
  gain: number;
}

/** A growing tree's nodes, appended as they are made. */
class NodeList {
  readonly tree: GradientBoostingTree = { feature: [], threshold: [], defaultLeft: [], left: [], right: [], value: [], gain: [], cover: [] };

  add(value: number, cover: number): number {
    const { tree } = this;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.defaultLeft.push(false);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(value);
    tree.gain.push(0);
    tree.cover.push(cover);
    return tree.feature.length - 1;
  }
}

/**
 * Buffers reused across trees: at 40k rows × 120 features, allocating them per
 * tree would spend more time in the garbage collector than in the histograms.
 */
class TreeGrower {
  private readonly rowIndexes: Int32Array;
  private readonly partitionScratch: Int32Array;
  private readonly segmentGradients: Float64Array;
  private readonly segmentHessians: Float64Array;
  private readonly spareHistograms: Float64Array[] = [];
  private gradients: Float64Array = new Float64Array(0);
  private features: Int32Array = new Int32Array(0);
  private nodes = new NodeList();

  constructor(
    private readonly bins: BinnedFeatures,
    private readonly params: GradientBoostingTrainingParameters,
  ) {
    this.rowIndexes = new Int32Array(bins.rows);
    this.partitionScratch = new Int32Array(bins.rows);
    this.segmentGradients = new Float64Array(bins.rows);
    this.segmentHessians = new Float64Array(bins.rows);
  }

  grow(sampledRows: Int32Array, sampledFeatures: Int32Array, gradients: Float64Array): GradientBoostingTree {
    this.gradients = gradients;
    this.features = sampledFeatures;
    this.nodes = new NodeList();
    this.rowIndexes.set(sampledRows);
    let gradientSum = 0;
    let hessianSum = 0;
    for (const r of sampledRows) {
      gradientSum += gradients[2 * r]!;
      hessianSum += gradients[2 * r + 1]!;
    }
    if (sampledRows.length === 0) {
      this.nodes.add(0, 0);
      return this.nodes.tree;
    }
    const histogram = this.takeHistogram();
    this.buildHistogram(histogram, 0, sampledRows.length);
    this.growNode(0, sampledRows.length, 0, histogram, gradientSum, hessianSum);
    this.spareHistograms.push(histogram);
    return this.nodes.tree;
  }

  /** Grows the node holding rowIndexes[start, end); `histogram` is theirs, absent when the node may not split. */
  private growNode(start: number, end: number, depth: number, histogram: Float64Array | undefined, gradientSum: number, hessianSum: number): number {
    const { params, bins, nodes } = this;
    const node = nodes.add(params.eta * leafWeight(gradientSum, hessianSum, params.lambda, params.alpha), hessianSum);
    if (!histogram || depth >= params.max_depth) return node;
    const split = this.bestSplit(histogram);
    if (!split) return node;

    const { middle, leftGradient, leftHessian } = this.partition(start, end, split);
    const rightGradient = gradientSum - leftGradient;
    const rightHessian = hessianSum - leftHessian;
    const { tree } = nodes;
    tree.feature[node] = split.feature;
    tree.threshold[node] = split.missingOnly ? null : bins.thresholds[split.feature]![split.bin]!;
    tree.defaultLeft[node] = split.defaultLeft;
    tree.gain[node] = split.gain;

    let leftHistogram: Float64Array | undefined;
    let rightHistogram: Float64Array | undefined;
    let built: Float64Array | undefined;
    if (depth + 1 < params.max_depth) {
      built = this.takeHistogram();
      const leftIsSmaller = middle - start <= end - middle;
      if (leftIsSmaller) this.buildHistogram(built, start, middle);
      else this.buildHistogram(built, middle, end);
      this.subtractHistogram(histogram, built);
      leftHistogram = leftIsSmaller ? built : histogram;
      rightHistogram = leftIsSmaller ? histogram : built;
    }
    tree.left[node] = this.growNode(start, middle, depth + 1, leftHistogram, leftGradient, leftHessian);
    tree.right[node] = this.growNode(middle, end, depth + 1, rightHistogram, rightGradient, rightHessian);
    if (built) this.spareHistograms.push(built);
    return node;
  }

  private takeHistogram(): Float64Array {
    return this.spareHistograms.pop() ?? new Float64Array(this.bins.histogramSize);
  }

  /** Sums (gradient, hessian) per bin of each sampled feature over rowIndexes[start, end). */
  private buildHistogram(histogram: Float64Array, start: number, end: number): void {
    const { rowIndexes, gradients, segmentGradients, segmentHessians, features } = this;
    const { binned, rows, binCounts, histogramOffsets } = this.bins;
    const count = end - start;
    // Gathering the segment's gradients once lets the per-feature loop read them sequentially.
    for (let i = 0; i < count; i += 1) {
      const r = rowIndexes[start + i]!;
      segmentGradients[i] = gradients[2 * r]!;
      segmentHessians[i] = gradients[2 * r + 1]!;
    }
    for (const f of features) {
      const offset = histogramOffsets[f]!;
      histogram.fill(0, offset, offset + 2 * (binCounts[f]! + 1));
    }
    // Four features per pass over the rows: the row index and its gradients are read once for all four.
    let k = 0;
    for (; k + 3 < features.length; k += 4) {
      const o0 = histogramOffsets[features[k]!]!;
      const o1 = histogramOffsets[features[k + 1]!]!;
      const o2 = histogramOffsets[features[k + 2]!]!;
      const o3 = histogramOffsets[features[k + 3]!]!;
      const c0 = features[k]! * rows;
      const c1 = features[k + 1]! * rows;
      const c2 = features[k + 2]! * rows;
      const c3 = features[k + 3]! * rows;
      for (let i = 0; i < count; i += 1) {
        const r = rowIndexes[start + i]!;
        const gradient = segmentGradients[i]!;
        const hessian = segmentHessians[i]!;
        let slot = o0 + 2 * binned[c0 + r]!;
        histogram[slot] = histogram[slot]! + gradient;
        histogram[slot + 1] = histogram[slot + 1]! + hessian;
        slot = o1 + 2 * binned[c1 + r]!;
        histogram[slot] = histogram[slot]! + gradient;
        histogram[slot + 1] = histogram[slot + 1]! + hessian;
        slot = o2 + 2 * binned[c2 + r]!;
        histogram[slot] = histogram[slot]! + gradient;
        histogram[slot + 1] = histogram[slot + 1]! + hessian;
        slot = o3 + 2 * binned[c3 + r]!;
        histogram[slot] = histogram[slot]! + gradient;
        histogram[slot + 1] = histogram[slot + 1]! + hessian;
      }
    }
    for (; k < features.length; k += 1) {
      const f = features[k]!;
      const offset = histogramOffsets[f]!;
      const column = f * rows;
      for (let i = 0; i < count; i += 1) {
        const slot = offset + 2 * binned[column + rowIndexes[start + i]!]!;
        histogram[slot] = histogram[slot]! + segmentGradients[i]!;
        histogram[slot + 1] = histogram[slot + 1]! + segmentHessians[i]!;
      }
    }
  }

  /** Turns the parent's histogram into the larger child's: parent − smaller child. */
  private subtractHistogram(parent: Float64Array, child: Float64Array): void {
    const { binCounts, histogramOffsets } = this.bins;
    for (const f of this.features) {
      const offset = histogramOffsets[f]!;
      const end = offset + 2 * (binCounts[f]! + 1);
      for (let slot = offset; slot < end; slot += 1) parent[slot] = parent[slot]! - child[slot]!;
    }
  }

  private bestSplit(histogram: Float64Array): Split | undefined {
    const { lambda, alpha, gamma, min_child_weight: minChildWeight } = this.params;
    const { binCounts, histogramOffsets } = this.bins;
    const score = (gradient: number, hessian: number): number => {
      const shrunk = gradient > alpha ? gradient - alpha : gradient < -alpha ? gradient + alpha : 0;
      return (shrunk * shrunk) / (hessian + lambda);
    };
    const acceptable = (leftHessian: number, rightHessian: number): boolean =>
      leftHessian > 0 && rightHessian > 0 && leftHessian >= minChildWeight && rightHessian >= minChildWeight;
    let best: Split | undefined;
    const consider = (feature: number, bin: number, defaultLeft: boolean, missingOnly: boolean, gain: number): void => {
      if (gain > MINIMUM_GAIN && gain >= gamma && (!best || gain > best.gain)) best = { feature, bin, defaultLeft, missingOnly, gain };
    };

    for (const f of this.features) {
      const presentBins = binCounts[f]!;
      if (presentBins === 0) continue;
      const offset = histogramOffsets[f]!;
      let gradientTotal = 0;
      let hessianTotal = 0;
      for (let b = 0; b <= presentBins; b += 1) {
        gradientTotal += histogram[offset + 2 * b]!;
        hessianTotal += histogram[offset + 2 * b + 1]!;
      }
      const missingGradient = histogram[offset + 2 * presentBins]!;
      const missingHessian = histogram[offset + 2 * presentBins + 1]!;
      const hasMissing = missingHessian > 0;
      const parentScore = score(gradientTotal, hessianTotal);
      const bestBefore = best;

      let leftGradient = 0;
      let leftHessian = 0;
      for (let b = 0; b < presentBins - 1; b += 1) {
        leftGradient += histogram[offset + 2 * b]!;
        leftHessian += histogram[offset + 2 * b + 1]!;
        // Missing values to the right…
        const rightHessian = hessianTotal - leftHessian;
        if (acceptable(leftHessian, rightHessian)) {
          consider(f, b, false, false, score(leftGradient, leftHessian) + score(gradientTotal - leftGradient, rightHessian) - parentScore);
        }
        // …or to the left, whichever gains more.
        if (hasMissing) {
          const withMissingGradient = leftGradient + missingGradient;
          const withMissingHessian = leftHessian + missingHessian;
          if (acceptable(withMissingHessian, hessianTotal - withMissingHessian)) {
            consider(
              f,
              b,
              true,
              false,
              score(withMissingGradient, withMissingHessian) + score(gradientTotal - withMissingGradient, hessianTotal - withMissingHessian) - parentScore,
            );
          }
        }
      }
      // Present against missing: the split that reads a signal carried by missingness itself.
      if (hasMissing) {
        const presentHessian = hessianTotal - missingHessian;
        if (acceptable(presentHessian, missingHessian)) {
          consider(f, presentBins - 1, false, true, score(gradientTotal - missingGradient, presentHessian) + score(missingGradient, missingHessian) - parentScore);
        }
      }
      // No missing value reached this node: send future ones with the majority.
      if (!hasMissing && best && best !== bestBefore) {
        let hessianUpTo = 0;
        for (let b = 0; b <= best.bin; b += 1) hessianUpTo += histogram[offset + 2 * b + 1]!;
        best.defaultLeft = hessianUpTo >= hessianTotal - hessianUpTo;
      }
    }
    return best;
  }

  /** Stable in-place partition of rowIndexes[start, end) by the split; returns the left child's end and sums. */
  private partition(start: number, end: number, split: Split): { middle: number; leftGradient: number; leftHessian: number } {
    const { rowIndexes, partitionScratch, gradients } = this;
    const { binned, rows, binCounts } = this.bins;
    const column = split.feature * rows;
    const missingBin = binCounts[split.feature]!;
    let leftEnd = start;
    let rightCount = 0;
    let leftGradient = 0;
    let leftHessian = 0;
    for (let i = start; i < end; i += 1) {
      const r = rowIndexes[i]!;
      const bin = binned[column + r]!;
      if (bin === missingBin ? split.defaultLeft : bin <= split.bin) {
        rowIndexes[leftEnd++] = r;
        leftGradient += gradients[2 * r]!;
        leftHessian += gradients[2 * r + 1]!;
      } else {
        partitionScratch[rightCount++] = r;
      }
    }
    rowIndexes.set(partitionScratch.subarray(0, rightCount), leftEnd);
    return { middle: leftEnd, leftGradient, leftHessian };
  }
}

/** Adds a just-grown tree's output to every training row's margin, sampled or not, walking by bin. */
function addTreeMargins(tree: GradientBoostingTree, bins: BinnedFeatures, margins: Float64Array): void {
  const { binned, rows, binCounts } = bins;
  const splitBins = tree.feature.map((feature, node) => {
    if (feature < 0) return -1;
    const threshold = tree.threshold[node] ?? null;
    return threshold === null ? binCounts[feature]! - 1 : binOf(bins.thresholds[feature]!, threshold) - 1;
  });
  for (let r = 0; r < rows; r += 1) {
    let node = 0;
    let feature = tree.feature[0]!;
    while (feature >= 0) {
      const bin = binned[feature * rows + r]!;
      const goLeft = bin === binCounts[feature]! ? tree.defaultLeft[node]! : bin <= splitBins[node]!;
      node = goLeft ? tree.left[node]! : tree.right[node]!;
      feature = tree.feature[node]!;
    }
    margins[r] = margins[r]! + tree.value[node]!;
  }
}

// ---------------------------------------------------------------- helpers

/** All trees as one set of typed arrays, child indexes made absolute, features turned into the scored matrix's columns. */
interface CompiledForest {
  roots: Int32Array;
  column: Int32Array;
  threshold: Float64Array;
  missingOnly: Uint8Array;
  defaultLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

function compileForest(trees: readonly GradientBoostingTree[], columns: Int32Array): CompiledForest {
  const size = trees.reduce((total, tree) => total + tree.feature.length, 0);
  const forest: CompiledForest = {
    roots: new Int32Array(trees.length),
    column: new Int32Array(size),
    threshold: new Float64Array(size),
    missingOnly: new Uint8Array(size),
    defaultLeft: new Uint8Array(size),
    left: new Int32Array(size),
    right: new Int32Array(size),
    value: new Float64Array(size),
  };
  let base = 0;
  trees.forEach((tree, t) => {
    if (tree.feature.length === 0) throw new RangeError(`tree ${t} of the gradient-boosting model is empty`);
    forest.roots[t] = base;
    tree.feature.forEach((feature, node) => {
      const at = base + node;
      const threshold = tree.threshold[node];
      forest.column[at] = feature < 0 ? -1 : columns[feature]!;
      forest.threshold[at] = threshold ?? Number.NaN;
      forest.missingOnly[at] = feature >= 0 && threshold === null ? 1 : 0;
      forest.defaultLeft[at] = tree.defaultLeft[node] ? 1 : 0;
      forest.left[at] = base + tree.left[node]!;
      forest.right[at] = base + tree.right[node]!;
      forest.value[at] = tree.value[node]!;
    });
    base += tree.feature.length;
  });
  return forest;
}

function leafWeight(gradient: number, hessian: number, lambda: number, alpha: number): number {
  const shrunk = gradient > alpha ? gradient - alpha : gradient < -alpha ? gradient + alpha : 0;
  const denominator = hessian + lambda;
  return denominator > 0 ? -shrunk / denominator : 0;
}

/** Each row kept with probability `share`, as XGBoost samples, in ascending order. */
function sampleRows(random: Random, rows: number, share: number): Int32Array {
  if (share >= 1) return Int32Array.from({ length: rows }, (_, r) => r);
  const kept = new Int32Array(rows);
  let count = 0;
  for (let r = 0; r < rows; r += 1) if (random() < share) kept[count++] = r;
  return kept.slice(0, count);
}

function sigmoid(margin: number): number {
  return 1 / (1 + Math.exp(-margin));
}

/** Mean log-loss from margins, computed stably (log(1 + e^m) − y·m). */
function marginLogLoss(targets: Uint8Array, margins: Float64Array): number {
  let total = 0;
  for (let r = 0; r < margins.length; r += 1) {
    const m = margins[r]!;
    const softplus = m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
    total += softplus - targets[r]! * m;
  }
  return total / margins.length;
}

function binaryLabels(labels: Uint8Array | ArrayLike<number>, rows: number): Uint8Array {
  if (labels.length !== rows) throw new RangeError(`there are ${labels.length} labels for ${rows} rows`);
  const targets = new Uint8Array(rows);
  for (let r = 0; r < rows; r += 1) {
    const label = labels[r];
    if (label !== 0 && label !== 1) throw new RangeError(`label ${r} is ${label}; binary log-loss needs 0 or 1`);
    targets[r] = label;
  }
  return targets;
}

function checkParameters(params: GradientBoostingTrainingParameters): void {
  const problems: string[] = [];
  const need = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };
  need(Number.isInteger(params.num_round) && params.num_round >= 1, `num_round must be a whole number ≥ 1, got ${params.num_round}`);
  need(params.eta > 0, `eta must be > 0, got ${params.eta}`);
  need(Number.isInteger(params.max_depth) && params.max_depth >= 1, `max_depth must be a whole number ≥ 1, got ${params.max_depth}`);
  need(params.min_child_weight >= 0, `min_child_weight must be ≥ 0, got ${params.min_child_weight}`);
  need(params.lambda >= 0, `lambda must be ≥ 0, got ${params.lambda}`);
  need(params.alpha >= 0, `alpha must be ≥ 0, got ${params.alpha}`);
  need(params.gamma >= 0, `gamma must be ≥ 0, got ${params.gamma}`);
  need(params.subsample > 0 && params.subsample <= 1, `subsample must be in (0, 1], got ${params.subsample}`);
  need(params.colsample_bytree > 0 && params.colsample_bytree <= 1, `colsample_bytree must be in (0, 1], got ${params.colsample_bytree}`);
  // The missing bin takes one more index, and bins are stored as bytes.
  need(Number.isInteger(params.max_bin) && params.max_bin >= 2 && params.max_bin <= 255, `max_bin must be a whole number in [2, 255], got ${params.max_bin}`);
  need(Number.isFinite(params.seed), `seed must be a number, got ${params.seed}`);
  if (problems.length > 0) throw new RangeError(`gradient boosting parameters: ${problems.join('; ')}`);
}

function checkModel(model: GradientBoostingModel): void {
  if (model.kind !== 'gradient-boosting') throw new TypeError(`expected a gradient-boosting model, got kind '${String(model.kind)}'`);
  if (model.formatVersion !== GRADIENT_BOOSTING_FORMAT_VERSION) {
    throw new TypeError(`gradient-boosting model format ${String(model.formatVersion)} is not readable by this engine (format ${GRADIENT_BOOSTING_FORMAT_VERSION})`);
  }
}
