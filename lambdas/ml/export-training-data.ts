/**
 * A classifier's training set as SageMaker's built-in XGBoost reads it: CSV
 * without a header, the label in the first column, missing values empty.
 * train.csv and validation.csv (the test split) feed the training job;
 * evaluation.csv (every row, features only, in training-set order) is scored
 * by a batch transform whose output the evaluation step reads back.
 */
import type { ModelDefinition } from '../../pipelines/models/index.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { QueryEngine } from '../ports/query-engine.ts';
import { runPrefix, writeJson } from './model-artifacts.ts';
import { readTrainingSet } from './read-training-set.ts';

export interface ExportedTrainingData {
  readonly model: string;
  /** Keys in refined: `<prefix>/train/train.csv`, `<prefix>/validation/validation.csv`, `<prefix>/evaluation/evaluation.csv`. */
  readonly prefix: string;
  readonly features: readonly string[];
  readonly rows: { readonly train: number; readonly validation: number; readonly evaluation: number };
  readonly rowsOut: number;
}

export const managedPrefix = (runId: string, model: ModelDefinition['name']) => `${runPrefix(runId, model)}/managed`;

function csvLine(values: Float64Array, label?: number): string {
  const cells = Array.from(values, (value) => (Number.isNaN(value) ? '' : String(value)));
  return `${label === undefined ? '' : `${label},`}${cells.join(',')}`;
}

export async function exportTrainingData(
  ports: { engine: QueryEngine; store: ObjectStore },
  request: { model: ModelDefinition; runId: string },
): Promise<ExportedTrainingData> {
  const { model, runId } = request;
  if (model.kind !== 'classifier') throw new Error(`model ${model.name}: only classifiers train on a managed engine`);
  const set = await readTrainingSet(ports.engine, model);
  if (!set.labels || !set.split) throw new Error(`${model.trainingSet}: needs its label (${model.label}) and split columns`);
  const width = set.features.length;
  const train: string[] = [];
  const validation: string[] = [];
  const evaluation: string[] = [];
  for (let row = 0; row < set.matrix.rows; row += 1) {
    const values = set.matrix.values.subarray(row * width, row * width + width);
    if (set.split[row] === 'train') train.push(csvLine(values, set.labels[row]));
    if (set.split[row] === 'test') validation.push(csvLine(values, set.labels[row]));
    evaluation.push(csvLine(values));
  }
  const prefix = managedPrefix(runId, model.name);
  await ports.store.write('refined', `${prefix}/train/train.csv`, `${train.join('\n')}\n`);
  await ports.store.write('refined', `${prefix}/validation/validation.csv`, `${validation.join('\n')}\n`);
  await ports.store.write('refined', `${prefix}/evaluation/evaluation.csv`, `${evaluation.join('\n')}\n`);
  await writeJson(ports.store, `${prefix}/features.json`, { features: set.features, sha256: set.sha256 });
  const rows = { train: train.length, validation: validation.length, evaluation: evaluation.length };
  return { model: model.name, prefix, features: set.features, rows, rowsOut: rows.train + rows.validation + rows.evaluation };
}
