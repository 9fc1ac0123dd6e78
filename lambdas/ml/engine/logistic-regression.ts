/**
 * L2-penalized logistic regression: the churn model's baseline. If the trees
 * cannot beat a linear model on the same features, the trees are not earning
 * their complexity, and this is the model that says so.
 *
 * NaN is imputed with the training median and every feature standardized
 * (both stored in the model), so the penalty treats features alike and the
 * coefficients compare as importances. The fit is Newton's method with a
 * Cholesky solve and a backtracking line search: it converges in a handful of
 * iterations, and it stays well-posed on collinear features (the penalty, and
 * a jitter when there is none) and on constant ones (they are left out, with
 * weight 0).
 *
 * Objective: Σ log-loss + (l2 / 2)·‖w‖², w the standardized coefficients, the
 * intercept unpenalized (scikit-learn's with C = 1 / l2).
 */
import { assertDistinctColumns, type Matrix } from './matrix.ts';
import { fitStandardization, standardizedValues } from './standardization.ts';

export const LOGISTIC_REGRESSION_FORMAT_VERSION = 1;

export interface LogisticRegressionParameters {
  /** L2 penalty on the standardized coefficients; 0 for none. */
  l2: number;
  /** Most Newton iterations. */
  maxIterations: number;
}

export interface LogisticRegressionModel {
  kind: 'logistic-regression';
  formatVersion: typeof LOGISTIC_REGRESSION_FORMAT_VERSION;
  features: string[];
  medians: number[];
  means: number[];
  /** 0 marks a constant feature: its weight is 0. */
  stds: number[];
  intercept: number;
  /** Per feature, on the standardized scale. */
  weights: number[];
  params: LogisticRegressionParameters;
  iterations: number;
  converged: boolean;
  /** Mean log-loss on the training rows at the fitted weights. */
  trainLoss: number;
}

export interface Coefficient {
  feature: string;
  /** Change in log-odds per standard deviation of the feature: the importance. */
  standardizedCoefficient: number;
  /** Change in log-odds per unit of the feature. */
  coefficient: number;
}

/** Newton stops when the decrement (the predicted gain of one more step) is this small relative to the objective. */
const DECREMENT_TOLERANCE = 1e-12;

export function trainLogisticRegression(matrix: Matrix, labels: ArrayLike<number>, params: LogisticRegressionParameters): LogisticRegressionModel {
  if (!(params.l2 >= 0)) throw new RangeError(`l2 must be ≥ 0, got ${params.l2}`);
  if (!(Number.isInteger(params.maxIterations) && params.maxIterations >= 1)) throw new RangeError(`maxIterations must be a whole number ≥ 1, got ${params.maxIterations}`);
  assertDistinctColumns(matrix);
  const rows = matrix.rows;
  if (labels.length !== rows) throw new RangeError(`there are ${labels.length} labels for ${rows} rows`);
  if (rows === 0) throw new RangeError('cannot train logistic regression on an empty matrix');
  const targets = new Float64Array(rows);
  for (let r = 0; r < rows; r += 1) {
    const label = labels[r];
    if (label !== 0 && label !== 1) throw new RangeError(`label ${r} is ${label}; logistic regression needs 0 or 1`);
    targets[r] = label;
  }

  const features = [...matrix.columns];
  const standardization = fitStandardization(matrix);
  const allValues = standardizedValues(standardization, features, matrix, 'logistic-regression');
  const active = features.map((_, c) => c).filter((c) => standardization.stds[c]! > 0);
  const design = activeDesign(allValues, features.length, active, rows);
  const fit = newton(design, targets, active.length + 1, params);

  const weights = features.map(() => 0);
  active.forEach((c, k) => {
    weights[c] = fit.theta[k + 1]!;
  });
  return {
    kind: 'logistic-regression',
    formatVersion: LOGISTIC_REGRESSION_FORMAT_VERSION,
    features,
    ...standardization,
    intercept: fit.theta[0]!,
    weights,
    params: { l2: params.l2, maxIterations: params.maxIterations },
    iterations: fit.iterations,
    converged: fit.converged,
    trainLoss: fit.loss / rows,
  };
}

