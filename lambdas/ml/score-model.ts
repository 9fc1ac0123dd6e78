/**
 * The champion scores the latest snapshot into refined: churn probabilities
 * and classes, or segment numbers, in one table partitioned by dt_score with
 * the model as a column, so a re-run replaces that model's scores of the day
 * instead of adding to them, and the other models' rows of the day stay.
 */
import type { ModelSettings } from '../../config/schema.ts';
import type { ModelDefinition } from '../../pipelines/models/index.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { LoadedColumn, QueryEngine } from '../ports/query-engine.ts';
import { loadModel, renderModel } from '../../pipelines/sql/render.ts';
import { predict } from './candidates.ts';
import { readChampion } from './gate-model.ts';
import { versionLabel } from './model-artifacts.ts';
import { readScoringSet } from './read-training-set.ts';

export interface ScoringResult {
  readonly model: string;
  readonly version: number;
  readonly table: string;
  readonly dtScore: string;
  readonly rowsIn: number;
  readonly rowsOut: number;
  /** Classifiers: sellers at or above the threshold. */
  readonly flagged?: number;
  /** Churn: rows of the ranked list for the retention team (refined churn_watchlist). */
  readonly watchlist?: number;
}

export async function scoreModel(
  ports: { engine: QueryEngine; store: ObjectStore },
  request: { model: ModelDefinition; settings: ModelSettings },
): Promise<ScoringResult> {
  const { model, settings } = request;
  const champion = await readChampion(ports.store, model);
  if (!champion) throw new Error(`model ${model.name} has no champion to score with; the register step promotes the first version`);
  const scoring = await readScoringSet(ports.engine, model);
  const predictions = predict(champion.candidate, scoring.matrix);
  return writeScores(ports.engine, { model, settings, version: champion.champion.version, dtScore: scoring.dtScore, sellerIds: scoring.ids.map((id) => id.sellerId), predictions });
}

/** Writes one model's scores for one day, replacing that day's partition; shared by the embedded and the managed (batch transform) paths. */
export async function writeScores(
  engine: QueryEngine,
  scores: { model: ModelDefinition; settings: ModelSettings; version: number; dtScore: string; sellerIds: readonly string[]; predictions: ArrayLike<number> },
): Promise<ScoringResult> {
  const { model, settings, predictions } = scores;
  const modelVersion = versionLabel(scores.version);

  let columns: LoadedColumn[];
  let rows: (string | number | null)[][];
  let flagged: number | undefined;
  if (model.kind === 'classifier') {
    const threshold = settings.churn.threshold;
    columns = [
      { name: 'seller_id', type: 'string' },
      { name: 'score', type: 'double' },
      { name: 'class', type: 'int' },
      { name: 'model_version', type: 'string' },
    ];
    rows = scores.sellerIds.map((sellerId, index) => [sellerId, predictions[index]!, predictions[index]! >= threshold ? 1 : 0, modelVersion]);
    flagged = rows.filter((row) => row[2] === 1).length;
  } else {
    columns = [
      { name: 'seller_id', type: 'string' },
      { name: 'segment', type: 'int' },
      { name: 'model_version', type: 'string' },
    ];
    rows = scores.sellerIds.map((sellerId, index) => [sellerId, predictions[index]!, modelVersion]);
  }
  const relation = await engine.loadRows(`${model.scoresTable}_rows`, columns, rows);
  // A scores table is one model's (its `model` column says which): a scoring date is one partition, replaced on a re-run.
  const names = columns.map((column) => column.name);
  const written = await engine.replace(
    { layer: 'refined', prefix: model.scoresTable, partitionBy: 'dt_score', partitions: [scores.dtScore] },
    `select ${names.join(', ')}, '${model.name}' as model, '${scores.dtScore}' as dt_score from ${relation}`,
  );
  const watchlist = model.name === 'seller-churn' ? await buildWatchlist(engine, scores.dtScore, model.name) : undefined;
  return {
    model: model.name,
    version: scores.version,
    table: model.scoresTable,
    dtScore: scores.dtScore,
    rowsIn: scores.sellerIds.length,
    rowsOut: written.rows,
    ...(flagged === undefined ? {} : { flagged }),
    ...(watchlist === undefined ? {} : { watchlist }),
  };
}

/** The ranked list of sellers classed as churning on a scoring date (workloads/olist/sql/ml/churn_watchlist.sql), replacing that date's list. */
async function buildWatchlist(engine: QueryEngine, dtScore: string, model: string): Promise<number> {
  const select = renderModel(loadModel('ml', 'churn_watchlist'), engine.dialect, engine.relations, { params: { dt_score: { date: dtScore }, model } });
  const written = await engine.replace(
    { layer: 'refined', prefix: 'churn_watchlist', partitionBy: 'dt_score', partitions: [dtScore] },
    `select w.*, '${dtScore}' as dt_score from (${select}) w`,
  );
  return written.rows;
}
