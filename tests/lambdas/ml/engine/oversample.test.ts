import { describe, expect, it } from 'vitest';
import { oversamplePositives } from '../../../../lambdas/ml/engine/oversample.ts';

const labelsOf = (positives: number, negatives: number) => Uint8Array.from([...Array<number>(positives).fill(1), ...Array<number>(negatives).fill(0)]);

describe('oversamplePositives', () => {
  it('repeats positive rows until they make up the target share, keeping every row once', () => {
    const labels = labelsOf(10, 90);
    const { rows, added } = oversamplePositives(labels, 0.3, 42);
    // (10 + added) / (100 + added) >= 0.3  =>  added = ceil((30 - 10) / 0.7) = 29
    expect(added).toBe(29);
    expect(rows.length).toBe(129);
    expect(Array.from(rows.slice(0, 100))).toEqual(Array.from({ length: 100 }, (_, index) => index));
    const repeats = Array.from(rows.slice(100));
    expect(repeats.every((row) => labels[row] === 1)).toBe(true);
    const positives = Array.from(rows).filter((row) => labels[row] === 1).length;
    expect(positives / rows.length).toBeGreaterThanOrEqual(0.3);
    expect((positives - 1) / (rows.length - 1)).toBeLessThan(0.3);
  });

  it('draws the same repeats for the same seed and others for another', () => {
    const labels = labelsOf(10, 90);
    expect(oversamplePositives(labels, 0.3, 42).rows).toEqual(oversamplePositives(labels, 0.3, 42).rows);
    expect(oversamplePositives(labels, 0.3, 7).rows).not.toEqual(oversamplePositives(labels, 0.3, 42).rows);
  });

  it('adds nothing when positives already make the share, or when there is no class to balance against', () => {
    expect(oversamplePositives(labelsOf(40, 60), 0.3, 1).added).toBe(0);
    expect(oversamplePositives(labelsOf(0, 60), 0.3, 1)).toMatchObject({ added: 0 });
    expect(oversamplePositives(labelsOf(5, 0), 0.3, 1)).toMatchObject({ added: 0 });
  });

  it('refuses a share outside (0, 1)', () => {
    expect(() => oversamplePositives(labelsOf(1, 1), 1, 1)).toThrow('targetShare must lie between 0 and 1, got 1');
  });
});
