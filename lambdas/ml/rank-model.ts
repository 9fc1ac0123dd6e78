/**
 * The retrain steps of a ranker (a model that recommends items: the product
 * categories to show a customer), the same steps as every model's, on
 * interactions instead of a feature matrix:
 *
 * - train: each candidate learns from the train split's interactions
 *   (lambdas/ml/engine/co-purchase.ts: co-purchase, popularity);
 * - evaluate: each candidate recommends k items to every entity with an
 *   interaction in the held-out period (the oot split), from its train-split
 *   history only, and is judged by hit rate, precision and recall at k
 *   against what the entity went on to buy; the challenger is the best hit
 *   rate at k (ties: the definition's first);
 * - gate: the champion is judged the same way on this run's split;
 * - score: the champion recommends k items to every entity of the histories
 *   its workload names, from its whole history.
 */
import { settingsFor } from '../../config/model-settings.ts';
import type { ModelSettings } from '../../config/schema.ts';
import { itemOf, type EmbeddedAlgorithm, type ModelDefinition } from '../../pipelines/models/index.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { LoadedColumn, QueryEngine } from '../ports/query-engine.ts';
import type { RankerCandidate } from './candidates.ts';
import { hitRateSvg } from './engine/charts.ts';
import { historiesOf, recommend, trainCoPurchase, trainPopularity, type Histories, type RankerModel } from './engine/co-purchase.ts';
import { rankingAtK, type RankingAtK } from './engine/metrics.ts';
import { runPrefix, writeJson, writeText } from './model-artifacts.ts';
import { readInteractionSet, type InteractionSet } from './read-training-set.ts';

/** The hit-rate chart runs to this k at least, so a k of 1 still shows how the lists do further down. */
const CHART_KS = 10;

const seconds = (since: number) => Number(((performance.now() - since) / 1000).toFixed(3));
const round = (value: number) => Number(value.toFixed(6));

function rowsOf(set: InteractionSet, split: 'train' | 'oot'): number[] {
  return set.split!.flatMap((each, index) => (each === split ? [index] : []));
}

function historiesIn(set: InteractionSet, rows: readonly number[]): Map<string, Set<string>> {
  return historiesOf(
    rows.map((row) => set.entities[row]!),
    rows.map((row) => set.items[row]!),
  );
}

function snapshotRange(set: InteractionSet, rows: readonly number[]): { firstSnapshot: string; lastSnapshot: string } {
  const dates = rows.map((row) => set.dtReferences[row]!).sort();
  return { firstSnapshot: dates[0] ?? '', lastSnapshot: dates.at(-1) ?? '' };
}

function fit(model: ModelDefinition, algorithm: EmbeddedAlgorithm, histories: Histories): { algorithm: RankerCandidate['algorithm']; parameters: Record<string, unknown>; artifact: RankerModel } {
  if (algorithm === 'co-purchase') return { algorithm, parameters: { similarity: 'cosine', history: 'own items count 1', topUp: 'popularity' }, artifact: trainCoPurchase(histories) };
  if (algorithm === 'popularity') return { algorithm, parameters: { popularity: 'distinct entities per item' }, artifact: trainPopularity(histories) };
  throw new Error(`model ${model.name}: algorithm ${algorithm} does not rank; a ranker's candidates are co-purchase, popularity`);
}

