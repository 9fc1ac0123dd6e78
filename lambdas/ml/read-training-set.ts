/**
 * Reads a model's training set (its `trainingSet` table) or its scoring set
 * (the rows its workload names for scoring) into the embedded engine's
 * matrix: features as doubles, NULL as NaN, rows ordered by dt_reference
 * then the model's entity, so the same table always gives the same matrix
 * and hash. A ranker's are interactions instead (entity, item, dt_reference,
 * split), read as rows in the same way.
 */
import { settingsFor } from '../../config/model-settings.ts';
import type { ModelSettings } from '../../config/schema.ts';
import { createHash } from 'node:crypto';
import type { ColumnDefinition, DatasetDefinition } from '../../pipelines/datasets/dataset.ts';
import { itemOf, labelOf, SNAPSHOT_COLUMN, SPLIT_COLUMN, SPLITS, type ModelDefinition, type Split } from '../../pipelines/models/index.ts';
import { MACROS } from '../../pipelines/sql/dialect.ts';
import { installedCatalog } from '../../pipelines/workloads/registry.ts';
import type { QueryEngine } from '../ports/query-engine.ts';
import type { Matrix } from './engine/matrix.ts';
import { workloadMlOf } from './workload-ml.ts';

/** What a row is about (its entity's id: a seller, an order) and the moment its features describe. */
export interface RowId {
  readonly id: string;
  /** `yyyy-MM-dd`. */
  readonly dtReference: string;
}

export interface TrainingSet {
  readonly features: string[];
  readonly ids: RowId[];
  /** Per row; null when the table has no split (segment_base). */
  readonly split: Split[] | null;
  /** The label per row (0/1); null when the model has none. */
  readonly labels: Uint8Array | null;
  readonly matrix: Matrix;
  /** SHA-256 of the rows as read (header, then one line per row, in order): identifies the training data. */
  readonly sha256: string;
}

export interface ScoringSet {
  /** The scoring date: the latest dt_reference of the rows scored. */
  readonly dtScore: string;
  readonly ids: RowId[];
  readonly matrix: Matrix;
}

type ModelColumns = Pick<ModelDefinition, 'name' | 'entity' | 'label' | 'kind'>;

const NUMERIC = new Set(['int', 'bigint', 'double', 'decimal(12,2)']);

/** The numeric columns of a model's training table, other than its entity, snapshot, label and split. */
export function trainingFeatures(dataset: DatasetDefinition, model: ModelColumns): ColumnDefinition[] {
  const notFeatures = new Set([model.entity, SNAPSHOT_COLUMN, SPLIT_COLUMN, ...(model.label ? [model.label] : [])]);
  return dataset.columns.filter((column) => !notFeatures.has(column.name) && NUMERIC.has(column.type));
}

/** The table a model's training set is built into, as declared by its workload. */
export function trainingDataset(model: Pick<ModelDefinition, 'name' | 'trainingSet'>): DatasetDefinition {
  const { retrainDatasets } = installedCatalog();
  const dataset = retrainDatasets.find((candidate) => candidate.name === model.trainingSet);
  if (!dataset) {
    throw new RangeError(`model ${model.name}: no retrain-flow table "${model.trainingSet}" to read a training set from; known: ${retrainDatasets.map((candidate) => candidate.name).join(', ')}`);
  }
  return dataset;
}

const asNumber = (value: unknown): number => {
  if (value === null || value === undefined) return Number.NaN;
  return typeof value === 'number' ? value : Number(value);
};

interface ReadRows {
  ids: RowId[];
  labels: Uint8Array | null;
  split: Split[] | null;
  matrix: Matrix;
  sha256: string;
}

/**
 * One query, every feature cast to double on the engine; the matrix is
 * filled row by row from the result.
 */
