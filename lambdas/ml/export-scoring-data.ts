/**
 * Before a managed batch transform scores the latest snapshot: the champion's
 * features of every active seller as the CSV SageMaker XGBoost reads (no
 * header, features only, in the order the champion was trained on), and the
 * seller ids in the same order, so the scores can be put back on sellers.
 *
 * A champion trained by the embedded engine has no SageMaker model: it is
 * scored here, in-process, and the flow skips the batch transform.
 */
import type { ModelSettings } from '../../config/schema.ts';
import type { ModelDefinition } from '../../pipelines/models/index.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { QueryEngine } from '../ports/query-engine.ts';
import { columnIndexesByName } from './engine/matrix.ts';
import { managedPrefix } from './export-training-data.ts';
import { readChampion } from './gate-model.ts';
import { writeJson } from './model-artifacts.ts';
import { readScoringSet } from './read-training-set.ts';
import { scoreModel, writeScores, type ScoringResult } from './score-model.ts';

/** What the load step needs to put the transform's scores on sellers: written beside the CSV. */
export interface ScoringIds {
  readonly model: string;
  readonly version: number;
  readonly dtScore: string;
  /** The champion's SageMaker model (AWS), or... */
  readonly sageMakerModelName?: string;
  /** ...its booster in refined, which the Databricks job scores with (Azure). */
  readonly modelKey?: string;
  /** The model's entity ids (sellers, orders), in the CSV's row order. */
  readonly ids: readonly string[];
}

export type ExportedScoringData = ExportedFor<'sagemaker', { readonly sageMakerModelName: string }> | ExportedFor<'databricks', { readonly modelKey: string }>;

/** The champion's SageMaker model (what the batch transform scores with), or its booster in refined (what the Databricks job loads). */
type ExportedFor<Engine extends string, Model> = Model & {
  readonly engine: Engine;
  readonly model: string;
  readonly version: number;
  readonly dtScore: string;
  /** Keys in refined: the transform's input and the sellers of its rows. */
  readonly files: { readonly csv: string; readonly ids: string };
  readonly rowsIn: number;
  readonly rowsOut: number;
};

/** An embedded champion, scored in-process: the scores are written and no transform is needed. */
export type ScoredInProcess = ScoringResult & { readonly engine: 'embedded'; readonly reason: string };

/** The transform's input: every object under it is scored, so nothing else goes there. */
export const scoringCsvKey = (runId: string, model: ModelDefinition['name']) => `${managedPrefix(runId, model)}/scoring/scoring.csv`;
/** Beside the input, not in it: the batch transform would try to score it. */
export const scoringIdsKey = (runId: string, model: ModelDefinition['name']) => `${managedPrefix(runId, model)}/scoring-ids.json`;

function csvLine(values: Float64Array, columns: Int32Array, offset: number): string {
  return Array.from(columns, (column) => {
    const value = values[offset + column]!;
    return Number.isNaN(value) ? '' : String(value);
  }).join(',');
}

export async function exportScoringData(
  ports: { engine: QueryEngine; store: ObjectStore },
  request: { model: ModelDefinition; runId: string; settings: ModelSettings },
): Promise<ExportedScoringData | ScoredInProcess> {
  const { model, runId, settings } = request;
  const current = await readChampion(ports.store, model);
  if (!current) throw new Error(`model ${model.name} has no champion to score with; the register step promotes the first version`);
  const { champion, candidate } = current;
  if (candidate.algorithm !== 'xgboost') {
    const scored = await scoreModel(ports, { model, settings });
    const reason = `champion v${champion.version} of ${model.name} is an embedded ${candidate.algorithm} model with no SageMaker model: scored in-process, no batch transform`;
    return { ...scored, engine: 'embedded', reason };
  }

  const scoring = await readScoringSet(ports.engine, model, settings);
  if (scoring.ids.length === 0) {
    // A batch transform of an empty input fails; there is nothing to put back either.
    const scored = await writeScores(ports.engine, { model, settings, version: champion.version, dtScore: '', ids: [], predictions: [] });
    return { ...scored, engine: 'embedded', reason: scored.note! };
  }
  const columns = columnIndexesByName(scoring.matrix, candidate.features, `${model.name} v${champion.version}`);
  const width = scoring.matrix.columns.length;
  const lines: string[] = new Array(scoring.matrix.rows);
  for (let row = 0; row < scoring.matrix.rows; row += 1) lines[row] = csvLine(scoring.matrix.values, columns, row * width);

  const files = { csv: scoringCsvKey(runId, model.name), ids: scoringIdsKey(runId, model.name) };
  const { artifact } = candidate;
  const scoredBy = artifact.kind === 'databricks-xgboost' ? { modelKey: artifact.modelKey } : { sageMakerModelName: artifact.sageMakerModelName };
  await ports.store.write('refined', files.csv, `${lines.join('\n')}\n`);
  const ids: ScoringIds = { model: model.name, version: champion.version, dtScore: scoring.dtScore, ...scoredBy, ids: scoring.ids.map((id) => id.id) };
  await writeJson(ports.store, files.ids, ids);
  const exported = { model: model.name, version: champion.version, dtScore: scoring.dtScore, files, rowsIn: scoring.matrix.rows, rowsOut: lines.length };
  return artifact.kind === 'databricks-xgboost'
    ? { engine: 'databricks', ...exported, modelKey: artifact.modelKey }
    : { engine: 'sagemaker', ...exported, sageMakerModelName: artifact.sageMakerModelName };
}
