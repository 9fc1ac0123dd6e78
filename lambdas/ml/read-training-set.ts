/**
 * Reads a training set (a model's `trainingSet` table) or the scoring set
 * (the rows its workload names for scoring) into the embedded engine's matrix:
 * features as doubles, NULL as NaN, rows ordered by dt_reference then
 * seller_id so the same table always gives the same matrix and hash.
 */
import { createHash } from 'node:crypto';
import type { ColumnDefinition, DatasetDefinition } from '../../pipelines/datasets/dataset.ts';
import { SPLITS, type ModelDefinition, type Split } from '../../pipelines/models/index.ts';
import { MACROS } from '../../pipelines/sql/dialect.ts';
import { installedCatalog } from '../../pipelines/workloads/registry.ts';
import type { QueryEngine } from '../ports/query-engine.ts';
import type { Matrix } from './engine/matrix.ts';
import { workloadMlOf } from './workload-ml.ts';

export interface SellerSnapshot {
  readonly sellerId: string;
  /** `yyyy-MM-dd`. */
  readonly dtReference: string;
}

export interface TrainingSet {
  readonly features: string[];
  readonly ids: SellerSnapshot[];
  /** Per row; null when the table has no split (segment_base). */
  readonly split: Split[] | null;
  /** churn per row (0/1); null when the table has no label. */
  readonly labels: Uint8Array | null;
  readonly matrix: Matrix;
  /** SHA-256 of the rows as read (header, then one line per row, in order): identifies the training data. */
  readonly sha256: string;
}

export interface ScoringSet {
  /** The snapshot scored: the latest dt_reference of the feature store. */
  readonly dtScore: string;
  readonly ids: SellerSnapshot[];
  readonly matrix: Matrix;
}

const NON_FEATURES = new Set(['seller_id', 'dt_reference', 'churn', 'split']);
const NUMERIC = new Set(['int', 'bigint', 'double', 'decimal(12,2)']);

/** The numeric columns of a training table, other than its keys, label and split. */
export function trainingFeatures(dataset: DatasetDefinition): ColumnDefinition[] {
  return dataset.columns.filter((column) => !NON_FEATURES.has(column.name) && NUMERIC.has(column.type));
}

const asNumber = (value: unknown): number => {
  if (value === null || value === undefined) return Number.NaN;
  return typeof value === 'number' ? value : Number(value);
};

interface ReadRows {
  ids: SellerSnapshot[];
  labels: Uint8Array | null;
  split: Split[] | null;
  matrix: Matrix;
  sha256: string;
}

/**
 * One query, every feature cast to double on the engine; the matrix is
 * filled row by row from the result.
 */
async function readRows(engine: QueryEngine, from: string, features: readonly string[], options: { labelled: boolean; what: string }): Promise<ReadRows> {
  const text = (expression: string) => MACROS.to_text!(engine.dialect, expression);
  const columns = [
    'seller_id',
    `${text('dt_reference')} as dt_reference`,
    ...(options.labelled ? ['cast(churn as integer) as churn', 'split'] : []),
    ...features.map((feature) => `cast(${feature} as double) as ${feature}`),
  ];
  let rows: Record<string, unknown>[];
  try {
    rows = await engine.query(`select ${columns.join(', ')} from ${from} t order by dt_reference, seller_id`);
  } catch (error) {
    throw new Error(`${options.what} cannot be read: ${(error as Error).message.split('\n')[0]}`);
  }
  const width = features.length;
  const values = new Float64Array(rows.length * width);
  const ids: SellerSnapshot[] = new Array(rows.length);
  const labels = options.labelled ? new Uint8Array(rows.length) : null;
  const split: Split[] | null = options.labelled ? new Array<Split>(rows.length) : null;
  const hash = createHash('sha256');
  hash.update(`seller_id,dt_reference${options.labelled ? ',churn,split' : ''},${features.join(',')}\n`);
  rows.forEach((row, r) => {
    const sellerId = String(row.seller_id);
    const dtReference = String(row.dt_reference);
    ids[r] = { sellerId, dtReference };
    let line = `${sellerId},${dtReference}`;
    if (labels && split) {
      const churn = asNumber(row.churn);
      const rowSplit = row.split as Split;
      if (churn !== 0 && churn !== 1) throw new RangeError(`${options.what}: churn of seller ${sellerId} at ${dtReference} is ${String(row.churn)}; allowed: 0, 1`);
      if (!SPLITS.includes(rowSplit)) throw new RangeError(`${options.what}: split of seller ${sellerId} at ${dtReference} is "${String(row.split)}"; allowed: ${SPLITS.join(', ')}`);
      labels[r] = churn;
      split[r] = rowSplit;
      line += `,${churn},${rowSplit}`;
    }
    const offset = r * width;
    for (let c = 0; c < width; c += 1) {
      const value = asNumber(row[features[c]!]);
      values[offset + c] = value;
      line += Number.isNaN(value) ? ',' : `,${value}`;
    }
    hash.update(`${line}\n`);
  });
  return { ids, labels, split, matrix: { columns: [...features], rows: rows.length, values }, sha256: hash.digest('hex') };
}

/** A training table of refined (`abt_churn`, `segment_base`), whole. */
export async function readTrainingSet(engine: QueryEngine, table: string): Promise<TrainingSet> {
  const { retrainDatasets } = installedCatalog();
  const dataset = retrainDatasets.find((candidate) => candidate.name === table);
  if (!dataset) throw new RangeError(`no retrain-flow table "${table}" to read a training set from; known: ${retrainDatasets.map((candidate) => candidate.name).join(', ')}`);
  const features = trainingFeatures(dataset).map((column) => column.name);
  const labelled = dataset.columns.some((column) => column.name === 'churn');
  const read = await readRows(engine, engine.relations.ref('refined', table), features, {
    labelled,
    what: `refined ${table} (built by the training-set step)`,
  });
  return { features, ...read };
}

/** The rows a model scores (its workload's latest snapshot), with the features the models were trained on. */
export async function readScoringSet(engine: QueryEngine, model: Pick<ModelDefinition, 'name'>): Promise<ScoringSet> {
  const ml = workloadMlOf(installedCatalog(), model);
  const features = [...ml.scoringFeatures];
  const relation = ml.scoringRelation(engine);
  const latest = `(select * from ${relation} f where dt_reference = (select max(dt_reference) from ${relation} g))`;
  const read = await readRows(engine, latest, features, { labelled: false, what: 'the latest snapshot of the feature store' });
  if (read.ids.length === 0) throw new Error('no seller is active at any snapshot of the feature store; build the features first');
  return { dtScore: read.ids[0]!.dtReference, ids: read.ids, matrix: read.matrix };
}
