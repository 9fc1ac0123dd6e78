/**
 * A numeric feature matrix, row-major, as the embedded engine reads it.
 * Missing values are NaN: the trees learn where they go, the linear and
 * distance models impute them.
 */
export interface Matrix {
  /** Feature names, in column order. */
  readonly columns: readonly string[];
  readonly rows: number;
  /** `rows * columns.length` values; row r, column c is at `r * columns.length + c`. */
  readonly values: Float64Array;
}

export function matrixOf(columns: readonly string[], rows: readonly (readonly (number | null | undefined)[])[]): Matrix {
  const width = columns.length;
  const values = new Float64Array(rows.length * width);
  rows.forEach((row, r) => {
    if (row.length !== width) throw new RangeError(`row ${r} has ${row.length} values; the matrix has ${width} columns`);
    for (let c = 0; c < width; c += 1) {
      const value = row[c];
      values[r * width + c] = value === null || value === undefined ? Number.NaN : value;
    }
  });
  return { columns, rows: rows.length, values };
}

/** The rows at the given indexes, in that order. */
export function selectRows(matrix: Matrix, indexes: readonly number[]): Matrix {
  const width = matrix.columns.length;
  const values = new Float64Array(indexes.length * width);
  indexes.forEach((source, target) => values.set(matrix.values.subarray(source * width, source * width + width), target * width));
  return { columns: matrix.columns, rows: indexes.length, values };
}

/**
 * Where each of a model's features sits in this matrix, found by name: a model
 * trained on one column order must score a matrix built in another, and a
 * feature that has disappeared upstream must stop the scoring, not shift every
 * column one place to the left.
 */
export function columnIndexesByName(matrix: Matrix, features: readonly string[], model: string): Int32Array {
  const positions = new Map(matrix.columns.map((name, index) => [name, index]));
  const missing = features.filter((feature) => !positions.has(feature));
  if (missing.length > 0) {
    throw new RangeError(`the ${model} model needs feature${missing.length === 1 ? '' : 's'} ${missing.map((name) => `'${name}'`).join(', ')}, missing from the matrix`);
  }
  return Int32Array.from(features, (feature) => positions.get(feature)!);
}

/** Models find features by name, so a training matrix with a name twice would be scored ambiguously. */
export function assertDistinctColumns(matrix: Matrix): void {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of matrix.columns) {
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  if (repeated.size > 0) throw new RangeError(`the matrix names column${repeated.size === 1 ? '' : 's'} ${[...repeated].map((name) => `'${name}'`).join(', ')} more than once`);
}
