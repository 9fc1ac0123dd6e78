/**
 * k-means as a specification: it finds well-separated segments, is
 * reproducible from its seed, never leaves a segment empty, and says clearly
 * when the data cannot hold k segments.
 */
import { describe, expect, it } from 'vitest';
import { assignClusters, silhouetteScore, trainKMeans, type KMeansModel } from '../../../../lambdas/ml/engine/k-means.ts';
import { matrixOf, type Matrix } from '../../../../lambdas/ml/engine/matrix.ts';
import { normal, seededRandom } from '../../../../lambdas/ml/engine/random.ts';

/** 3 blobs of 100 rows around (0, 0), (10, 0), (0, 10) with sd 0.5, plus a constant column and some missing values. */
function blobs(seed: number): { matrix: Matrix; truth: number[] } {
  const random = seededRandom(seed);
  const centres = [
    [0, 0],
    [10, 0],
    [0, 10],
  ];
  const rows: (number | null)[][] = [];
  const truth: number[] = [];
  for (let i = 0; i < 300; i += 1) {
    const blob = i % 3;
    const [cx, cy] = centres[blob]!;
    rows.push([cx! + 0.5 * normal(random), cy! + 0.5 * normal(random), 1, random() < 0.02 ? null : blob]);
    truth.push(blob);
  }
  return { matrix: matrixOf(['gmv', 'orders', 'always_one', 'region'], rows), truth };
}

const { matrix, truth } = blobs(5);
const params = { k: 3, maxIterations: 100, seed: 42 };

describe('k-means', () => {
  const model = trainKMeans(matrix, params);
  const labels = assignClusters(model, matrix);

  it('finds three well-separated blobs, one segment each', () => {
    for (let blob = 0; blob < 3; blob += 1) {
      const segments = new Set(truth.flatMap((t, i) => (t === blob ? [labels[i]] : [])));
      expect(segments.size).toBe(1);
    }
    expect(new Set(labels).size).toBe(3);
    expect(model.clusterSizes).toEqual([100, 100, 100]);
    expect(model.converged).toBe(true);
    expect(silhouetteScore(model, matrix, labels, { seed: 1 })).toBeGreaterThan(0.7);
  });

  it('stores what scoring needs: imputation, standardization and centroids in the standardized space', () => {
    expect(model).toMatchObject({ kind: 'k-means', formatVersion: 1, features: ['gmv', 'orders', 'always_one', 'region'] });
    expect(model.stds[2]).toBe(0);
    expect(model.centroids).toHaveLength(3);
    expect(model.centroids.every((centroid) => centroid.length === 4 && centroid[2] === 0)).toBe(true);
    const stored: KMeansModel = JSON.parse(JSON.stringify(model));
    expect(assignClusters(stored, matrix)).toEqual(labels);
    expect(model.inertia).toBeGreaterThan(0);
  });

  it('is the same model for the same seed', () => {
    expect(JSON.stringify(trainKMeans(matrix, params))).toBe(JSON.stringify(model));
  });

  it('re-seeds a segment left empty with the point farthest from its centroid', () => {
    // The third starting centroid is far from every row: nothing joins it in the first assignment.
    const stranded = trainKMeans(matrix, params, { initialCentroids: [[-1, -1, 0, 0], [1, 1, 0, 0], [1000, 1000, 0, 0]] });
    expect(stranded.clusterSizes.every((size) => size > 0)).toBe(true);
    expect(stranded.clusterSizes.reduce((sum, size) => sum + size, 0)).toBe(300);
    expect(stranded.centroids[2]!.every((value) => Math.abs(value) < 100)).toBe(true);
  });

  it('refuses more segments than rows, or than distinct rows, saying so', () => {
    expect(() => trainKMeans(matrixOf(['x'], [[1], [2]]), { ...params, k: 3 })).toThrow(/3 clusters of 2 rows/);
    const twoDistinct = matrixOf(['x', 'y'], [[1, 1], [1, 1], [2, 2], [2, 2], [1, 1]]);
    expect(() => trainKMeans(twoDistinct, { ...params, k: 3 })).toThrow(/only 2 distinct rows/);
  });

  it('assigns new rows by name, to the nearest centroid', () => {
    const reordered = matrixOf(['region', 'always_one', 'orders', 'gmv'], [[2, 1, 10, 0], [1, 1, 0, 10]]);
    const [nearTopLeft, nearBottomRight] = assignClusters(model, reordered);
    expect(nearTopLeft).toBe(labels[2]); // row 2 is in the (0, 10) blob
    expect(nearBottomRight).toBe(labels[1]); // row 1 is in the (10, 0) blob
    expect(() => assignClusters(model, matrixOf(['gmv'], [[1]]))).toThrow(/'orders', 'always_one', 'region'/);
  });
});

describe('silhouetteScore', () => {
  const points: Matrix = matrixOf(['x'], [[0], [1], [10], [11]]);

  it('is (b − a) / max(a, b) averaged over rows, a and b the mean distances within and to the nearest other cluster', () => {
    // Row 0: a = 1, b = (10 + 11) / 2 = 10.5 → 0.9047…; every row is symmetric to one of these.
    const row0 = (10.5 - 1) / 10.5;
    const row1 = (9.5 - 1) / 9.5;
    expect(silhouetteScore(points, [0, 0, 1, 1])).toBeCloseTo((row0 + row1) / 2, 12);
  });

  it('counts a row alone in its cluster as 0, and needs two clusters', () => {
    // Row 1 (x = 1): a = (9 + 10) / 2, b = 1; rows 2 and 3: a = 5 and 5.5, b = 10 and 11.
    expect(silhouetteScore(points, [0, 1, 1, 1])).toBeCloseTo((0 + (1 - 9.5) / 9.5 + (10 - 5) / 10 + (11 - 5.5) / 11) / 4, 12);
    expect(() => silhouetteScore(points, [0, 0, 0, 0])).toThrow(/at least 2 clusters/);
  });

  it('measures a sample, the same one for the same seed', () => {
    const model = trainKMeans(matrix, params);
    const labels = assignClusters(model, matrix);
    const sampled = silhouetteScore(model, matrix, labels, { sampleSize: 60, seed: 3 });
    expect(silhouetteScore(model, matrix, labels, { sampleSize: 60, seed: 3 })).toBe(sampled);
    expect(silhouetteScore(model, matrix, labels, { sampleSize: 60, seed: 4 })).not.toBe(sampled);
    expect(Math.abs(sampled - silhouetteScore(model, matrix, labels))).toBeLessThan(0.05);
  });
});
