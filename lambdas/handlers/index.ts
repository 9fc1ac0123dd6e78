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
import { skippableModelStep } from './skippable-model-step.ts';
import { trainModelHandler } from './train-model.ts';
import { unpackFileDropHandler } from './unpack-file-drop.ts';

export { handlerSettings } from './handler-ports.ts';
export type { Handler, HandlerPorts, HandlerSettings } from './handler-ports.ts';

/** Every handler a flow names, built from the ports of wherever it runs; a model's steps after its training set skip with it. */
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
  'train-model': skippableModelStep(trainModelHandler),
  'export-training-data': skippableModelStep(exportTrainingDataHandler),
  'evaluate-model': skippableModelStep(evaluateModelHandler),
  'gate-model': skippableModelStep(gateModelHandler),
  'register-model': skippableModelStep(registerModelHandler),
  'score-model': skippableModelStep(scoreModelHandler),
  'collect-managed-model': skippableModelStep(collectManagedModelHandler),
  'export-scoring-data': skippableModelStep(exportScoringDataHandler),
  'load-managed-scores': skippableModelStep(loadManagedScoresHandler),
};
