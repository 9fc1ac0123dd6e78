/**
 * Gradient-boosted trees as a specification: what they learn that a linear
 * model cannot, how missing values carry signal, what each XGBoost
 * hyperparameter bounds, and that a model is a reproducible, portable JSON
 * document.
 */
import { describe, expect, it } from 'vitest';
import {
  featureImportance,
  predictGradientBoosting,
  trainGradientBoosting,
  type GradientBoostingModel,
  type GradientBoostingTrainingParameters,
  type GradientBoostingTree,
} from '../../../../lambdas/ml/engine/gradient-boosting.ts';
import { predictLogisticRegression, trainLogisticRegression } from '../../../../lambdas/ml/engine/logistic-regression.ts';
import { matrixOf, type Matrix } from '../../../../lambdas/ml/engine/matrix.ts';
import { auc, logLoss } from '../../../../lambdas/ml/engine/metrics.ts';
import { missingnessSignal, xor } from './synthetic.ts';

const defaults: GradientBoostingTrainingParameters = {
  num_round: 40,
  eta: 0.3,
  max_depth: 3,
  min_child_weight: 1,
  lambda: 1,
  alpha: 0,
  gamma: 0,
  subsample: 0.8,
  colsample_bytree: 1,
  max_bin: 64,
  seed: 42,
};
const params = (overrides: Partial<GradientBoostingTrainingParameters> = {}): GradientBoostingTrainingParameters => ({ ...defaults, ...overrides });

const train = xor(2000, 1);
const heldOut = xor(1000, 2);

function depthOf(tree: GradientBoostingTree, node = 0): number {
  return tree.feature[node]! < 0 ? 0 : 1 + Math.max(depthOf(tree, tree.left[node]!), depthOf(tree, tree.right[node]!));
}

function reorder(matrix: Matrix, columns: string[]): Matrix {
  const rows = Array.from({ length: matrix.rows }, (_, r) => columns.map((name) => matrix.values[r * matrix.columns.length + matrix.columns.indexOf(name)]!));
  return matrixOf(columns, rows);
}

describe('gradient boosting', () => {
  const model = trainGradientBoosting(train.matrix, train.labels, params());

  it('learns an interaction a linear model cannot', () => {
    const trees = auc(heldOut.labels, predictGradientBoosting(model, heldOut.matrix));
    const linear = trainLogisticRegression(train.matrix, train.labels, { l2: 1, maxIterations: 100 });
    const line = auc(heldOut.labels, predictLogisticRegression(linear, heldOut.matrix));
    expect(trees).toBeGreaterThan(0.95);
    expect(Math.abs(line - 0.5)).toBeLessThan(0.06);
  });

  it('ranks the interacting features above the noise', () => {
    const ranking = featureImportance(model);
    expect(ranking.slice(0, 2).map((item) => item.feature).sort()).toEqual(['x1', 'x2']);
    expect(ranking.map((item) => item.gain)).toEqual([...ranking.map((item) => item.gain)].sort((a, b) => b - a));
    expect(ranking).toHaveLength(4);
  });

  it('is the same model for the same seed, byte for byte, and another for another seed', () => {
    const again = trainGradientBoosting(train.matrix, train.labels, params());
    expect(JSON.stringify(again)).toBe(JSON.stringify(model));
    const reseeded = trainGradientBoosting(train.matrix, train.labels, params({ seed: 43 }));
    expect(JSON.stringify(reseeded)).not.toBe(JSON.stringify(model));
  });

  it('predicts the same after a JSON round trip', () => {
    const stored: GradientBoostingModel = JSON.parse(JSON.stringify(model));
    expect(predictGradientBoosting(stored, heldOut.matrix)).toEqual(predictGradientBoosting(model, heldOut.matrix));
    expect(stored).toMatchObject({ kind: 'gradient-boosting', formatVersion: 1, objective: 'binary:logistic', features: ['x1', 'x2', 'x3', 'x4'] });
  });

  it('matches columns by name, whatever their order in the scored matrix', () => {
    const shuffled = reorder(heldOut.matrix, ['x4', 'x2', 'x3', 'x1']);
    expect(predictGradientBoosting(model, shuffled)).toEqual(predictGradientBoosting(model, heldOut.matrix));
  });

  it('names the feature a scored matrix lacks', () => {
    const withoutX2 = reorder(heldOut.matrix, ['x1', 'x3', 'x4']);
    expect(() => predictGradientBoosting(model, withoutX2)).toThrow(/'x2'.*missing from the matrix/);
  });

  it('starts from the log-odds of the label mean and reports a falling training loss each round', () => {
    const losses: number[] = [];
    const fitted = trainGradientBoosting(train.matrix, train.labels, params({ num_round: 10 }), { onRound: (round, loss) => losses.push(round, loss) });
    const mean = train.labels.reduce((sum, label) => sum + label, 0) / train.labels.length;
    expect(fitted.baseScore).toBeCloseTo(Math.log(mean / (1 - mean)), 12);
    const rounds = losses.filter((_, i) => i % 2 === 0);
    const values = losses.filter((_, i) => i % 2 === 1);
    expect(rounds).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(values[9]!).toBeLessThan(values[0]!);
    expect(values[0]!).toBeLessThan(Math.log(2));
  });
});