/** Probabilities, one per row; columns matched to the model's features by name. */
export function predictLogisticRegression(model: LogisticRegressionModel, matrix: Matrix): Float64Array {
  checkModel(model);
  const values = standardizedValues(model, model.features, matrix, 'logistic-regression');
  const width = model.features.length;
  const out = new Float64Array(matrix.rows);
  for (let r = 0; r < matrix.rows; r += 1) {
    let margin = model.intercept;
    for (let c = 0; c < width; c += 1) margin += model.weights[c]! * values[r * width + c]!;
    out[r] = 1 / (1 + Math.exp(-margin));
  }
  return out;
}

/** Coefficients, largest |standardized coefficient| first: the baseline's feature importance. */
export function coefficients(model: LogisticRegressionModel): Coefficient[] {
  checkModel(model);
  return model.features
    .map((feature, c) => {
      const std = model.stds[c]!;
      const standardizedCoefficient = model.weights[c]!;
      return { feature, standardizedCoefficient, coefficient: std === 0 ? 0 : standardizedCoefficient / std, index: c };
    })
    .sort((a, b) => Math.abs(b.standardizedCoefficient) - Math.abs(a.standardizedCoefficient) || a.index - b.index)
    .map(({ feature, standardizedCoefficient, coefficient }) => ({ feature, standardizedCoefficient, coefficient }));
}

/**
 * Columns of [1, the non-constant standardized features], column-major
 * (column j at `j * rows`): every product the fit needs is then a dot product
 * of two contiguous columns, which keeps the Hessian's n·p²/2 multiplications
 * in registers instead of read-modify-writing the Hessian per row.
 */
function activeDesign(values: Float64Array, width: number, active: number[], rows: number): Float64Array {
  const p = active.length + 1;
  const design = new Float64Array(rows * p);
  design.fill(1, 0, rows);
  active.forEach((source, k) => {
    const column = (k + 1) * rows;
    for (let r = 0; r < rows; r += 1) design[column + r] = values[r * width + source]!;
  });
  return design;
}

interface Fit {
  theta: Float64Array;
  iterations: number;
  converged: boolean;
  loss: number;
}

function newton(design: Float64Array, targets: Float64Array, p: number, params: LogisticRegressionParameters): Fit {
  const rows = targets.length;
  const theta = new Float64Array(p);
  // Starting at the log-odds of the mean saves an iteration or two and keeps the first step modest.
  let positives = 0;
  for (let r = 0; r < rows; r += 1) positives += targets[r]!;
  const mean = Math.min(Math.max(positives / rows, 1e-6), 1 - 1e-6);
  theta[0] = Math.log(mean / (1 - mean));

  const margins = new Float64Array(rows);
  const gradient = new Float64Array(p);
  const hessian = new Float64Array(p * p);
  const candidate = new Float64Array(p);
  let objective = evaluate(design, targets, p, theta, params.l2, margins);
  let iterations = 0;
  let converged = false;

  while (iterations < params.maxIterations) {
    iterations += 1;
    gradientAndHessian(design, targets, p, theta, params.l2, margins, gradient, hessian);
    const step = solvePositiveDefinite(hessian, gradient, p);
    for (let j = 0; j < p; j += 1) step[j] = -step[j]!;
    let slope = 0;
    for (let j = 0; j < p; j += 1) slope += gradient[j]! * step[j]!;
    if (-slope / 2 <= DECREMENT_TOLERANCE * Math.max(1, Math.abs(objective))) {
      converged = true;
      break;
    }
    // Backtracking (Armijo): a full Newton step can overshoot far from the optimum.
    let size = 1;
    let next = Number.POSITIVE_INFINITY;
    for (let halvings = 0; halvings < 40; halvings += 1) {
      for (let j = 0; j < p; j += 1) candidate[j] = theta[j]! + size * step[j]!;
      next = evaluate(design, targets, p, candidate, params.l2, margins);
      if (next <= objective + 1e-4 * size * slope) break;
      size /= 2;
    }
    if (!(next < objective)) {
      // No step lowers the objective any more: as close as floating point gets.
      converged = true;
      break;
    }
    theta.set(candidate);
    objective = next;
  }
  evaluate(design, targets, p, theta, 0, margins);
  let loss = 0;
  for (let r = 0; r < rows; r += 1) loss += softplus(margins[r]!) - targets[r]! * margins[r]!;
  return { theta, iterations, converged, loss };
}

