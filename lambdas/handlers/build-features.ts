import { workloadMls } from '../ml/workload-ml.ts';
import { catalogOf, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ runId }` -> per workload with models, its feature store brought up to date. */
export const buildFeaturesHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const runId = stringField(event, 'runId', 'build-features');
    const builds: Record<string, unknown> = {};
    let rowsIn = 0;
    let rowsOut = 0;
    for (const [workload, ml] of workloadMls(catalogOf(ports))) {
      const build = await withEngine(ports, (engine) => ml.buildFeatures(engine, ports.store, { runId }));
      builds[workload] = build;
      rowsIn += build.rowsIn;
      rowsOut += build.rowsOut;
    }
    return { workloads: builds, rowsIn, rowsOut };
  };