describe('gradient boosting with missing values', () => {
  const data = missingnessSignal(3000, 3);
  const model = trainGradientBoosting(data.matrix, data.labels, params({ num_round: 20, max_depth: 2 }));

  it('reads a signal carried by missingness, sending missing values down the churning side', () => {
    const test = missingnessSignal(1000, 4);
    expect(auc(test.labels, predictGradientBoosting(model, test.matrix))).toBeGreaterThan(0.8);
    const [missing, present] = predictGradientBoosting(model, matrixOf(['last_login_days', 'orders'], [[null, 5], [50, 5]]));
    expect(missing!).toBeGreaterThan(0.6);
    expect(present!).toBeLessThan(0.2);
    expect(featureImportance(model)[0]!.feature).toBe('last_login_days');
  });

  it('splits on missingness alone when that is the best split, written as a null threshold', () => {
    const root = model.trees[0]!;
    expect(model.features[root.feature[0]!]).toBe('last_login_days');
    expect(root.threshold[0]).toBeNull();
    expect(root.defaultLeft[0]).toBe(false);
  });

  it('trains on a feature that is never present, and never splits on it', () => {
    const empty = matrixOf(['nothing', 'x1', 'x2'], Array.from({ length: train.matrix.rows }, (_, r) => [null, train.matrix.values[r * 4]!, train.matrix.values[r * 4 + 1]!]));
    const fitted = trainGradientBoosting(empty, train.labels, params({ num_round: 5 }));
    expect(fitted.trees.every((tree) => tree.feature.every((feature) => feature !== 0))).toBe(true);
  });
});