export async function trainRanker(
  ports: { engine: QueryEngine; store: ObjectStore },
  request: { model: ModelDefinition; runId: string; settings: ModelSettings },
): Promise<{ model: string; candidates: { algorithm: string; seconds: number; rows: number }[]; features: number; rowsIn: number; timings: Record<string, number> }> {
  const { model, runId } = request;
  const settings = settingsFor(request.settings, model).ranker;
  let started = performance.now();
  const set = await readInteractionSet(ports.engine, model);
  const timings: Record<string, number> = { readTrainingSet: seconds(started) };
  const trainRows = rowsOf(set, 'train');
  if (trainRows.length === 0) {
    throw new Error(`${model.trainingSet}: no interactions in the train split, every one is in the held-out period; hold out fewer months (models.ranker.holdoutMonths, ${settings.holdoutMonths}) or load more history`);
  }
  const histories = historiesIn(set, trainRows);
  const trainedOn = { rows: trainRows.length, sha256: set.sha256, ...snapshotRange(set, trainRows) };
  const candidates: RankerCandidate[] = [];
  for (const algorithm of model.algorithms) {
    started = performance.now();
    const fitted = fit(model, algorithm, histories);
    const trainingSeconds = (timings[`train:${algorithm}`] = seconds(started));
    candidates.push({ model: model.name, features: [], engine: 'embedded', ...fitted, trainedOn, trainingSeconds, timings: {} });
  }
  for (const candidate of candidates) await writeJson(ports.store, `${runPrefix(runId, model.name)}/candidates/${candidate.algorithm}.json`, candidate);
  return {
    model: model.name,
    candidates: candidates.map((candidate) => ({ algorithm: candidate.algorithm, seconds: candidate.trainingSeconds, rows: candidate.trainedOn.rows })),
    features: 0,
    rowsIn: set.entities.length,
    timings,
  };
}

export interface RankerMeasures {
  /** Flat, as trackers log them: hit_rate_at_k_oot, precision_at_k_oot, recall_at_k_oot, and the same over returning entities. */
  readonly metrics: Record<string, number>;
  /** At k = 1 … max(k, 10), over every entity of the held-out period. */
  readonly atK: RankingAtK[];
  /** The same over the entities that also have a train-split history; empty when none has. */
  readonly returningAtK: RankingAtK[];
}

/** A ranker candidate's lists for the held-out period's entities, from their train-split histories, and how they did. */
export function rankerMeasures(set: InteractionSet, artifact: RankerModel, k: number): RankerMeasures {
  const trainRows = rowsOf(set, 'train');
  const ootRows = rowsOf(set, 'oot');
  if (ootRows.length === 0) throw new Error('its held-out period (the oot split) holds no interaction: hit rate at k needs some; hold out more months (models.ranker.holdoutMonths)');
  const history = historiesIn(set, trainRows);
  const heldOut = historiesIn(set, ootRows);
  const entities = [...heldOut.keys()].sort();
  const depth = Math.max(k, CHART_KS);
  const lists = entities.map((entity) => recommend(artifact, history.get(entity) ?? [], depth).map((each) => each.item));
  const relevant = entities.map((entity) => heldOut.get(entity)!);
  const ks = Array.from({ length: depth }, (_, index) => index + 1);
  const atK = rankingAtK(lists, relevant, ks);
  const returning = entities.flatMap((entity, index) => (history.has(entity) ? [index] : []));
  const returningAtK = returning.length === 0 ? [] : rankingAtK(returning.map((index) => lists[index]!), returning.map((index) => relevant[index]!), ks);
  const atChosen = atK[k - 1]!;
  const metrics: Record<string, number> = {
    k,
    hit_rate_at_k_oot: round(atChosen.hitRate),
    precision_at_k_oot: round(atChosen.precision),
    recall_at_k_oot: round(atChosen.recall),
    entities_oot: entities.length,
    returning_entities_oot: returning.length,
    rows_train: trainRows.length,
    rows_oot: ootRows.length,
    items: artifact.items.length,
  };
  const returningAtChosen = returningAtK[k - 1];
  if (returningAtChosen) {
    metrics.hit_rate_at_k_oot_returning = round(returningAtChosen.hitRate);
    metrics.precision_at_k_oot_returning = round(returningAtChosen.precision);
    metrics.recall_at_k_oot_returning = round(returningAtChosen.recall);
  }
  return { metrics, atK, returningAtK };
}

export interface RankerEvaluation {
  readonly algorithm: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly importance: readonly never[];
  readonly atK: readonly RankingAtK[];
  readonly returningAtK: readonly RankingAtK[];
}

