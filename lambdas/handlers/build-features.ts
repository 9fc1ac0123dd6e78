import { noDataReason } from '../ml/models-without-data.ts';
import { workloadMls } from '../ml/workload-ml.ts';
import { catalogOf, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ runId }` -> per workload with models, its feature store brought up to date; a workload without any data yet is skipped, saying so. */
export const buildFeaturesHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const runId = stringField(event, 'runId', 'build-features');
    const catalog = catalogOf(ports);
    const builds: Record<string, unknown> = {};
    let rowsIn = 0;
    let rowsOut = 0;
    for (const [workload, ml] of workloadMls(catalog)) {
      const noData = await noDataReason(ports.store, catalog.workloads.find((each) => each.name === workload)!);
      if (noData !== undefined) {
        builds[workload] = { skipped: noData };
        continue;
      }
      const build = await withEngine(ports, (engine) => ml.buildFeatures(engine, ports.store, { runId }));
      builds[workload] = build;
      rowsIn += build.rowsIn;
      rowsOut += build.rowsOut;
    }
    return { workloads: builds, rowsIn, rowsOut };
  };
