/**
 * k-means for seller segmentation.
 *
 * Features are median-imputed and standardized first (both stored in the
 * model) so that no feature rules the distances by its units alone. Seeding is
 * k-means++ from the seeded generator, then Lloyd iterations until no seller
 * changes segment; a segment left empty is re-seeded with the point farthest
 * from its centroid, so the model always has k non-empty segments.
 *
 * The silhouette is the segmentation's quality measure (the gate compares it
 * between champion and challenger). It is exact over a seeded sample: O(n²)
 * on the sample, so 2,000 rows cost ~2M distances whatever the table size.
 */
import { assertDistinctColumns, type Matrix } from './matrix.ts';
import { randomInt, sampleIndexes, seededRandom } from './random.ts';
import { fitStandardization, standardizedValues } from './standardization.ts';

export const K_MEANS_FORMAT_VERSION = 1;

export interface KMeansParameters {
  k: number;
  maxIterations: number;
  seed: number;
}

export interface KMeansModel {
  kind: 'k-means';
  formatVersion: typeof K_MEANS_FORMAT_VERSION;
  features: string[];
  medians: number[];
  means: number[];
  /** 0 marks a constant feature, which standardizes to 0. */
  stds: number[];
  /** k centroids in the standardized space, each one value per feature. */
  centroids: number[][];
  /** Sum of squared standardized distances of the training rows to their centroids. */
  inertia: number;
  iterations: number;
  /** Whether the last iteration moved no row (false: stopped at maxIterations). */
  converged: boolean;
  /** Training rows per cluster. */
  clusterSizes: number[];
  params: KMeansParameters;
}

export interface SilhouetteOptions {
  /** Rows the silhouette is computed on; all rows when there are fewer. Default 2000. */
  sampleSize?: number;
  /** Seed of the sample. Default 0. */
  seed?: number;
}

export interface KMeansOptions {
  /**
   * Start from these centroids (standardized space, k of them) instead of
   * k-means++: a retrain warm-started from the champion's centroids keeps
   * segment numbers meaning the same segments.
   */
  initialCentroids?: readonly (readonly number[])[];
}

export function trainKMeans(matrix: Matrix, params: KMeansParameters, options: KMeansOptions = {}): KMeansModel {
  const { k, maxIterations, seed } = params;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`k must be a whole number ≥ 1, got ${k}`);
  if (!(Number.isInteger(maxIterations) && maxIterations >= 1)) throw new RangeError(`maxIterations must be a whole number ≥ 1, got ${maxIterations}`);
  assertDistinctColumns(matrix);
  if (k > matrix.rows) throw new RangeError(`k-means cannot make ${k} clusters of ${matrix.rows} rows`);

  const features = [...matrix.columns];
  const standardization = fitStandardization(matrix);
  const points = standardizedValues(standardization, features, matrix, 'k-means');
  const dimensions = features.length;
  const rows = matrix.rows;
  const random = seededRandom(seed);
  const centroids = options.initialCentroids ? givenCentroids(options.initialCentroids, k, dimensions) : kMeansPlusPlus(points, rows, dimensions, k, random);

  const assignments = new Int32Array(rows).fill(-1);
  const distances = new Float64Array(rows);
  const sizes = new Int32Array(k);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations += 1;
    let changed = assign(points, rows, dimensions, centroids, k, assignments, distances);
    changed += reseedEmptyClusters(points, dimensions, centroids, k, assignments, distances, sizes);
    updateCentroids(points, rows, dimensions, centroids, k, assignments, sizes);
    if (changed === 0) {
      converged = true;
      break;
    }
  }
  // Inertia and sizes for the final centroids (the loop may have stopped right after moving them).
  assign(points, rows, dimensions, centroids, k, assignments, distances);
  sizes.fill(0);
  let inertia = 0;
  for (let r = 0; r < rows; r += 1) {
    sizes[assignments[r]!] = sizes[assignments[r]!]! + 1;
    inertia += distances[r]!;
  }

  return {
    kind: 'k-means',
    formatVersion: K_MEANS_FORMAT_VERSION,
    features,
    ...standardization,
    centroids: Array.from({ length: k }, (_, c) => Array.from(centroids.subarray(c * dimensions, (c + 1) * dimensions))),
    inertia,
    iterations,
    converged,
    clusterSizes: Array.from(sizes),
    params: { k, maxIterations, seed },
  };
}

/** The nearest centroid of each row (ties to the lowest cluster number); columns matched by name. */
export function assignClusters(model: KMeansModel, matrix: Matrix): Int32Array {
  checkModel(model);
  const points = standardizedValues(model, model.features, matrix, 'k-means');
  const dimensions = model.features.length;
  const k = model.centroids.length;
  const centroids = new Float64Array(k * dimensions);
  model.centroids.forEach((centroid, c) => centroids.set(centroid, c * dimensions));
  const assignments = new Int32Array(matrix.rows).fill(-1);
  assign(points, matrix.rows, dimensions, centroids, k, assignments, new Float64Array(matrix.rows));
  return assignments;
}

