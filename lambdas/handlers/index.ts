import type { HandlerName } from '../../pipelines/flows/index.ts';
import { buildRefinedHandler } from './build-refined.ts';
import { buildTrustedHandler } from './build-trusted.ts';
import { checkQualityHandler } from './check-quality.ts';
import { collectManagedModelHandler } from './collect-managed-model.ts';
import { exportScoringDataHandler } from './export-scoring-data.ts';
import type { Handler, HandlerPorts } from './handler-ports.ts';
import { listLandingHandler } from './list-landing.ts';
import { loadManagedScoresHandler } from './load-managed-scores.ts';
import { pollApiHandler } from './poll-api.ts';
import { unpackFileDropHandler } from './unpack-file-drop.ts';

export type { Handler, HandlerPorts, HandlerSettings } from './handler-ports.ts';

/** Every handler a flow names, built from the ports of wherever it runs. */
export const HANDLER_FACTORIES: Record<HandlerName, (ports: HandlerPorts) => Handler> = {
  'list-landing': listLandingHandler,
  'unpack-file-drop': unpackFileDropHandler,
  'poll-api': pollApiHandler,
  'build-trusted': buildTrustedHandler,
  'build-refined': buildRefinedHandler,
  'check-quality': checkQualityHandler,
  'collect-managed-model': collectManagedModelHandler,
  'export-scoring-data': exportScoringDataHandler,
  'load-managed-scores': loadManagedScoresHandler,
};
