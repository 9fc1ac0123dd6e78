/**
 * Trains a model's candidates on the embedded engine from its training set
 * and stores them for the evaluation: classifiers learn on the train split
 * only; clusterers on every row of their base; rankers on the train split's
 * interactions (rank-model.ts).
 */
import { settingsFor } from '../../config/model-settings.ts';
import type { ModelSettings } from '../../config/schema.ts';
import type { EmbeddedAlgorithm, ModelDefinition } from '../../pipelines/models/index.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { QueryEngine } from '../ports/query-engine.ts';
import type { Candidate } from './candidates.ts';
import { trainGradientBoosting } from './engine/gradient-boosting.ts';
import { trainKMeans } from './engine/k-means.ts';
import { trainLogisticRegression } from './engine/logistic-regression.ts';
import { selectRows } from './engine/matrix.ts';
import { oversamplePositives } from './engine/oversample.ts';
import { trainRanker } from './rank-model.ts';
import { runPrefix, writeJson } from './model-artifacts.ts';
import { readTrainingSet, type TrainingSet } from './read-training-set.ts';

export interface TrainingResult {
  readonly model: string;
  readonly candidates: readonly { readonly algorithm: string; readonly seconds: number; readonly rows: number }[];
  readonly features: number;
  readonly rowsIn: number;
  readonly timings: Readonly<Record<string, number>>;
}

/** What fitting one classifier algorithm gives: its parameters and its model. */
type ClassifierFit = Pick<Extract<Candidate, { algorithm: 'gradient-boosting' }>, 'algorithm' | 'parameters' | 'artifact'> | Pick<Extract<Candidate, { algorithm: 'logistic-regression' }>, 'algorithm' | 'parameters' | 'artifact'>;

const seconds = (since: number) => Number(((performance.now() - since) / 1000).toFixed(3));

function snapshotRange(set: TrainingSet): { firstSnapshot: string; lastSnapshot: string } {
  const dates = set.ids.map((id) => id.dtReference).sort();
  return { firstSnapshot: dates[0] ?? '', lastSnapshot: dates.at(-1) ?? '' };
}

export async function trainModel(
  ports: { engine: QueryEngine; store: ObjectStore },
  request: { model: ModelDefinition; runId: string; settings: ModelSettings },
): Promise<TrainingResult> {
  const { model, runId } = request;
  if (model.kind === 'ranker') return trainRanker(ports, request);
  const settings = settingsFor(request.settings, model);
  let started = performance.now();
  const set = await readTrainingSet(ports.engine, model);
  const timings: Record<string, number> = { readTrainingSet: seconds(started) };
  const candidates: Candidate[] = [];
  const base = { model: model.name, features: set.features, engine: 'embedded' as const };

  if (model.kind === 'classifier') {
    if (!set.labels || !set.split) throw new Error(`${model.trainingSet}: a classifier's training set needs its label (${model.label}) and split columns`);
    const splitRows = set.split.flatMap((split, index) => (split === 'train' ? [index] : []));
    if (splitRows.length === 0) throw new Error(`${model.trainingSet}: no rows in the train split`);
    const classifier = settings.classifier;
    const { rebalance } = classifier;
    let trainRows = splitRows;
    let oversampled: { method: 'oversample'; targetShare: number; added: number } | undefined;
    if (rebalance.method === 'oversample') {
      const drawn = oversamplePositives(Uint8Array.from(splitRows, (index) => set.labels![index]!), rebalance.targetShare, classifier.seed);
      trainRows = Array.from(drawn.rows, (row) => splitRows[row]!);
      oversampled = { method: 'oversample', targetShare: rebalance.targetShare, added: drawn.added };
    }
    const matrix = selectRows(set.matrix, trainRows);
    const labels = Uint8Array.from(trainRows, (index) => set.labels![index]!);
    // The rows of the split, not the repeats: what the model learned from.
    const trainedOn = { rows: splitRows.length, sha256: set.sha256, ...snapshotRange(set), ...(oversampled ? { rebalanced: oversampled } : {}) };
    const fit = (algorithm: EmbeddedAlgorithm): ClassifierFit => {
      if (algorithm === 'gradient-boosting') {
        const parameters = { ...classifier.gradientBoosting, seed: classifier.seed };
        return { algorithm, parameters, artifact: trainGradientBoosting(matrix, labels, parameters) };
      }
      if (algorithm === 'logistic-regression') {
        const parameters = { ...classifier.logisticRegression };
        return { algorithm, parameters, artifact: trainLogisticRegression(matrix, labels, parameters) };
      }
      throw new Error(`model ${model.name}: algorithm ${algorithm} does not classify`);
    };
    for (const algorithm of model.algorithms) {
      started = performance.now();
      const fitted = fit(algorithm);
      const trainingSeconds = (timings[`train:${algorithm}`] = seconds(started));
      candidates.push({ ...base, ...fitted, trainedOn, trainingSeconds, timings: {} });
    }
  } else {
    const trainedOn = { rows: set.matrix.rows, sha256: set.sha256, ...snapshotRange(set) };
    const { k, maxIterations, seed } = settings.clusterer;
    const parameters = { k, maxIterations, seed };
    started = performance.now();
    const artifact = trainKMeans(set.matrix, parameters);
    timings['train:k-means'] = seconds(started);
    candidates.push({ ...base, algorithm: 'k-means', parameters, artifact, trainedOn, trainingSeconds: timings['train:k-means']!, timings: { ...timings } });
  }

  for (const candidate of candidates) await writeJson(ports.store, `${runPrefix(runId, model.name)}/candidates/${candidate.algorithm}.json`, candidate);
  return {
    model: model.name,
    candidates: candidates.map((candidate) => ({ algorithm: candidate.algorithm, seconds: candidate.trainingSeconds, rows: candidate.trainedOn.rows })),
    features: set.features.length,
    rowsIn: set.matrix.rows,
    timings,
  };
}
