/**
 * Median imputation and standardization, shared by the models that cannot
 * read NaN and that compare features on one scale: logistic regression
 * (penalized coefficients mean something only when features have unit
 * variance) and k-means (distances would otherwise be ruled by the widest
 * feature). The statistics are fitted once on the training matrix and stored
 * in the model, so scoring transforms new rows exactly as training did.
 */
import { columnIndexesByName, type Matrix } from './matrix.ts';

export interface Standardization {
  /** Per feature: what a missing value becomes (0 when the feature was never present). */
  medians: number[];
  /** Per feature, after imputation. */
  means: number[];
  /** Per feature, after imputation (population); 0 marks a constant feature, which standardizes to 0. */
  stds: number[];
}

/** A spread this small relative to the values is floating-point noise of a constant column. */
const CONSTANT_RELATIVE_SPREAD = 1e-12;

export function fitStandardization(matrix: Matrix): Standardization {
  const { rows, values } = matrix;
  const width = matrix.columns.length;
  const medians: number[] = [];
  const means: number[] = [];
  const stds: number[] = [];
  const present = new Float64Array(rows);
  for (let c = 0; c < width; c += 1) {
    let count = 0;
    for (let r = 0; r < rows; r += 1) {
      const x = values[r * width + c]!;
      if (!Number.isNaN(x)) present[count++] = x;
    }
    const median = count === 0 ? 0 : medianInPlace(present.subarray(0, count));
    let sum = 0;
    for (let r = 0; r < rows; r += 1) sum += imputed(values[r * width + c]!, median);
    const mean = rows === 0 ? 0 : sum / rows;
    let squares = 0;
    for (let r = 0; r < rows; r += 1) {
      const deviation = imputed(values[r * width + c]!, median) - mean;
      squares += deviation * deviation;
    }
    const std = rows === 0 ? 0 : Math.sqrt(squares / rows);
    medians.push(median);
    means.push(mean);
    stds.push(std <= CONSTANT_RELATIVE_SPREAD * (Math.abs(mean) + 1) ? 0 : std);
  }
  return { medians, means, stds };
}

/**
 * The matrix's values for the given features (matched by name), imputed and
 * standardized, row-major with one column per feature.
 */
export function standardizedValues(standardization: Standardization, features: readonly string[], matrix: Matrix, model: string): Float64Array {
  const columns = columnIndexesByName(matrix, features, model);
  const { medians, means, stds } = standardization;
  const width = features.length;
  const sourceWidth = matrix.columns.length;
  const out = new Float64Array(matrix.rows * width);
  for (let c = 0; c < width; c += 1) {
    const source = columns[c]!;
    const median = medians[c]!;
    const mean = means[c]!;
    const std = stds[c]!;
    for (let r = 0; r < matrix.rows; r += 1) {
      out[r * width + c] = std === 0 ? 0 : (imputed(matrix.values[r * sourceWidth + source]!, median) - mean) / std;
    }
  }
  return out;
}

function imputed(x: number, median: number): number {
  return Number.isNaN(x) ? median : x;
}

/**
 * The median by quickselect (O(n), where sorting ~120 columns of 40k rows
 * was the slowest step of fitting); reorders `values`.
 */
function medianInPlace(values: Float64Array): number {
  const upper = values.length >>> 1;
  select(values, upper);
  if (values.length % 2 === 1) return values[upper]!;
  // Everything left of `upper` is ≤ it now; the lower middle is their maximum.
  let lower = values[0]!;
  for (let i = 1; i < upper; i += 1) if (values[i]! > lower) lower = values[i]!;
  return (lower + values[upper]!) / 2;
}

/** Hoare's quickselect with a median-of-three pivot: afterwards values[k] is the k-th smallest, smaller ones left, larger right. */
function select(values: Float64Array, k: number): void {
  let left = 0;
  let right = values.length - 1;
  while (right > left) {
    const middle = (left + right) >>> 1;
    const pivot = medianOfThree(values[left]!, values[middle]!, values[right]!);
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i += 1;
      while (values[j]! > pivot) j -= 1;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i += 1;
        j -= 1;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}

function medianOfThree(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}
