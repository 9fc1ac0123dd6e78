/**
 * Evaluates a model's candidates on its training set and picks the
 * challenger. Classifiers: AUC on train, test and out-of-time; precision,
 * recall, F1 and the confusion matrix at the configured threshold; KS and
 * lift by decile on OOT; the charts people look at (ROC, lift, importance).
 * Clusterers: silhouette, inertia, segment sizes. Rankers: hit rate,
 * precision and recall at k on the held-out period (rank-model.ts).
 */
import { settingsFor } from '../../config/model-settings.ts';
import type { ModelSettings } from '../../config/schema.ts';
import { SPLITS, type ModelDefinition, type Split } from '../../pipelines/models/index.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { QueryEngine } from '../ports/query-engine.ts';
import { predict, silhouetteOf, type Candidate, type RankerCandidate } from './candidates.ts';
import { IMPORTANCE_MEASURES, importanceSvg, liftSvg, rocSvg } from './engine/charts.ts';
import { featureImportance } from './engine/gradient-boosting.ts';
import { coefficients } from './engine/logistic-regression.ts';
import { auc, confusionAt, ksStatistic, liftByDecile, rocCurve } from './engine/metrics.ts';
import { listKeys, readJson, runPrefix, writeJson, writeText } from './model-artifacts.ts';
import { evaluateRanker } from './rank-model.ts';
import { readTrainingSet, type TrainingSet } from './read-training-set.ts';
import type { RankingAtK } from './engine/metrics.ts';

export { SPLITS, type Split } from '../../pipelines/models/index.ts';

export interface CandidateEvaluation {
  readonly algorithm: string;
  /** Flat, as trackers log them: auc_train, auc_test, auc_oot, f1_oot, ks_oot, silhouette… */
  readonly metrics: Readonly<Record<string, number>>;
  readonly confusion?: Readonly<Record<'test' | 'oot', ReturnType<typeof confusionAt>>>;
  readonly lift?: ReturnType<typeof liftByDecile>;
  readonly importance: readonly { readonly feature: string; readonly value: number }[];
  /** A ranker's hit rate, precision and recall at k = 1, 2, … over the held-out period's entities. */
  readonly atK?: readonly RankingAtK[];
}

export interface Evaluation {
  readonly model: string;
  readonly kind: ModelDefinition['kind'];
  readonly candidates: readonly CandidateEvaluation[];
  /** The candidate that goes to the gate: the best test AUC, the only clustering, or the best hit rate at k. */
  readonly challenger: string;
  readonly threshold?: number;
  /** Chart files (`roc.svg`…) under the run's `charts/`. */
  readonly charts: readonly string[];
}

export async function loadCandidates(store: ObjectStore, runId: string, model: ModelDefinition): Promise<Candidate[]> {
  const keys = (await listKeys(store, `${runPrefix(runId, model.name)}/candidates/`)).filter((key) => key.endsWith('.json'));
  if (keys.length === 0) throw new Error(`model ${model.name}: no trained candidates under refined/${runPrefix(runId, model.name)}/candidates/; did the train step run?`);
  const candidates = await Promise.all(keys.map((key) => readJson<Candidate>(store, key, `candidate ${key}`)));
  // Definition order, so ties between candidates resolve the same way every run.
  const order = (algorithm: string) => (model.algorithms as readonly string[]).indexOf(algorithm);
  return candidates.sort((a, b) => order(a.algorithm) - order(b.algorithm));
}

/** Row indexes of each split. */
export function splitIndexes(set: TrainingSet): Record<Split, number[]> {
  const indexes: Record<Split, number[]> = { train: [], test: [], oot: [] };
  set.split?.forEach((split, index) => indexes[split].push(index));
  return indexes;
}

const pick = <T>(values: ArrayLike<T>, indexes: readonly number[]) => indexes.map((index) => values[index]!);
const round = (value: number) => Number(value.toFixed(6));

/** Classifier metrics of scores over a training set's splits. */
export function classifierMetrics(set: TrainingSet, scores: Float64Array, threshold: number) {
  const indexes = splitIndexes(set);
  const labels = set.labels!;
  const metrics: Record<string, number> = {};
  const confusion = {} as Record<'test' | 'oot', ReturnType<typeof confusionAt>>;
  for (const split of SPLITS) {
    if (indexes[split].length === 0) continue;
    const splitLabels = pick(labels, indexes[split]);
    const splitScores = pick(scores, indexes[split]);
    metrics[`rows_${split}`] = splitLabels.length;
    const positives = splitLabels.reduce((sum: number, label) => sum + label, 0);
    if (positives === 0 || positives === splitLabels.length) {
      throw new Error(
        `its ${split} split holds ${splitLabels.length} rows, ${positives === 0 ? 'none' : 'all'} of them positive: AUC needs both classes; ` +
          (split === 'oot' ? 'name out-of-time snapshots that hold both (models.classifier.ootSnapshots)' : 'the training set needs more rows of the rarer class'),
      );
    }
    metrics[`positive_rate_${split}`] = round(positives / splitLabels.length);
    metrics[`auc_${split}`] = round(auc(splitLabels, splitScores));
    if (split === 'train') continue;
    const atThreshold = confusionAt(splitLabels, splitScores, threshold);
    confusion[split] = atThreshold;
    metrics[`precision_${split}`] = round(atThreshold.precision);
    metrics[`recall_${split}`] = round(atThreshold.recall);
    metrics[`f1_${split}`] = round(atThreshold.f1);
    metrics[`accuracy_${split}`] = round(atThreshold.accuracy);
    metrics[`ks_${split}`] = round(ksStatistic(splitLabels, splitScores));
  }
  const oot = indexes.oot.length > 0 ? indexes.oot : indexes.test;
  const lift = liftByDecile(pick(labels, oot), pick(scores, oot));
  metrics.lift_top_decile = round(lift[0]?.lift ?? 0);
  return { metrics, confusion, lift };
}

