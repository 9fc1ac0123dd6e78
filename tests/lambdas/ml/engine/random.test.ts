/** The seeded generator every model draws from: same seed, same draws; nearby seeds, unrelated draws. */
import { describe, expect, it } from 'vitest';
import { sampleIndexes, seededRandom, shuffleInPlace } from '../../../../lambdas/ml/engine/random.ts';

describe('seededRandom', () => {
  it('repeats its sequence for a seed, in [0, 1), and starts elsewhere for the next seed', () => {
    const draw = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 1000 }, () => random());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42).every((x) => x >= 0 && x < 1)).toBe(true);
    const [zero, one] = [draw(0), draw(1)];
    expect(zero.filter((x, i) => Math.abs(x - one[i]!) < 0.01).length).toBeLessThan(50);
    const mean = zero.reduce((sum, x) => sum + x, 0) / zero.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it('samples distinct indexes in ascending order, and shuffles reproducibly', () => {
    const sample = sampleIndexes(seededRandom(3), 100, 30);
    expect(new Set(sample).size).toBe(30);
    expect([...sample]).toEqual([...sample].sort((a, b) => a - b));
    expect(sampleIndexes(seededRandom(3), 100, 30)).toEqual(sample);
    expect(() => sampleIndexes(seededRandom(3), 5, 6)).toThrow(/6 of 5/);
    expect(shuffleInPlace(seededRandom(1), [1, 2, 3, 4, 5])).toEqual(shuffleInPlace(seededRandom(1), [1, 2, 3, 4, 5]));
  });
});
