import { settingsFor } from '../../config/model-settings.ts';
import { markSkipped, missingRequirementReason, noDataReason } from '../ml/models-without-data.ts';
import { workloadMlOf, workloadWithModel } from '../ml/workload-ml.ts';
import { catalogOf, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/**
 * `{ model, runId }` -> the model's training set rebuilt from its workload's
 * feature store; skipped for this run (and its later steps with it) while
 * the workload has no data at all, or a table the model requires has none.
 */
export const buildTrainingSetHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const catalog = catalogOf(ports);
    const model = catalog.modelNamed(stringField(event, 'model', 'build-training-set'));
    const runId = stringField(event, 'runId', 'build-training-set');
    const noData = (await noDataReason(ports.store, workloadWithModel(catalog, model))) ?? (await missingRequirementReason(ports.store, model));
    if (noData !== undefined) return markSkipped(ports.store, runId, model, noData);
    return withEngine(ports, (engine) => workloadMlOf(catalog, model).buildTrainingSet(engine, model, settingsFor(ports.settings.models, model)));
  };