/**
 * Mean silhouette of a seeded sample of rows, in [−1, 1]: how much closer each
 * row is to its own cluster than to the nearest other one. Either a model and
 * the raw matrix (measured in the model's standardized space, as the clusters
 * were made) or points already in the space to measure. A row alone in its
 * cluster within the sample counts 0, as in scikit-learn.
 */
export function silhouetteScore(model: KMeansModel, matrix: Matrix, labels: ArrayLike<number>, options?: SilhouetteOptions): number;
export function silhouetteScore(points: Matrix, labels: ArrayLike<number>, options?: SilhouetteOptions): number;
export function silhouetteScore(
  first: KMeansModel | Matrix,
  second: Matrix | ArrayLike<number>,
  third?: ArrayLike<number> | SilhouetteOptions,
  fourth?: SilhouetteOptions,
): number {
  let points: Float64Array;
  let dimensions: number;
  let rows: number;
  let labels: ArrayLike<number>;
  let options: SilhouetteOptions;
  if ('kind' in first) {
    checkModel(first);
    const matrix = second as Matrix;
    points = standardizedValues(first, first.features, matrix, 'k-means');
    dimensions = first.features.length;
    rows = matrix.rows;
    labels = third as ArrayLike<number>;
    options = fourth ?? {};
  } else {
    points = first.values;
    dimensions = first.columns.length;
    rows = first.rows;
    labels = second as ArrayLike<number>;
    options = (third as SilhouetteOptions | undefined) ?? {};
    if (points.some((x) => Number.isNaN(x))) throw new RangeError('silhouette points hold NaN; pass the k-means model and the raw matrix to impute them');
  }
  if (labels.length !== rows) throw new RangeError(`there are ${labels.length} cluster labels for ${rows} rows`);

  const sampleSize = options.sampleSize ?? 2000;
  const sample = rows <= sampleSize ? Int32Array.from({ length: rows }, (_, r) => r) : sampleIndexes(seededRandom(options.seed ?? 0), rows, sampleSize);
  const m = sample.length;
  const clusterOf = new Int32Array(m);
  const clusterNumbers = new Map<number, number>();
  for (let i = 0; i < m; i += 1) {
    const label = labels[sample[i]!]!;
    if (!clusterNumbers.has(label)) clusterNumbers.set(label, clusterNumbers.size);
    clusterOf[i] = clusterNumbers.get(label)!;
  }
  const clusters = clusterNumbers.size;
  if (clusters < 2) throw new RangeError(`the silhouette needs at least 2 clusters in the sample; found ${clusters}`);

  // distanceSums[i * clusters + c]: sum of distances from sample row i to the sample rows of cluster c.
  const distanceSums = new Float64Array(m * clusters);
  const counts = new Int32Array(clusters);
  for (let i = 0; i < m; i += 1) counts[clusterOf[i]!] = counts[clusterOf[i]!]! + 1;
  for (let i = 0; i < m; i += 1) {
    const a = sample[i]! * dimensions;
    for (let j = i + 1; j < m; j += 1) {
      const b = sample[j]! * dimensions;
      const distance = Math.sqrt(squaredDistance(points, a, points, b, dimensions));
      distanceSums[i * clusters + clusterOf[j]!] = distanceSums[i * clusters + clusterOf[j]!]! + distance;
      distanceSums[j * clusters + clusterOf[i]!] = distanceSums[j * clusters + clusterOf[i]!]! + distance;
    }
  }
  let total = 0;
  for (let i = 0; i < m; i += 1) {
    const own = clusterOf[i]!;
    if (counts[own]! <= 1) continue;
    const cohesion = distanceSums[i * clusters + own]! / (counts[own]! - 1);
    let separation = Number.POSITIVE_INFINITY;
    for (let c = 0; c < clusters; c += 1) {
      if (c !== own) separation = Math.min(separation, distanceSums[i * clusters + c]! / counts[c]!);
    }
    const spread = Math.max(cohesion, separation);
    total += spread === 0 ? 0 : (separation - cohesion) / spread;
  }
  return total / m;
}

// ---------------------------------------------------------------- the algorithm

/** k-means++: each next centroid drawn with probability proportional to its squared distance from the chosen ones. */
function kMeansPlusPlus(points: Float64Array, rows: number, dimensions: number, k: number, random: () => number): Float64Array {
  const centroids = new Float64Array(k * dimensions);
  const nearest = new Float64Array(rows).fill(Number.POSITIVE_INFINITY);
  let chosen = randomInt(random, rows);
  for (let c = 0; c < k; c += 1) {
    centroids.set(points.subarray(chosen * dimensions, (chosen + 1) * dimensions), c * dimensions);
    if (c === k - 1) break;
    let total = 0;
    for (let r = 0; r < rows; r += 1) {
      const distance = squaredDistance(points, r * dimensions, centroids, c * dimensions, dimensions);
      if (distance < nearest[r]!) nearest[r] = distance;
      total += nearest[r]!;
    }
    if (total === 0) {
      // Every row coincides with a chosen centroid: there are only c + 1 distinct rows.
      throw new RangeError(`k-means cannot make ${k} clusters: the matrix has only ${c + 1} distinct rows (after imputation and standardization)`);
    }
    let target = random() * total;
    chosen = -1;
    for (let r = 0; r < rows; r += 1) {
      const weight = nearest[r]!;
      if (weight <= 0) continue;
      chosen = r;
      target -= weight;
      if (target < 0) break;
    }
  }
  return centroids;
}

