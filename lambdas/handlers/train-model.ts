import { trainModel } from '../ml/train-model.ts';
import { catalogOf, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ model, runId }` -> the candidates trained on the embedded engine, stored for the evaluation. */
export const trainModelHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const model = catalogOf(ports).modelNamed(stringField(event, 'model', 'train-model'));
    const runId = stringField(event, 'runId', 'train-model');
    return withEngine(ports, (engine) => trainModel({ engine, store: ports.store }, { model, runId, settings: ports.settings.models }));
  };
