import type { HandlerName } from '../../pipelines/flows/index.ts';
import { buildFeaturesHandler } from './build-features.ts';
import { buildRefinedHandler } from './build-refined.ts';
import { buildTrainingSetHandler } from './build-training-set.ts';
import { buildTrustedHandler } from './build-trusted.ts';
import { checkQualityHandler } from './check-quality.ts';
import { collectManagedModelHandler } from './collect-managed-model.ts';
import { evaluateModelHandler } from './evaluate-model.ts';
import { exportScoringDataHandler } from './export-scoring-data.ts';
import { exportTrainingDataHandler } from './export-training-data.ts';
import { findNewDataHandler } from './find-new-data.ts';
import { gateModelHandler } from './gate-model.ts';
import type { Handler, HandlerPorts } from './handler-ports.ts';
import { listLandingHandler } from './list-landing.ts';
import { loadManagedScoresHandler } from './load-managed-scores.ts';
import { pollApiHandler } from './poll-api.ts';
import { registerModelHandler } from './register-model.ts';
import { scoreModelHandler } from './score-model.ts';
import { trainModelHandler } from './train-model.ts';
import { unpackFileDropHandler } from './unpack-file-drop.ts';

export { handlerSettings } from './handler-ports.ts';
export type { Handler, HandlerPorts, HandlerSettings } from './handler-ports.ts';

/** Every handler a flow names, built from the ports of wherever it runs. */
export const HANDLER_FACTORIES: Record<HandlerName, (ports: HandlerPorts) => Handler> = {
  'list-landing': listLandingHandler,
  'unpack-file-drop': unpackFileDropHandler,
  'poll-api': pollApiHandler,
  'find-new-data': findNewDataHandler,
  'build-trusted': buildTrustedHandler,
  'build-refined': buildRefinedHandler,
  'check-quality': checkQualityHandler,
  'build-features': buildFeaturesHandler,
  'build-training-set': buildTrainingSetHandler,
  'train-model': trainModelHandler,
  'export-training-data': exportTrainingDataHandler,
  'evaluate-model': evaluateModelHandler,
  'gate-model': gateModelHandler,
  'register-model': registerModelHandler,
  'score-model': scoreModelHandler,
  'collect-managed-model': collectManagedModelHandler,
  'export-scoring-data': exportScoringDataHandler,
  'load-managed-scores': loadManagedScoresHandler,
};
