/**
 * Registers the challenger as the model's next version, promoted or not:
 * its artifact, a model card (metrics, hyperparameters, features, snapshot
 * range, training-data hash, platform version) and its charts. The same card
 * goes to the experiment tracker (MLflow or the lake's run store). The
 * champion pointer moves only when the gate said so.
 */
import type { ModelDefinition } from '../../pipelines/models/index.ts';
import type { ExperimentTracker, TrackedRunRef } from '../ports/experiment-tracker.ts';
import type { Clock } from '../ports/clock.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { Candidate } from './candidates.ts';
import type { Evaluation } from './evaluate-model.ts';
import { championKey, type Champion, type GateDecision } from './gate-model.ts';
import { listKeys, readJson, readJsonIfPresent, readText, registryPrefix, runPrefix, versionLabel, versionPrefix, writeJson, writeText } from './model-artifacts.ts';

export interface ModelCard {
  readonly name: string;
  readonly version: number;
  readonly description: string;
  readonly kind: ModelDefinition['kind'];
  readonly algorithm: string;
  readonly engine: Candidate['engine'];
  readonly runId: string;
  readonly registeredAt: string;
  readonly promoted: boolean;
  readonly gate: GateDecision;
  readonly metrics: Readonly<Record<string, number>>;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly features: readonly string[];
  readonly snapshots: { readonly first: string; readonly last: string };
  readonly trainingRows: number;
  /** How the train split was rebalanced before fitting, when it was (models.classifier.rebalance). */
  readonly rebalanced?: NonNullable<Candidate['trainedOn']['rebalanced']>;
  /** A classifier's score at or above which a row is classed positive (models.classifier.threshold). */
  readonly threshold?: number;
  /** A classifier's confusion matrix (and the rates from it) at the threshold, on test and out-of-time rows. */
  readonly confusion?: Evaluation['candidates'][number]['confusion'];
  readonly trainingDataSha256: string;
  readonly platformVersion: string;
  readonly charts: readonly string[];
  readonly tracking?: TrackedRunRef;
}

/** What the run report lists per model (issue #4: name, version, engine, auc, promoted). */
export interface RegisteredModel {
  readonly name: string;
  readonly version: number;
  readonly engine: Candidate['engine'];
  readonly algorithm: string;
  readonly auc?: { readonly train: number | null; readonly test: number | null; readonly oot: number | null };
  readonly silhouette?: number;
  /** A ranker's hit rate at k on the held-out period, its precision, and the best other candidate's (the baseline's) hit rate. */
  readonly hitRate?: { readonly k: number; readonly oot: number; readonly precision: number; readonly baseline: { readonly algorithm: string; readonly oot: number } | null };
  readonly promoted: boolean;
  readonly reason: string;
  readonly champion: number;
  readonly tracking?: TrackedRunRef;
  /** One line for the notification. */
  readonly summary: string;
}