async function readRows(engine: QueryEngine, from: string, model: ModelColumns, features: readonly string[], options: { labelled: boolean; what: string }): Promise<ReadRows> {
  const text = (expression: string) => MACROS.to_text!(engine.dialect, expression);
  const entity = model.entity;
  const label = options.labelled ? labelOf(model) : undefined;
  const columns = [
    `${text(entity)} as ${entity}`,
    `${text(SNAPSHOT_COLUMN)} as ${SNAPSHOT_COLUMN}`,
    ...(label ? [`cast(${label} as integer) as ${label}`, SPLIT_COLUMN] : []),
    ...features.map((feature) => `cast(${feature} as double) as ${feature}`),
  ];
  let rows: Record<string, unknown>[];
  try {
    rows = await engine.query(`select ${columns.join(', ')} from ${from} t order by ${SNAPSHOT_COLUMN}, ${entity}`);
  } catch (error) {
    throw new Error(`${options.what} cannot be read: ${(error as Error).message.split('\n')[0]}`);
  }
  const width = features.length;
  const values = new Float64Array(rows.length * width);
  const ids: RowId[] = new Array(rows.length);
  const labels = label ? new Uint8Array(rows.length) : null;
  const split: Split[] | null = label ? new Array<Split>(rows.length) : null;
  const hash = createHash('sha256');
  hash.update(`${entity},${SNAPSHOT_COLUMN}${label ? `,${label},${SPLIT_COLUMN}` : ''},${features.join(',')}\n`);
  rows.forEach((row, r) => {
    const id = String(row[entity]);
    const dtReference = String(row[SNAPSHOT_COLUMN]);
    ids[r] = { id, dtReference };
    let line = `${id},${dtReference}`;
    if (label && labels && split) {
      const value = asNumber(row[label]);
      const rowSplit = row[SPLIT_COLUMN] as Split;
      if (value !== 0 && value !== 1) throw new RangeError(`${options.what}: ${label} of ${entity} ${id} at ${dtReference} is ${String(row[label])}; allowed: 0, 1`);
      if (!SPLITS.includes(rowSplit)) throw new RangeError(`${options.what}: ${SPLIT_COLUMN} of ${entity} ${id} at ${dtReference} is "${String(row[SPLIT_COLUMN])}"; allowed: ${SPLITS.join(', ')}`);
      labels[r] = value;
      split[r] = rowSplit;
      line += `,${value},${rowSplit}`;
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

/** A model's training table of refined (`abt_churn`, `segment_base`), whole. */
export async function readTrainingSet(engine: QueryEngine, model: ModelDefinition): Promise<TrainingSet> {
  const dataset = trainingDataset(model);
  const features = trainingFeatures(dataset, model).map((column) => column.name);
  const labelled = model.kind === 'classifier';
  if (labelled && !dataset.columns.some((column) => column.name === labelOf(model))) {
    throw new RangeError(`model ${model.name}: its training set refined ${dataset.name} has no label column "${model.label}"`);
  }
  const read = await readRows(engine, engine.relations.ref('refined', dataset.name), model, features, {
    labelled,
    what: `refined ${dataset.name} (built by the training-set step)`,
  });
  return { features, ...read };
}

/**
 * The rows a model scores, as its workload names them, with the features of
 * its training set. No rows is not an error (an order-delay model may find
 * no open order): the scoring set is empty and its date is the empty string.
 */
export async function readScoringSet(engine: QueryEngine, model: ModelDefinition, settings: ModelSettings): Promise<ScoringSet> {
  const ml = workloadMlOf(installedCatalog(), model);
  const features = trainingFeatures(trainingDataset(model), model).map((column) => column.name);
  const relation = ml.scoringRelation(engine, model, settingsFor(settings, model));
  const read = await readRows(engine, relation, model, features, { labelled: false, what: `the rows ${model.name} scores` });
  const dtScore = read.ids.reduce((latest, id) => (id.dtReference > latest ? id.dtReference : latest), '');
  return { dtScore, ids: read.ids, matrix: read.matrix };
}

/** A ranker's interactions (its training set, or the histories it scores): one row per entity, item and dt_reference. */
export interface InteractionSet {
  readonly entities: string[];
  readonly items: string[];
  /** `yyyy-MM-dd`, per row. */
  readonly dtReferences: string[];
  /** Per row, train or oot; null for the histories scored, which have no split. */
  readonly split: Split[] | null;
  /** SHA-256 of the rows as read (header, then one line per row, in order): identifies the training data. */
  readonly sha256: string;
}

/** Splits a ranker's training set may hold: what it learns from and the held-out period. */
const INTERACTION_SPLITS: readonly Split[] = ['train', 'oot'];

async function readInteractionRows(engine: QueryEngine, from: string, model: Pick<ModelDefinition, 'name' | 'entity' | 'item'>, options: { split: boolean; what: string }): Promise<InteractionSet> {
  const text = (expression: string) => MACROS.to_text!(engine.dialect, expression);
  const { entity } = model;
  const item = itemOf(model);
  const columns = [`${text(entity)} as ${entity}`, `${text(item)} as ${item}`, `${text(SNAPSHOT_COLUMN)} as ${SNAPSHOT_COLUMN}`, ...(options.split ? [SPLIT_COLUMN] : [])];
  let rows: Record<string, unknown>[];
  try {
    rows = await engine.query(`select ${columns.join(', ')} from ${from} t order by ${SNAPSHOT_COLUMN}, ${entity}, ${item}`);
  } catch (error) {
    throw new Error(`${options.what} cannot be read: ${(error as Error).message.split('\n')[0]}`);
  }
  const set: InteractionSet = { entities: [], items: [], dtReferences: [], split: options.split ? [] : null, sha256: '' };
  const hash = createHash('sha256');
  hash.update(`${entity},${item},${SNAPSHOT_COLUMN}${options.split ? `,${SPLIT_COLUMN}` : ''}\n`);
  for (const row of rows) {
    const [id, value, date] = [row[entity], row[item], row[SNAPSHOT_COLUMN]];
    if (id === null || value === null || date === null) throw new RangeError(`${options.what}: a row has no ${id === null ? entity : value === null ? item : SNAPSHOT_COLUMN}; every interaction names its entity, item and date`);
    set.entities.push(String(id));
    set.items.push(String(value));
    set.dtReferences.push(String(date));
    let line = `${String(id)},${String(value)},${String(date)}`;
    if (set.split) {
      const split = row[SPLIT_COLUMN] as Split;
      if (!INTERACTION_SPLITS.includes(split)) throw new RangeError(`${options.what}: ${SPLIT_COLUMN} of ${entity} ${String(id)} at ${String(date)} is "${String(split)}"; allowed: ${INTERACTION_SPLITS.join(', ')}`);
      set.split.push(split);
      line += `,${split}`;
    }
    hash.update(`${line}\n`);
  }
  return { ...set, sha256: hash.digest('hex') };
}

/** A ranker's training table of refined, whole: entity, item, dt_reference and split per interaction. */
export async function readInteractionSet(engine: QueryEngine, model: ModelDefinition): Promise<InteractionSet> {
  const dataset = trainingDataset(model);
  const missing = [model.entity, itemOf(model), SNAPSHOT_COLUMN, SPLIT_COLUMN].filter((name) => !dataset.columns.some((column) => column.name === name));
  if (missing.length > 0) throw new RangeError(`model ${model.name}: its training set refined ${dataset.name} has no column ${missing.join(', ')}`);
  return readInteractionRows(engine, engine.relations.ref('refined', dataset.name), model, { split: true, what: `refined ${dataset.name} (built by the training-set step)` });
}

/** The histories a ranker scores, as its workload names them: every interaction of each entity to recommend to. */
export async function readInteractionScoringSet(engine: QueryEngine, model: ModelDefinition, settings: ModelSettings): Promise<InteractionSet> {
  const relation = workloadMlOf(installedCatalog(), model).scoringRelation(engine, model, settingsFor(settings, model));
  return readInteractionRows(engine, relation, model, { split: false, what: `the histories ${model.name} scores` });
}