export async function evaluateModel(
  ports: { engine: QueryEngine; store: ObjectStore },
  request: { model: ModelDefinition; runId: string; settings: ModelSettings },
): Promise<Evaluation & { rowsIn: number }> {
  const { model, runId } = request;
  const settings = settingsFor(request.settings, model);
  const candidates = await loadCandidates(ports.store, runId, model);
  if (model.kind === 'ranker') return evaluateRanker(ports, request, candidates as RankerCandidate[]);
  const set = await readTrainingSet(ports.engine, model);
  const prefix = runPrefix(runId, model.name);
  const evaluations: CandidateEvaluation[] = [];

  if (model.kind === 'clusterer') {
    for (const candidate of candidates) {
      const segments = predict(candidate, set.matrix);
      const started = performance.now();
      const silhouette = silhouetteOf(candidate, set.matrix, segments, settings.clusterer.seed);
      const sizes = new Map<number, number>();
      for (const segment of segments) sizes.set(segment, (sizes.get(segment) ?? 0) + 1);
      evaluations.push({
        algorithm: candidate.algorithm,
        metrics: {
          silhouette: round(silhouette),
          inertia: round((candidate.artifact as { inertia: number }).inertia),
          segments: sizes.size,
          rows: set.matrix.rows,
          smallest_segment: Math.min(...sizes.values()),
          largest_segment: Math.max(...sizes.values()),
          seconds_silhouette: round((performance.now() - started) / 1000),
        },
        importance: [],
      });
    }
    const evaluation: Evaluation = { model: model.name, kind: model.kind, candidates: evaluations, challenger: evaluations[0]!.algorithm, charts: [] };
    await writeJson(ports.store, `${prefix}/evaluation.json`, evaluation);
    return { ...evaluation, rowsIn: set.matrix.rows };
  }

  const threshold = settings.classifier.threshold;
  const curves = new Map<string, ReturnType<typeof rocCurve>[]>();
  for (const candidate of candidates) {
    const scores = predict(candidate, set.matrix);
    let measured: ReturnType<typeof classifierMetrics>;
    try {
      measured = classifierMetrics(set, scores, threshold);
    } catch (error) {
      throw new Error(`model ${model.name}: ${(error as Error).message}`);
    }
    const { metrics, confusion, lift } = measured;
    const importance =
      candidate.algorithm === 'gradient-boosting'
        ? featureImportance(candidate.artifact).map((item) => ({ feature: item.feature, value: item.gain }))
        : candidate.algorithm === 'logistic-regression'
          ? coefficients(candidate.artifact).map((item) => ({ feature: item.feature, value: Math.abs(item.standardizedCoefficient) }))
          : [];
    evaluations.push({ algorithm: candidate.algorithm, metrics, confusion, lift, importance: [...importance].sort((a, b) => b.value - a.value) });
    const indexes = splitIndexes(set);
    curves.set(
      candidate.algorithm,
      SPLITS.filter((split) => indexes[split].length > 0).map((split) => rocCurve(pick(set.labels!, indexes[split]), pick(scores, indexes[split]))),
    );
  }
  const challenger = evaluations.reduce((best, candidate) => ((candidate.metrics.auc_test ?? 0) > (best.metrics.auc_test ?? 0) ? candidate : best));

  const indexes = splitIndexes(set);
  const splitsPresent = SPLITS.filter((split) => indexes[split].length > 0);
  const charts = {
    'roc.svg': rocSvg(
      splitsPresent.map((split, index) => ({
        label: `${challenger.algorithm} ${split}`,
        points: curves.get(challenger.algorithm)![index]!,
        auc: challenger.metrics[`auc_${split}`]!,
      })),
      `${model.name}: ROC of ${challenger.algorithm} (run ${runId})`,
    ),
    'lift.svg': liftSvg(challenger.lift!, `${model.name}: lift by decile, ${indexes.oot.length > 0 ? 'out-of-time' : 'test'} (${challenger.algorithm})`),
    'importance.svg': importanceSvg(challenger.importance, `${model.name}: feature importance (${challenger.algorithm})`, undefined, IMPORTANCE_MEASURES[challenger.algorithm as keyof typeof IMPORTANCE_MEASURES]),
  };
  for (const [name, svg] of Object.entries(charts)) await writeText(ports.store, `${prefix}/charts/${name}`, svg);
  const evaluation: Evaluation = {
    model: model.name,
    kind: model.kind,
    candidates: evaluations,
    challenger: challenger.algorithm,
    threshold,
    charts: Object.keys(charts),
  };
  await writeJson(ports.store, `${prefix}/evaluation.json`, evaluation);
  return { ...evaluation, rowsIn: set.matrix.rows };
}