/** Measures every candidate on the held-out period, picks the challenger and draws the hit rate by k. */
export async function evaluateRanker(
  ports: { engine: QueryEngine; store: ObjectStore },
  request: { model: ModelDefinition; runId: string; settings: ModelSettings },
  candidates: readonly RankerCandidate[],
): Promise<{ model: string; kind: ModelDefinition['kind']; candidates: RankerEvaluation[]; challenger: string; charts: string[]; rowsIn: number }> {
  const { model, runId } = request;
  const { k } = settingsFor(request.settings, model).ranker;
  const set = await readInteractionSet(ports.engine, model);
  const evaluations: RankerEvaluation[] = candidates.map((candidate) => {
    let measured: RankerMeasures;
    try {
      measured = rankerMeasures(set, candidate.artifact, k);
    } catch (error) {
      throw new Error(`model ${model.name}: ${(error as Error).message}`);
    }
    return { algorithm: candidate.algorithm, importance: [], ...measured };
  });
  // Strictly better replaces: on a tie the definition's first candidate (the richer model) stays.
  const challenger = evaluations.reduce((best, each) => (each.metrics.hit_rate_at_k_oot! > best.metrics.hit_rate_at_k_oot! ? each : best));
  const entities = challenger.metrics.entities_oot!;
  const returning = challenger.metrics.returning_entities_oot!;
  const svg = hitRateSvg(
    [
      ...evaluations.map((each) => ({ label: `${each.algorithm}: all ${entities} of the held-out period`, values: each.atK.map((at) => at.hitRate), style: 'bar' as const })),
      ...evaluations
        .filter((each) => each.returningAtK.length > 0)
        .map((each) => ({ label: `${each.algorithm}: the ${returning} of them seen before it`, values: each.returningAtK.map((at) => at.hitRate), style: 'line' as const })),
    ],
    `${model.name}: hit rate by k, held-out period (run ${runId}; challenger ${challenger.algorithm})`,
  );
  const prefix = runPrefix(runId, model.name);
  await writeText(ports.store, `${prefix}/charts/hit-rate.svg`, svg);
  const evaluation = { model: model.name, kind: model.kind, candidates: evaluations, challenger: challenger.algorithm, charts: ['hit-rate.svg'] };
  await writeJson(ports.store, `${prefix}/evaluation.json`, evaluation);
  return { ...evaluation, rowsIn: set.entities.length };
}

/** The champion's hit rate at k on this run's held-out period: what it defends at the gate. */
export async function rankerGateValue(engine: QueryEngine, model: ModelDefinition, settings: ModelSettings, champion: RankerCandidate): Promise<number> {
  const set = await readInteractionSet(engine, model);
  return rankerMeasures(set, champion.artifact, settingsFor(settings, model).ranker.k).metrics.hit_rate_at_k_oot!;
}

/** The scores table's columns of a ranker, and its rows: k per entity of the histories, ranked. */
export function recommendationRows(
  model: ModelDefinition,
  settings: ModelSettings,
  artifact: RankerModel,
  histories: InteractionSet,
  modelVersion: string,
): { columns: LoadedColumn[]; rows: (string | number)[][]; entities: number } {
  const { k } = settingsFor(settings, model).ranker;
  const columns: LoadedColumn[] = [
    { name: model.entity, type: 'string' },
    { name: 'item_rank', type: 'int' },
    { name: itemOf(model), type: 'string' },
    { name: 'score', type: 'double' },
    { name: 'basis', type: 'string' },
    { name: 'model_version', type: 'string' },
  ];
  const byEntity = historiesOf(histories.entities, histories.items);
  const rows: (string | number)[][] = [];
  for (const entity of [...byEntity.keys()].sort()) {
    recommend(artifact, byEntity.get(entity)!, k).forEach((each, index) => rows.push([entity, index + 1, each.item, each.score, each.basis, modelVersion]));
  }
  return { columns, rows, entities: byEntity.size };
}
