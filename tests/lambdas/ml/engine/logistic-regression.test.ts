/**
 * The logistic-regression baseline as a specification: it recovers a linear
 * rule, shrugs off the columns that break naive fits (constant, duplicated,
 * missing), and stores everything scoring needs.
 */
import { describe, expect, it } from 'vitest';
import { coefficients, predictLogisticRegression, trainLogisticRegression, type LogisticRegressionModel } from '../../../../lambdas/ml/engine/logistic-regression.ts';
import { matrixOf, type Matrix } from '../../../../lambdas/ml/engine/matrix.ts';
import { auc } from '../../../../lambdas/ml/engine/metrics.ts';
import { linear } from './synthetic.ts';

const train = linear(3000, 11);
const test = linear(1000, 12);

/** The same rows with extra columns appended. */
function withColumns(matrix: Matrix, extra: Record<string, (row: number[]) => number | null>): Matrix {
  const names = Object.keys(extra);
  const rows = Array.from({ length: matrix.rows }, (_, r) => {
    const row = Array.from(matrix.values.subarray(r * matrix.columns.length, (r + 1) * matrix.columns.length));
    return [...row, ...names.map((name) => extra[name]!(row))];
  });
  return matrixOf([...matrix.columns, ...names], rows);
}

describe('logistic regression', () => {
  const model = trainLogisticRegression(train.matrix, train.labels, { l2: 1, maxIterations: 100 });

  it('recovers the signs of a linear rule, and a near-zero weight for noise', () => {
    const byFeature = Object.fromEntries(coefficients(model).map((item) => [item.feature, item]));
    expect(byFeature.up!.coefficient).toBeGreaterThan(1.5);
    expect(byFeature.down!.coefficient).toBeLessThan(-1);
    expect(Math.abs(byFeature.noise!.coefficient)).toBeLessThan(0.2);
    expect(model.converged).toBe(true);
    expect(auc(test.labels, predictLogisticRegression(model, test.matrix))).toBeGreaterThan(0.85);
  });

  it('orders coefficients by |standardized coefficient|, the importance', () => {
    expect(coefficients(model).map((item) => item.feature)).toEqual(['up', 'down', 'noise']);
  });

  it('gives a constant column weight 0 and still converges', () => {
    const matrix = withColumns(train.matrix, { always_seven: () => 7 });
    const fitted = trainLogisticRegression(matrix, train.labels, { l2: 1, maxIterations: 100 });
    expect(fitted.weights[3]).toBe(0);
    expect(fitted.stds[3]).toBe(0);
    expect(fitted.converged).toBe(true);
    expect(fitted.weights.slice(0, 3)).toEqual(model.weights.map((weight) => expect.closeTo(weight, 8)));
  });

  it('converges on a duplicated column even without a penalty, splitting the weight between the twins', () => {
    const matrix = withColumns(train.matrix, { up_again: (row) => row[0]! });
    const fitted = trainLogisticRegression(matrix, train.labels, { l2: 0, maxIterations: 100 });
    expect(fitted.converged).toBe(true);
    expect(fitted.weights.every(Number.isFinite)).toBe(true);
    expect(fitted.weights[0]).toBeCloseTo(fitted.weights[3]!, 4);
    const alone = trainLogisticRegression(train.matrix, train.labels, { l2: 0, maxIterations: 100 });
    expect(fitted.weights[0]! + fitted.weights[3]!).toBeCloseTo(alone.weights[0]!, 4);
  });

  it('fills missing values with the training median, stored in the model', () => {
    const matrix = withColumns(train.matrix, { sometimes: (row) => (row[2]! > 0 ? null : row[1]!) });
    const fitted = trainLogisticRegression(matrix, train.labels, { l2: 1, maxIterations: 100 });
    expect(Number.isNaN(fitted.medians[3])).toBe(false);
    const scores = predictLogisticRegression(fitted, matrixOf(matrix.columns, [[0, 0, 0, null]]));
    const imputed = predictLogisticRegression(fitted, matrixOf(matrix.columns, [[0, 0, 0, fitted.medians[3]!]]));
    expect(scores[0]).toBe(imputed[0]);
  });

  it('shrinks coefficients as the penalty grows', () => {
    const strong = trainLogisticRegression(train.matrix, train.labels, { l2: 1000, maxIterations: 100 });
    expect(Math.abs(strong.weights[0]!)).toBeLessThan(Math.abs(model.weights[0]!));
  });

  it('predicts the same after a JSON round trip, matching columns by name', () => {
    const stored: LogisticRegressionModel = JSON.parse(JSON.stringify(model));
    expect(stored).toMatchObject({ kind: 'logistic-regression', formatVersion: 1 });
    expect(predictLogisticRegression(stored, test.matrix)).toEqual(predictLogisticRegression(model, test.matrix));
    expect(() => predictLogisticRegression(model, matrixOf(['up', 'noise'], [[1, 1]]))).toThrow(/'down'/);
  });
});
