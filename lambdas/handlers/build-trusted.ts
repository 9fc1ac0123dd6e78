import { datasetNamed } from '../../pipelines/datasets/index.ts';
import { buildTrusted } from '../transform/build-trusted.ts';
import { stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ table }` -> the trusted table rebuilt from raw, with its counts. */
export const buildTrustedHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const dataset = datasetNamed(stringField(event, 'table', 'build-trusted'), 'trusted');
    return withEngine(ports, (engine) => buildTrusted(engine, dataset));
  };
