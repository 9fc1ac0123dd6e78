/**
 * Random oversampling of the positive class: the rows of a train split plus
 * repeats of its positive rows, drawn with replacement from a seeded
 * generator, until positives make up the target share. What scikit-learn's
 * imbalanced-learn calls RandomOverSampler with `sampling_strategy`
 * expressed as a share; rows are repeated, never invented.
 */
import { seededRandom } from './random.ts';

export interface Oversampled {
  /** Row indexes into the train split: every row once, then the repeats. */
  readonly rows: Int32Array;
  /** Positive rows added. */
  readonly added: number;
}

/**
 * Indexes of `labels` with positives repeated until they make up `targetShare`
 * of the result. Already at or above it, or with no positive or no negative
 * to balance, every row appears once and nothing is added.
 */
export function oversamplePositives(labels: ArrayLike<number>, targetShare: number, seed: number): Oversampled {
  if (!(targetShare > 0 && targetShare < 1)) throw new RangeError(`targetShare must lie between 0 and 1, got ${targetShare}`);
  const positives: number[] = [];
  for (let index = 0; index < labels.length; index += 1) if (labels[index] === 1) positives.push(index);
  const negatives = labels.length - positives.length;
  // positives + added = share x (rows + added)  =>  added = (share x rows - positives) / (1 - share)
  const wanted = Math.ceil((targetShare * labels.length - positives.length) / (1 - targetShare));
  const added = positives.length === 0 || negatives === 0 ? 0 : Math.max(0, wanted);
  const rows = new Int32Array(labels.length + added);
  for (let index = 0; index < labels.length; index += 1) rows[index] = index;
  const random = seededRandom(seed);
  for (let extra = 0; extra < added; extra += 1) rows[labels.length + extra] = positives[Math.floor(random() * positives.length)]!;
  return { rows, added };
}