/** The penalized objective at theta; leaves the margins in `margins`. */
function evaluate(design: Float64Array, targets: Float64Array, p: number, theta: Float64Array, l2: number, margins: Float64Array): number {
  const rows = targets.length;
  margins.fill(0);
  for (let j = 0; j < p; j += 1) {
    const weight = theta[j]!;
    const column = j * rows;
    for (let r = 0; r < rows; r += 1) margins[r] = margins[r]! + weight * design[column + r]!;
  }
  let total = 0;
  for (let r = 0; r < rows; r += 1) total += softplus(margins[r]!) - targets[r]! * margins[r]!;
  let penalty = 0;
  for (let j = 1; j < p; j += 1) penalty += theta[j]! * theta[j]!;
  return total + (l2 / 2) * penalty;
}

/** Gradient and (upper triangle, then mirrored) Hessian of the objective at theta, whose margins are given. */
function gradientAndHessian(
  design: Float64Array,
  targets: Float64Array,
  p: number,
  theta: Float64Array,
  l2: number,
  margins: Float64Array,
  gradient: Float64Array,
  hessian: Float64Array,
): void {
  const rows = targets.length;
  const residuals = new Float64Array(rows);
  const weights = new Float64Array(rows);
  for (let r = 0; r < rows; r += 1) {
    const probability = 1 / (1 + Math.exp(-margins[r]!));
    residuals[r] = probability - targets[r]!;
    weights[r] = probability * (1 - probability);
  }
  gradient.fill(0);
  hessian.fill(0);
  // Blocks of rows small enough that their slice of every column stays in cache
  // while all p²/2 column pairs are multiplied: the design is read from memory once.
  const weighted = new Float64Array(HESSIAN_BLOCK_ROWS);
  for (let blockStart = 0; blockStart < rows; blockStart += HESSIAN_BLOCK_ROWS) {
    const blockEnd = Math.min(rows, blockStart + HESSIAN_BLOCK_ROWS);
    const blockRows = blockEnd - blockStart;
    for (let a = 0; a < p; a += 1) {
      const columnA = a * rows + blockStart;
      let slope = 0;
      for (let i = 0; i < blockRows; i += 1) {
        const x = design[columnA + i]!;
        slope += residuals[blockStart + i]! * x;
        weighted[i] = weights[blockStart + i]! * x;
      }
      gradient[a] = gradient[a]! + slope;
      for (let b = a; b < p; b += 1) {
        const columnB = b * rows + blockStart;
        hessian[a * p + b] = hessian[a * p + b]! + dot(weighted, design, columnB, blockRows);
      }
    }
  }
  for (let j = 1; j < p; j += 1) {
    gradient[j] = gradient[j]! + l2 * theta[j]!;
    hessian[j * p + j] = hessian[j * p + j]! + l2;
  }
  for (let a = 0; a < p; a += 1) for (let b = a + 1; b < p; b += 1) hessian[b * p + a] = hessian[a * p + b]!;
}

