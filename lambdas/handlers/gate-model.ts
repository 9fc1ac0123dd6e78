import { gateModel } from '../ml/gate-model.ts';
import { catalogOf, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ model, runId }` -> whether the challenger is promoted, and why. */
export const gateModelHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const model = catalogOf(ports).modelNamed(stringField(event, 'model', 'gate-model'));
    const runId = stringField(event, 'runId', 'gate-model');
    return withEngine(ports, (engine) => gateModel({ engine, store: ports.store }, { model, runId, settings: ports.settings.models }));
  };
