/**
 * The champion scores the rows its workload names into refined: a
 * classifier's probabilities and classes, a clusterer's segment numbers, or
 * a ranker's k items per entity (ranked, from its whole history), keyed by the model's entity, in one table partitioned by dt_score with the
 * model as a column, so a re-run replaces that model's scores of the day
 * instead of adding to them. Then the tables its definition builds from the
 * scores (`afterScoring`: churn's watchlist) are rebuilt for that day.
 */
import { settingsFor } from '../../config/model-settings.ts';
import type { ModelSettings } from '../../config/schema.ts';
import type { ModelDefinition } from '../../pipelines/models/index.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { LoadedColumn, QueryEngine } from '../ports/query-engine.ts';
import { loadModel, renderModel } from '../../pipelines/sql/render.ts';
import { predict } from './candidates.ts';
import { readChampion } from './gate-model.ts';
import { versionLabel } from './model-artifacts.ts';
import { recommendationRows } from './rank-model.ts';
import { readInteractionScoringSet, readScoringSet } from './read-training-set.ts';
import type { RankerCandidate } from './candidates.ts';

export interface ScoringResult {
  readonly model: string;
  readonly version: number;
  readonly table: string;
  readonly dtScore: string;
  readonly rowsIn: number;
  readonly rowsOut: number;
  /** Classifiers: rows at or above the threshold. */
  readonly flagged?: number;
  /** Rows written to each table built from the scores (`afterScoring`), by table. */
  readonly after?: Readonly<Record<string, number>>;
  /** Why nothing was written, when there was nothing to score. */
  readonly note?: string;
}

export async function scoreModel(
  ports: { engine: QueryEngine; store: ObjectStore },
  request: { model: ModelDefinition; settings: ModelSettings },
): Promise<ScoringResult> {
  const { model } = request;
  const settings = settingsFor(request.settings, model);
  const champion = await readChampion(ports.store, model);
  if (!champion) throw new Error(`model ${model.name} has no champion to score with; the register step promotes the first version`);
  if (model.kind === 'ranker') return writeRecommendations(ports.engine, { model, settings, version: champion.champion.version, candidate: champion.candidate as RankerCandidate });
  const scoring = await readScoringSet(ports.engine, model, settings);
  const predictions = predict(champion.candidate, scoring.matrix);
  return writeScores(ports.engine, { model, settings, version: champion.champion.version, dtScore: scoring.dtScore, ids: scoring.ids.map((id) => id.id), predictions });
}

/** Writes one model's scores for one day, replacing that day's partition; shared by the embedded and the managed (batch transform) paths. */
export async function writeScores(
  engine: QueryEngine,
  scores: { model: ModelDefinition; settings: ModelSettings; version: number; dtScore: string; ids: readonly string[]; predictions: ArrayLike<number> },
): Promise<ScoringResult> {
  const { model, predictions } = scores;
  const settings = settingsFor(scores.settings, model);
  const modelVersion = versionLabel(scores.version);
  if (scores.ids.length === 0) {
    const note = `${model.name}: its workload names no row to score; ${model.scoresTable} is unchanged`;
    return { model: model.name, version: scores.version, table: model.scoresTable, dtScore: '', rowsIn: 0, rowsOut: 0, note };
  }
  const entity = { name: model.entity, type: 'string' } as const;

  let columns: LoadedColumn[];
  let rows: (string | number | null)[][];
  let flagged: number | undefined;
  if (model.kind === 'classifier') {
    const threshold = settings.classifier.threshold;
    columns = [
      entity,
      { name: 'score', type: 'double' },
      { name: 'class', type: 'int' },
      { name: 'model_version', type: 'string' },
    ];
    rows = scores.ids.map((id, index) => [id, predictions[index]!, predictions[index]! >= threshold ? 1 : 0, modelVersion]);
    flagged = rows.filter((row) => row[2] === 1).length;
  } else {
    columns = [
      entity,
      { name: 'segment', type: 'int' },
      { name: 'model_version', type: 'string' },
    ];
    rows = scores.ids.map((id, index) => [id, predictions[index]!, modelVersion]);
  }
  const { rowsOut, after } = await writePartition(engine, model, scores.dtScore, columns, rows);
  return {
    model: model.name,
    version: scores.version,
    table: model.scoresTable,
    dtScore: scores.dtScore,
    rowsIn: scores.ids.length,
    rowsOut,
    ...(flagged === undefined ? {} : { flagged }),
    ...(Object.keys(after).length === 0 ? {} : { after }),
  };
}

/** A ranker's k items for every entity of the histories its workload names, dated by their latest interaction. */
async function writeRecommendations(
  engine: QueryEngine,
  request: { model: ModelDefinition; settings: ModelSettings; version: number; candidate: RankerCandidate },
): Promise<ScoringResult> {
  const { model, version } = request;
  const histories = await readInteractionScoringSet(engine, model, request.settings);
  if (histories.entities.length === 0) {
    const note = `${model.name}: its workload names no history to recommend from; ${model.scoresTable} is unchanged`;
    return { model: model.name, version, table: model.scoresTable, dtScore: '', rowsIn: 0, rowsOut: 0, note };
  }
  const dtScore = histories.dtReferences.reduce((latest, date) => (date > latest ? date : latest), '');
  const { columns, rows } = recommendationRows(model, request.settings, request.candidate.artifact, histories, versionLabel(version));
  const { rowsOut, after } = await writePartition(engine, model, dtScore, columns, rows);
  return {
    model: model.name,
    version,
    table: model.scoresTable,
    dtScore,
    rowsIn: histories.entities.length,
    rowsOut,
    ...(Object.keys(after).length === 0 ? {} : { after }),
  };
}

/** Replaces one scoring date's partition of a model's scores table with these rows, then the tables built from it. */
async function writePartition(
  engine: QueryEngine,
  model: ModelDefinition,
  dtScore: string,
  columns: LoadedColumn[],
  rows: (string | number | null)[][],
): Promise<{ rowsOut: number; after: Record<string, number> }> {
  const relation = await engine.loadRows(`${model.scoresTable}_rows`, columns, rows);
  // A scores table is one model's (its `model` column says which): a scoring date is one partition, replaced on a re-run.
  const names = columns.map((column) => column.name);
  const written = await engine.replace(
    { layer: 'refined', prefix: model.scoresTable, partitionBy: 'dt_score', partitions: [dtScore] },
    `select ${names.join(', ')}, '${model.name}' as model, '${dtScore}' as dt_score from ${relation}`,
  );
  const after: Record<string, number> = {};
  for (const table of model.afterScoring ?? []) after[table] = await buildFromScores(engine, table, dtScore, model.name);
  return { rowsOut: written.rows, after };
}

/** A table built from a scoring date's scores (its workload's sql/ml/<table>.sql, churn's watchlist), replacing that date's partition. */
async function buildFromScores(engine: QueryEngine, table: string, dtScore: string, model: string): Promise<number> {
  const select = renderModel(loadModel('ml', table), engine.dialect, engine.relations, { params: { dt_score: { date: dtScore }, model } });
  const written = await engine.replace(
    { layer: 'refined', prefix: table, partitionBy: 'dt_score', partitions: [dtScore] },
    `select w.*, '${dtScore}' as dt_score from (${select}) w`,
  );
  return written.rows;
}