/**
 * Solves H x = g by Cholesky. When H is singular (collinear features with no
 * penalty) a growing multiple of the identity is added until it factors: the
 * step then stays in the well-determined directions instead of wandering off
 * along the collinear one (where rounding noise divided by a near-zero pivot
 * would send twin columns to +1000 and −999).
 */
function solvePositiveDefinite(hessian: Float64Array, gradient: Float64Array, p: number): Float64Array {
  let scale = 0;
  for (let j = 0; j < p; j += 1) scale = Math.max(scale, hessian[j * p + j]!);
  scale = Math.max(scale, 1);
  let jitter = 0;
  for (let attempt = 0; attempt < 30; attempt += 1) {
    const factor = cholesky(hessian, p, jitter, SINGULAR_PIVOT * scale);
    if (factor) return choleskySolve(factor, gradient, p);
    jitter = jitter === 0 ? scale * 1e-8 : jitter * 10;
  }
  throw new RangeError('logistic regression: the Hessian does not factor even with a large jitter (are there infinite values?)');
}

/** Rows per block of the Hessian product: 512 rows × ~120 columns × 8 bytes ≈ 0.5 MB, inside a core's L2 cache. */
const HESSIAN_BLOCK_ROWS = 512;

/** A pivot this small relative to the largest diagonal entry is a singular direction, not a real curvature. */
const SINGULAR_PIVOT = 1e-11;

function cholesky(matrix: Float64Array, p: number, jitter: number, smallestPivot: number): Float64Array | undefined {
  const lower = new Float64Array(p * p);
  for (let i = 0; i < p; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      let sum = matrix[i * p + j]! + (i === j ? jitter : 0);
      for (let k = 0; k < j; k += 1) sum -= lower[i * p + k]! * lower[j * p + k]!;
      if (i === j) {
        if (!(sum > smallestPivot)) return undefined;
        lower[i * p + i] = Math.sqrt(sum);
      } else {
        lower[i * p + j] = sum / lower[j * p + j]!;
      }
    }
  }
  return lower;
}

function choleskySolve(lower: Float64Array, rhs: Float64Array, p: number): Float64Array {
  const y = new Float64Array(p);
  for (let i = 0; i < p; i += 1) {
    let sum = rhs[i]!;
    for (let k = 0; k < i; k += 1) sum -= lower[i * p + k]! * y[k]!;
    y[i] = sum / lower[i * p + i]!;
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i -= 1) {
    let sum = y[i]!;
    for (let k = i + 1; k < p; k += 1) sum -= lower[k * p + i]! * x[k]!;
    x[i] = sum / lower[i * p + i]!;
  }
  return x;
}

/**
 * Σ left[i] · right[offset + i] for i < count, in four interleaved sums: one
 * running sum waits on its own last addition every step, four keep the
 * floating-point adder busy.
 */
function dot(left: Float64Array, right: Float64Array, offset: number, count: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < count; i += 4) {
    s0 += left[i]! * right[offset + i]!;
    s1 += left[i + 1]! * right[offset + i + 1]!;
    s2 += left[i + 2]! * right[offset + i + 2]!;
    s3 += left[i + 3]! * right[offset + i + 3]!;
  }
  for (; i < count; i += 1) s0 += left[i]! * right[offset + i]!;
  return s0 + s1 + (s2 + s3);
}

function softplus(margin: number): number {
  return margin > 0 ? margin + Math.log1p(Math.exp(-margin)) : Math.log1p(Math.exp(margin));
}

function checkModel(model: LogisticRegressionModel): void {
  if (model.kind !== 'logistic-regression') throw new TypeError(`expected a logistic-regression model, got kind '${String(model.kind)}'`);
  if (model.formatVersion !== LOGISTIC_REGRESSION_FORMAT_VERSION) {
    throw new TypeError(`logistic-regression model format ${String(model.formatVersion)} is not readable by this engine (format ${LOGISTIC_REGRESSION_FORMAT_VERSION})`);
  }
}
