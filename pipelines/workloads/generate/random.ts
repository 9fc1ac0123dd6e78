/**
 * Seeded randomness for the workloads' data generators. Math.random and the
 * clock are never used: the same seed must give byte-identical files on every
 * machine.
 */

/** lowbias32 (Chris Wellons): a cheap 32-bit mixer with good avalanche. */
export function mix32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hashes a label into 32 bits, so each concern gets its own independent stream. */
export function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return mix32(h);
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

function hex32(word: number): string {
  return HEX[(word >>> 24) & 0xff]! + HEX[(word >>> 16) & 0xff]! + HEX[(word >>> 8) & 0xff]! + HEX[word & 0xff]!;
}

/** sfc32: small, fast, passes PractRand far beyond what a generator run draws. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream for one concern (`label`) under one seed; streams do not disturb each other. */
  constructor(seed: number, label: string) {
    const salt = hashLabel(label);
    this.a = mix32(seed ^ salt);
    this.b = mix32(this.a + 0x9e3779b9);
    this.c = mix32(this.b + salt);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Standard normal (Box-Muller; one value per call keeps the stream simple). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** A 32-character lowercase hex id, like Olist's keys. */
  hexId(): string {
    return hex32(this.nextUint32()) + hex32(this.nextUint32()) + hex32(this.nextUint32()) + hex32(this.nextUint32());
  }
}

/** Picks indexes by fixed weights in O(log n) (cumulative sums + binary search). */
export class WeightedChoice {
  private readonly cumulative: Float64Array;
  readonly total: number;

  constructor(weights: ArrayLike<number>) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      sum += weights[i]!;
      this.cumulative[i] = sum;
    }
    this.total = sum;
  }

  get size(): number {
    return this.cumulative.length;
  }

  pick(random: Random): number {
    const target = random.next() * this.total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.cumulative[middle]! > target) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}

/** Picks one of a few labelled outcomes by weight. */
export function weightedPick<T>(random: Random, outcomes: readonly (readonly [T, number])[]): T {
  let total = 0;
  for (const [, weight] of outcomes) total += weight;
  let target = random.next() * total;
  for (const [value, weight] of outcomes) {
    target -= weight;
    if (target < 0) return value;
  }
  return outcomes[outcomes.length - 1]![0];
}