export async function nextVersion(store: ObjectStore, model: ModelDefinition['name']): Promise<number> {
  const versions = (await listKeys(store, `${registryPrefix(model)}/versions/`))
    .map((key) => /\/versions\/v(\d+)\//.exec(key)?.[1])
    .filter((value): value is string => value !== undefined)
    .map(Number);
  return versions.length === 0 ? 1 : Math.max(...versions) + 1;
}

export async function registerModel(
  ports: { store: ObjectStore; tracker: ExperimentTracker; clock: Clock },
  request: { model: ModelDefinition; runId: string; environment: string; platformVersion: string },
): Promise<RegisteredModel> {
  const { model, runId } = request;
  const { store } = ports;
  const prefix = runPrefix(runId, model.name);
  const evaluation = await readJson<Evaluation>(store, `${prefix}/evaluation.json`, `evaluation of ${model.name}`);
  const gate = await readJson<GateDecision>(store, `${prefix}/gate.json`, `gate decision of ${model.name}`);
  const candidate = await readJson<Candidate>(store, `${prefix}/candidates/${evaluation.challenger}.json`, `candidate ${evaluation.challenger}`);
  const { metrics, confusion } = evaluation.candidates.find((item) => item.algorithm === evaluation.challenger)!;
  const startedAt = ports.clock.now().toISOString();

  // A retried step (the tracker was unreachable) reuses the version it allocated instead of registering a second one.
  const allocated = await readJsonIfPresent<{ version: number }>(store, `${prefix}/registration.json`);
  const version = allocated?.version ?? (await nextVersion(store, model.name));
  if (!allocated) await writeJson(store, `${prefix}/registration.json`, { version });
  const target = versionPrefix(model.name, version);
  await writeJson(store, `${target}/model.json`, candidate);
  const charts = await Promise.all(evaluation.charts.map(async (name) => ({ name, svg: await readText(store, `${prefix}/charts/${name}`) })));
  for (const chart of charts) await writeText(store, `${target}/${chart.name}`, chart.svg);

  const card: Omit<ModelCard, 'tracking'> = {
    name: model.name,
    version,
    description: model.description,
    kind: model.kind,
    algorithm: candidate.algorithm,
    engine: candidate.engine,
    runId,
    registeredAt: startedAt,
    promoted: gate.promote,
    gate,
    metrics,
    hyperparameters: candidate.parameters,
    features: candidate.features,
    snapshots: { first: candidate.trainedOn.firstSnapshot, last: candidate.trainedOn.lastSnapshot },
    trainingRows: candidate.trainedOn.rows,
    ...(candidate.trainedOn.rebalanced ? { rebalanced: candidate.trainedOn.rebalanced } : {}),
    ...(evaluation.threshold === undefined ? {} : { threshold: evaluation.threshold }),
    ...(confusion ? { confusion } : {}),
    trainingDataSha256: candidate.trainedOn.sha256,
    platformVersion: request.platformVersion,
    charts: evaluation.charts,
  };
  const tracking = await ports.tracker.logRun({
    experiment: `strata-${request.environment}/${model.name}`,
    runName: `${model.name} ${versionLabel(version)}`,
    startedAt,
    endedAt: ports.clock.now().toISOString(),
    status: 'FINISHED',
    params: {
      ...Object.fromEntries(Object.entries(candidate.parameters).map(([key, value]) => [key, typeof value === 'object' ? JSON.stringify(value) : (value as string | number | boolean)])),
      algorithm: candidate.algorithm,
      feature_count: candidate.features.length,
      features: candidate.features.join(','),
      first_snapshot: card.snapshots.first,
      last_snapshot: card.snapshots.last,
      training_rows: card.trainingRows,
    },
    metrics: { ...metrics, ...Object.fromEntries(Object.entries(candidate.timings).map(([step, seconds]) => [`seconds_${step.replace(/[^a-z0-9_]/gi, '_')}`, seconds])) },
    tags: {
      'strata.model': model.name,
      'strata.version': String(version),
      'strata.engine': candidate.engine,
      'strata.run_id': runId,
      'strata.promoted': String(gate.promote),
      'strata.platform_version': request.platformVersion,
      'strata.training_data_sha256': card.trainingDataSha256,
    },
    artifacts: [
      { name: 'card.json', contentType: 'application/json', body: `${JSON.stringify(card, null, 2)}\n` },
      ...charts.map((chart) => ({ name: chart.name, contentType: 'image/svg+xml', body: chart.svg })),
    ],
  });
  await writeJson(store, `${target}/card.json`, { ...card, tracking } satisfies ModelCard);

  let champion = gate.champion?.version ?? version;
  if (gate.promote) {
    await writeJson(store, championKey(model.name), { version, runId, promotedAt: ports.clock.now().toISOString() } satisfies Champion);
    champion = version;
  }
  const auc = model.kind === 'classifier' ? { train: metrics.auc_train ?? null, test: metrics.auc_test ?? null, oot: metrics.auc_oot ?? null } : undefined;
  // The gate's metric, when it is not one the headline shows already: what decided the promotion.
  const gated = model.gateMetric.startsWith('auc_') || model.gateMetric === 'silhouette' || model.kind === 'ranker' ? '' : `, ${model.gateMetric} ${metrics[model.gateMetric]?.toFixed(3)}`;
  const hitRate = model.kind === 'ranker' ? rankerHeadline(evaluation, metrics) : undefined;
  const headline =
    (auc
      ? `AUC train ${auc.train?.toFixed(3)} test ${auc.test?.toFixed(3)} OOT ${auc.oot?.toFixed(3)}`
      : hitRate
        ? `hit rate@${hitRate.k} OOT ${hitRate.oot.toFixed(3)}, precision@${hitRate.k} ${hitRate.precision.toFixed(3)}` +
          (hitRate.baseline ? ` (${hitRate.baseline.algorithm} ${hitRate.baseline.oot.toFixed(3)})` : '') +
          `; ${metrics.entities_oot} ${model.entity} held out, ${metrics.returning_entities_oot} of them seen before`
        : `silhouette ${metrics.silhouette?.toFixed(3)}`) + gated;
  return {
    name: model.name,
    version,
    engine: candidate.engine,
    algorithm: candidate.algorithm,
    ...(auc ? { auc } : hitRate ? { hitRate } : { silhouette: metrics.silhouette }),
    promoted: gate.promote,
    reason: gate.reason,
    champion,
    tracking,
    summary: `${model.name} ${versionLabel(version)} (${candidate.algorithm}, ${candidate.engine}): ${headline}; ${gate.promote ? 'promoted to champion' : `not promoted, champion stays ${versionLabel(champion)}`}`,
  };
}

/** A ranker's figures for the report: the challenger's hit rate and precision at k, and the best other candidate's hit rate beside it. */
function rankerHeadline(evaluation: Evaluation, metrics: Readonly<Record<string, number>>): NonNullable<RegisteredModel['hitRate']> {
  const others = evaluation.candidates.filter((each) => each.algorithm !== evaluation.challenger);
  const best = others.reduce<(typeof others)[number] | undefined>((top, each) => (!top || each.metrics.hit_rate_at_k_oot! > top.metrics.hit_rate_at_k_oot! ? each : top), undefined);
  return {
    k: metrics.k!,
    oot: metrics.hit_rate_at_k_oot!,
    precision: metrics.precision_at_k_oot!,
    baseline: best ? { algorithm: best.algorithm, oot: best.metrics.hit_rate_at_k_oot! } : null,
  };
}
