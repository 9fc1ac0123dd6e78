/**
 * Seeded synthetic data for the engine's tests: small tables whose right
 * answer is known by construction (a linear rule, an interaction, a signal
 * carried by missingness, separated blobs).
 */
import type { Matrix } from '../../../../lambdas/ml/engine/matrix.ts';
import { normal, seededRandom, type Random } from '../../../../lambdas/ml/engine/random.ts';

export interface LabelledSet {
  matrix: Matrix;
  labels: Uint8Array;
}

/** Rows drawn by `draw`, which returns the features (in `columns` order) and the label. */
export function generate(columns: readonly string[], rows: number, seed: number, draw: (random: Random) => { features: number[]; label: number }): LabelledSet {
  const random = seededRandom(seed);
  const values = new Float64Array(rows * columns.length);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r += 1) {
    const { features, label } = draw(random);
    values.set(features, r * columns.length);
    labels[r] = label;
  }
  return { matrix: { columns, rows, values }, labels };
}

const uniform = (random: Random): number => 2 * random() - 1;

/** Positive when x1 and x2 share a sign (2% of labels flipped, so the best possible AUC is 0.98); x3, x4 are noise. A linear model sees nothing. */
export function xor(rows: number, seed: number): LabelledSet {
  return generate(['x1', 'x2', 'x3', 'x4'], rows, seed, (random) => {
    const features = [uniform(random), uniform(random), uniform(random), uniform(random)];
    const agree = features[0]! * features[1]! > 0;
    return { features, label: (random() < 0.02 ? !agree : agree) ? 1 : 0 };
  });
}

/** log-odds = 2·up − 1.5·down + 0·noise. */
export function linear(rows: number, seed: number): LabelledSet {
  return generate(['up', 'down', 'noise'], rows, seed, (random) => {
    const features = [normal(random), normal(random), normal(random)];
    const logOdds = 2 * features[0]! - 1.5 * features[1]!;
    return { features, label: random() < 1 / (1 + Math.exp(-logOdds)) ? 1 : 0 };
  });
}

/**
 * `last_login_days` is missing for 80% of positives and 10% of negatives, and
 * its value, when present, says nothing; `orders` is noise.
 */
export function missingnessSignal(rows: number, seed: number): LabelledSet {
  return generate(['last_login_days', 'orders'], rows, seed, (random) => {
    const label = random() < 0.3 ? 1 : 0;
    const missing = random() < (label === 1 ? 0.8 : 0.1);
    return { features: [missing ? Number.NaN : 100 * random(), Math.floor(20 * random())], label };
  });
}

/** AUC by counting every (positive, negative) pair: slow, obviously right, the oracle for the fast one. */
export function pairwiseAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i += 1) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j += 1) {
      if (labels[j] !== 0) continue;
      pairs += 1;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}
