/**
 * The promotion gate. The champion is re-scored on this run's data, so both
 * models are judged on the same out-of-time rows (or, for segments, the same
 * sellers); the challenger is promoted unless it is worse by more than the
 * configured margin (a ranker's: its hit rate at k on the same held-out
 * period). A champion that cannot score this data (its features
 * are gone) cannot defend its title.
 */
import { settingsFor } from '../../config/model-settings.ts';
import type { ModelSettings } from '../../config/schema.ts';
import type { ModelDefinition } from '../../pipelines/models/index.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { QueryEngine } from '../ports/query-engine.ts';
import { predict, silhouetteOf, type Candidate, type RankerCandidate } from './candidates.ts';
import { classifierMetrics, type Evaluation } from './evaluate-model.ts';
import { readJson, readJsonIfPresent, registryPrefix, runPrefix, versionPrefix, writeJson } from './model-artifacts.ts';
import { rankerGateValue } from './rank-model.ts';
import { readTrainingSet } from './read-training-set.ts';

export interface Champion {
  readonly version: number;
  readonly runId: string;
  readonly promotedAt: string;
}

export interface GateDecision {
  readonly model: string;
  readonly promote: boolean;
  readonly reason: string;
  readonly metric: ModelDefinition['gateMetric'];
  readonly margin: number;
  readonly challenger: { readonly algorithm: string; readonly value: number };
  readonly champion?: { readonly version: number; readonly value: number | null };
}

export const championKey = (model: ModelDefinition['name']) => `${registryPrefix(model)}/champion.json`;

export async function readChampion(store: ObjectStore, model: ModelDefinition): Promise<{ champion: Champion; candidate: Candidate } | undefined> {
  const champion = await readJsonIfPresent<Champion>(store, championKey(model.name));
  if (!champion) return undefined;
  const candidate = await readJson<Candidate>(store, `${versionPrefix(model.name, champion.version)}/model.json`, `champion ${model.name} v${champion.version}`);
  return { champion, candidate };
}

export async function gateModel(
  ports: { engine: QueryEngine; store: ObjectStore },
  request: { model: ModelDefinition; runId: string; settings: ModelSettings },
): Promise<GateDecision> {
  const { model, runId } = request;
  const settings = settingsFor(request.settings, model);
  const evaluation = await readJson<Evaluation>(ports.store, `${runPrefix(runId, model.name)}/evaluation.json`, `evaluation of ${model.name}`);
  const challenger = evaluation.candidates.find((candidate) => candidate.algorithm === evaluation.challenger)!;
  const metric = model.gateMetric;
  const margin = settings[model.kind].promotionMargin;
  const challengerValue = challenger.metrics[metric] ?? challenger.metrics.auc_test!;
  const base = { model: model.name, metric, margin, challenger: { algorithm: challenger.algorithm, value: challengerValue } };

  const current = await readChampion(ports.store, model);
  let decision: GateDecision;
  if (!current) {
    decision = { ...base, promote: true, reason: 'no champion yet: the first model becomes champion' };
  } else {
    let championValue: number | null = null;
    let unusable: string | undefined;
    let asRegistered = false;
    if (current.candidate.algorithm === 'xgboost') {
      // A SageMaker model scores by batch transform, not in this process: it defends the metric it registered with.
      const card = await readJson<{ metrics: Record<string, number> }>(ports.store, `${versionPrefix(model.name, current.champion.version)}/card.json`, `card of champion ${model.name} v${current.champion.version}`);
      championValue = card.metrics[metric] ?? null;
      asRegistered = true;
    } else {
      try {
        if (model.kind === 'ranker') {
          championValue = await rankerGateValue(ports.engine, model, request.settings, current.candidate as RankerCandidate);
        } else {
          const set = await readTrainingSet(ports.engine, model);
          const scores = predict(current.candidate, set.matrix);
          championValue =
            model.kind === 'classifier'
              ? (classifierMetrics(set, scores, settings.classifier.threshold).metrics[metric] ?? null)
              : silhouetteOf(current.candidate, set.matrix, scores, settings.clusterer.seed);
        }
      } catch (error) {
        unusable = (error as Error).message.split('\n')[0];
      }
    }
    const champion = { version: current.champion.version, value: championValue === null ? null : Number(championValue.toFixed(6)) };
    const measured = asRegistered ? ' (as registered)' : '';
    if (championValue === null) {
      decision = { ...base, champion, promote: true, reason: `champion v${champion.version} cannot score this data (${unusable ?? 'no metric'}); the challenger takes over` };
    } else if (challengerValue >= champion.value! - margin) {
      decision = { ...base, champion, promote: true, reason: `${metric} ${challengerValue.toFixed(4)} vs champion v${champion.version} ${championValue.toFixed(4)}${measured}: within the margin of ${margin}` };
    } else {
      decision = { ...base, champion, promote: false, reason: `${metric} ${challengerValue.toFixed(4)} is worse than champion v${champion.version}'s ${championValue.toFixed(4)}${measured} by more than ${margin}` };
    }
  }
  await writeJson(ports.store, `${runPrefix(runId, model.name)}/gate.json`, decision);
  return decision;
}
