/**
 * After a managed batch transform scored the latest snapshot: its scores,
 * put back on the sellers the export listed in the same order, written to
 * the model's scores table exactly as the embedded path writes them.
 */
import type { ModelSettings } from '../../config/schema.ts';
import type { ModelDefinition } from '../../pipelines/models/index.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { QueryEngine } from '../ports/query-engine.ts';
import { readTransformPredictions, transformOutputKey } from './collect-managed-model.ts';
import { managedPrefix } from './export-training-data.ts';
import { scoringIdsKey, type ScoringIds } from './export-scoring-data.ts';
import { readJson } from './model-artifacts.ts';
import { writeScores, type ScoringResult } from './score-model.ts';

export type LoadedScores = ScoringResult & ({ readonly engine: 'sagemaker'; readonly sageMakerModelName: string } | { readonly engine: 'databricks'; readonly modelKey: string });

export async function loadManagedScores(
  ports: { engine: QueryEngine; store: ObjectStore },
  request: { model: ModelDefinition; runId: string; settings: ModelSettings },
): Promise<LoadedScores> {
  const { model, runId, settings } = request;
  const ids = await readJson<ScoringIds>(ports.store, scoringIdsKey(runId, model.name), `the sellers exported for ${model.name}'s scoring transform`);
  if (ids.model !== model.name) throw new Error(`refined/${scoringIdsKey(runId, model.name)} lists sellers of model ${ids.model}, not ${model.name}`);
  const byJob = ids.modelKey !== undefined;
  const predictions = await readTransformPredictions(
    ports.store,
    transformOutputKey(`${managedPrefix(runId, model.name)}/predictions/scoring`, 'scoring.csv'),
    ids.ids.length,
    `${model.name} ${byJob ? 'scoring job' : 'scoring transform'} of run ${runId}`,
    byJob ? 'the Databricks job' : 'the batch transform',
  );
  const written = await writeScores(ports.engine, { model, settings, version: ids.version, dtScore: ids.dtScore, ids: ids.ids, predictions });
  if (byJob) return { ...written, engine: 'databricks', modelKey: ids.modelKey };
  return { ...written, engine: 'sagemaker', sageMakerModelName: ids.sageMakerModelName ?? '' };
}
