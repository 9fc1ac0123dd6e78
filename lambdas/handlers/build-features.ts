import { buildFeatures } from '../ml/build-features.ts';
import { stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ runId }` -> the feature-store snapshots built and skipped. */
export const buildFeaturesHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const runId = stringField(event, 'runId', 'build-features');
    return withEngine(ports, (engine) => buildFeatures(engine, ports.store, { runId }));
  };