describe('gradient boosting hyperparameters', () => {
  it('grows num_round trees, none deeper than max_depth, and uses the depth it is allowed', () => {
    for (const max_depth of [1, 2, 4]) {
      const fitted = trainGradientBoosting(train.matrix, train.labels, params({ num_round: 7, max_depth }));
      expect(fitted.trees).toHaveLength(7);
      const depths = fitted.trees.map((tree) => depthOf(tree));
      expect(Math.max(...depths)).toBe(max_depth);
    }
  });

  it('makes no split whose gain is below gamma', () => {
    const stumps = trainGradientBoosting(train.matrix, train.labels, params({ num_round: 3, gamma: 1e6 }));
    expect(stumps.trees.every((tree) => tree.feature.length === 1 && tree.feature[0] === -1)).toBe(true);
    const mean = train.labels.reduce((sum, label) => sum + label, 0) / train.labels.length;
    const predictions = predictGradientBoosting(stumps, heldOut.matrix);
    expect(new Set(predictions).size).toBe(1);
    // Only the leaf weights' pull towards the (already optimal) mean moves it, slightly.
    expect(predictions[0]!).toBeCloseTo(mean, 2);

    const someGamma = trainGradientBoosting(train.matrix, train.labels, params({ num_round: 3, gamma: 5 }));
    const gains = someGamma.trees.flatMap((tree) => tree.gain.filter((_, node) => tree.feature[node]! >= 0));
    expect(gains.length).toBeGreaterThan(0);
    expect(Math.min(...gains)).toBeGreaterThanOrEqual(5);
  });

  it('makes no child lighter than min_child_weight (in hessian)', () => {
    // 2000 rows at p ≈ ½ weigh about 500 in hessian: no split can leave both sides above 400.
    const none = trainGradientBoosting(train.matrix, train.labels, params({ num_round: 2, subsample: 1, min_child_weight: 400 }));
    expect(none.trees.every((tree) => tree.feature.length === 1)).toBe(true);
    const bounded = trainGradientBoosting(train.matrix, train.labels, params({ num_round: 5, min_child_weight: 50 }));
    const leafCovers = bounded.trees.flatMap((tree) => tree.cover.filter((_, node) => tree.feature[node]! < 0));
    expect(Math.min(...leafCovers)).toBeGreaterThanOrEqual(50);
  });

  it('lets each tree see a seeded sample of the columns', () => {
    const fitted = trainGradientBoosting(train.matrix, train.labels, params({ num_round: 30, colsample_bytree: 0.25 }));
    const used = fitted.trees.map((tree) => new Set(tree.feature.filter((feature) => feature >= 0)));
    expect(used.every((features) => features.size <= 1)).toBe(true);
    expect(new Set(used.flatMap((features) => [...features])).size).toBeGreaterThan(1);
    const again = trainGradientBoosting(train.matrix, train.labels, params({ num_round: 30, colsample_bytree: 0.25 }));
    expect(again.trees.map((tree) => tree.feature[0])).toEqual(fitted.trees.map((tree) => tree.feature[0]));
  });

  it('lets each tree see a seeded sample of the rows', () => {
    const all = trainGradientBoosting(train.matrix, train.labels, params({ num_round: 1, subsample: 1 }));
    const half = trainGradientBoosting(train.matrix, train.labels, params({ num_round: 1, subsample: 0.5 }));
    const otherHalf = trainGradientBoosting(train.matrix, train.labels, params({ num_round: 1, subsample: 0.5, seed: 7 }));
    const share = half.trees[0]!.cover[0]! / all.trees[0]!.cover[0]!;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.55);
    expect(otherHalf.trees[0]!.cover[0]).not.toBe(half.trees[0]!.cover[0]);
  });

  it('bins a feature into at most max_bin bins, so its thresholds are at most max_bin − 1', () => {
    const fitted = trainGradientBoosting(train.matrix, train.labels, params({ num_round: 20, max_bin: 4 }));
    const thresholds = new Set(fitted.trees.flatMap((tree) => tree.threshold.filter((_, node) => tree.feature[node] === 0)));
    expect(thresholds.size).toBeGreaterThan(0);
    expect(thresholds.size).toBeLessThanOrEqual(3);
  });

  it('refuses parameters out of range and labels of a single class, saying which', () => {
    expect(() => trainGradientBoosting(train.matrix, train.labels, params({ max_bin: 300, eta: 0 }))).toThrow(/eta must be > 0.*max_bin/);
    expect(() => trainGradientBoosting(train.matrix, new Uint8Array(train.matrix.rows), params())).toThrow(/single class/);
    expect(() => trainGradientBoosting(train.matrix, [0, 1], params())).toThrow(/2 labels for 2000 rows/);
  });
});

describe('gradient boosting inputs', () => {
  it('walks training rows by bin exactly as scoring walks raw values by threshold', () => {
    for (const data of [train, missingnessSignal(2000, 5)]) {
      let lastLoss = Number.NaN;
      const fitted = trainGradientBoosting(data.matrix, data.labels, params({ num_round: 15, max_depth: 4, max_bin: 16 }), {
        onRound: (_, loss) => {
          lastLoss = loss;
        },
      });
      expect(logLoss(data.labels, predictGradientBoosting(fitted, data.matrix))).toBeCloseTo(lastLoss, 10);
    }
  });


  it('refuses a matrix that names a column twice, since scoring finds features by name', () => {
    const twice = matrixOf(['a', 'b', 'a'], [[1, 2, 3], [4, 5, 6]]);
    expect(() => trainGradientBoosting(twice, [0, 1], params())).toThrow(/'a' more than once/);
  });
});
