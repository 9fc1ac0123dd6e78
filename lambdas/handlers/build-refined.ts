import { datasetNamed } from '../../pipelines/datasets/index.ts';
import { buildRefined } from '../transform/build-refined.ts';
import { stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ table }` -> the refined table rebuilt from trusted (or skipped: no input moved), with its counts. */
export const buildRefinedHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const dataset = datasetNamed(stringField(event, 'table', 'build-refined'), 'refined');
    return withEngine(ports, (engine) => buildRefined({ engine, store: ports.store }, dataset));
  };
