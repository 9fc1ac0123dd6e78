import { settingsFor } from '../../config/model-settings.ts';
import { workloadMlOf } from '../ml/workload-ml.ts';
import { catalogOf, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ model }` -> the model's training set rebuilt from its workload's feature store. */
export const buildTrainingSetHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const catalog = catalogOf(ports);
    const model = catalog.modelNamed(stringField(event, 'model', 'build-training-set'));
    return withEngine(ports, (engine) => workloadMlOf(catalog, model).buildTrainingSet(engine, model, settingsFor(ports.settings.models, model)));
  };
