/**
 * A small seeded pseudo-random generator for the embedded engine.
 *
 * Every random choice the models make (row and column sampling of the trees,
 * k-means++ seeding, the silhouette sample) draws from here, so a model is a
 * pure function of its data, its parameters and its seed: retraining on the
 * same snapshot gives the same model.json, byte for byte. Math.random cannot
 * be seeded, hence this file.
 */

/** A generator of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: 32 bits of state, fast, and good enough for sampling (it is not
 * for cryptography). The seed is scrambled first so that nearby seeds
 * (0, 1, 2…) start from unrelated states.
 */
export function seededRandom(seed: number): Random {
  if (!Number.isFinite(seed)) throw new RangeError(`the seed must be a finite number, got ${seed}`);
  let state = scramble(Math.trunc(seed) >>> 0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, bound). */
export function randomInt(random: Random, bound: number): number {
  return Math.floor(random() * bound);
}

/** Fisher–Yates, in place; returns the same array. */
export function shuffleInPlace<T extends { length: number; [index: number]: unknown }>(random: Random, items: T): T {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = randomInt(random, i + 1);
    const swap = items[i];
    items[i] = items[j];
    items[j] = swap;
  }
  return items;
}

/**
 * `count` distinct indexes of [0, population), in ascending order (ascending
 * so that callers walk memory forward). Partial Fisher–Yates: O(population).
 */
export function sampleIndexes(random: Random, population: number, count: number): Int32Array {
  if (count > population) throw new RangeError(`cannot sample ${count} of ${population} without replacement`);
  const pool = new Int32Array(population);
  for (let i = 0; i < population; i += 1) pool[i] = i;
  for (let i = 0; i < count; i += 1) {
    const j = i + randomInt(random, population - i);
    const swap = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = swap;
  }
  return pool.slice(0, count).sort();
}

/** A standard normal draw (Box–Muller), for synthetic data and jitter. */
export function normal(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function scramble(seed: number): number {
  let h = seed ^ 0x9e3779b9;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
