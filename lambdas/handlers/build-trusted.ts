import { datasetNamed } from '../../pipelines/datasets/index.ts';
import { buildTrusted } from '../transform/build-trusted.ts';
import { recordTrustedBuild } from '../transform/trusted-build-records.ts';
import { stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ table, runId }` -> the trusted table rebuilt from raw, with its counts (also recorded for the run's quality check). */
export const buildTrustedHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const dataset = datasetNamed(stringField(event, 'table', 'build-trusted'), 'trusted');
    const runId = stringField(event, 'runId', 'build-trusted');
    const build = await withEngine(ports, (engine) => buildTrusted(engine, dataset));
    await recordTrustedBuild(ports.store, runId, build);
    return build;
  };
