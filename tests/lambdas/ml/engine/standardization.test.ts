/** Imputation and standardization shared by the linear and distance models: what a missing value becomes, what a constant column becomes. */
import { describe, expect, it } from 'vitest';
import { matrixOf } from '../../../../lambdas/ml/engine/matrix.ts';
import { seededRandom } from '../../../../lambdas/ml/engine/random.ts';
import { fitStandardization, standardizedValues } from '../../../../lambdas/ml/engine/standardization.ts';

describe('standardization', () => {
  const matrix = matrixOf(
    ['odd', 'even', 'constant', 'never'],
    [
      [5, 1, 3, null],
      [1, 4, 3, null],
      [null, 2, 3, null],
      [3, 10, 3, null],
    ],
  );
  const fitted = fitStandardization(matrix);

  it('fills a missing value with the median of the present ones (the mean of the middle two when even), and 0 when none is present', () => {
    expect(fitted.medians).toEqual([3, 3, 3, 0]);
  });

  it('marks a constant column with std 0 and maps it to 0 instead of dividing by zero', () => {
    expect(fitted.stds[2]).toBe(0);
    expect(fitted.stds[3]).toBe(0);
    const values = standardizedValues(fitted, matrix.columns, matrix, 'test');
    expect([values[2], values[6], values[3]]).toEqual([0, 0, 0]);
    // 'odd' after imputation is 5, 1, 3, 3: mean 3, population std 1.414…
    expect(values[0]).toBeCloseTo(2 / Math.sqrt(2), 12);
    expect(values[8]).toBe(0);
  });

  it('agrees with sorting on many random columns with ties and gaps', () => {
    const random = seededRandom(5);
    for (let trial = 0; trial < 300; trial += 1) {
      const values = Array.from({ length: 1 + Math.floor(random() * 40) }, () => (random() < 0.2 ? null : Math.floor(random() * 6)));
      const present = values.filter((value): value is number => value !== null).sort((a, b) => a - b);
      const half = present.length >>> 1;
      const expected = present.length === 0 ? 0 : present.length % 2 === 1 ? present[half]! : (present[half - 1]! + present[half]!) / 2;
      expect(fitStandardization(matrixOf(['x'], values.map((value) => [value]))).medians[0]).toBe(expected);
    }
  });
});