function givenCentroids(initial: readonly (readonly number[])[], k: number, dimensions: number): Float64Array {
  if (initial.length !== k) throw new RangeError(`${initial.length} initial centroids given for k = ${k}`);
  const centroids = new Float64Array(k * dimensions);
  initial.forEach((centroid, c) => {
    if (centroid.length !== dimensions) throw new RangeError(`initial centroid ${c} has ${centroid.length} values; the matrix has ${dimensions} features`);
    centroids.set(centroid, c * dimensions);
  });
  return centroids;
}

/** Nearest centroid per row, squared distance to it; returns how many rows changed cluster. */
function assign(
  points: Float64Array,
  rows: number,
  dimensions: number,
  centroids: Float64Array,
  k: number,
  assignments: Int32Array,
  distances: Float64Array,
): number {
  let changed = 0;
  for (let r = 0; r < rows; r += 1) {
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c += 1) {
      const distance = squaredDistance(points, r * dimensions, centroids, c * dimensions, dimensions);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = c;
      }
    }
    if (assignments[r] !== best) changed += 1;
    assignments[r] = best;
    distances[r] = bestDistance;
  }
  return changed;
}

/**
 * Gives each empty cluster the row farthest from its own centroid (taken from
 * a cluster that keeps at least one row). Returns how many rows moved.
 */
function reseedEmptyClusters(
  points: Float64Array,
  dimensions: number,
  centroids: Float64Array,
  k: number,
  assignments: Int32Array,
  distances: Float64Array,
  sizes: Int32Array,
): number {
  sizes.fill(0);
  for (const cluster of assignments) sizes[cluster] = sizes[cluster]! + 1;
  let moved = 0;
  for (let c = 0; c < k; c += 1) {
    if (sizes[c]! > 0) continue;
    let farthest = -1;
    for (let r = 0; r < assignments.length; r += 1) {
      if (sizes[assignments[r]!]! > 1 && (farthest < 0 || distances[r]! > distances[farthest]!)) farthest = r;
    }
    if (farthest < 0) throw new RangeError(`k-means cannot fill cluster ${c}: every other cluster holds a single row`);
    sizes[assignments[farthest]!] = sizes[assignments[farthest]!]! - 1;
    assignments[farthest] = c;
    distances[farthest] = 0;
    sizes[c] = 1;
    centroids.set(points.subarray(farthest * dimensions, (farthest + 1) * dimensions), c * dimensions);
    moved += 1;
  }
  return moved;
}

function updateCentroids(
  points: Float64Array,
  rows: number,
  dimensions: number,
  centroids: Float64Array,
  k: number,
  assignments: Int32Array,
  sizes: Int32Array,
): void {
  centroids.fill(0);
  for (let r = 0; r < rows; r += 1) {
    const target = assignments[r]! * dimensions;
    const source = r * dimensions;
    for (let d = 0; d < dimensions; d += 1) centroids[target + d] = centroids[target + d]! + points[source + d]!;
  }
  for (let c = 0; c < k; c += 1) {
    const size = sizes[c]!;
    for (let d = 0; d < dimensions; d += 1) centroids[c * dimensions + d] = centroids[c * dimensions + d]! / size;
  }
}

/** In four interleaved sums: one running sum would wait on its own last addition at every step. */
function squaredDistance(a: Float64Array, aStart: number, b: Float64Array, bStart: number, dimensions: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 3 < dimensions; d += 4) {
    const d0 = a[aStart + d]! - b[bStart + d]!;
    const d1 = a[aStart + d + 1]! - b[bStart + d + 1]!;
    const d2 = a[aStart + d + 2]! - b[bStart + d + 2]!;
    const d3 = a[aStart + d + 3]! - b[bStart + d + 3]!;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; d < dimensions; d += 1) {
    const delta = a[aStart + d]! - b[bStart + d]!;
    s0 += delta * delta;
  }
  return s0 + s1 + (s2 + s3);
}

function checkModel(model: KMeansModel): void {
  if (model.kind !== 'k-means') throw new TypeError(`expected a k-means model, got kind '${String(model.kind)}'`);
  if (model.formatVersion !== K_MEANS_FORMAT_VERSION) {
    throw new TypeError(`k-means model format ${String(model.formatVersion)} is not readable by this engine (format ${K_MEANS_FORMAT_VERSION})`);
  }
}
