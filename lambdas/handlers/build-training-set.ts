import { buildTrainingSet } from '../ml/build-training-set.ts';
import { catalogOf, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ model }` -> the model's training set (churn ABT, segmentation base) rebuilt from the feature store. */
export const buildTrainingSetHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const model = catalogOf(ports).modelNamed(stringField(event, 'model', 'build-training-set'));
    return withEngine(ports, (engine) => buildTrainingSet(engine, model.name, ports.settings.models));
  };
