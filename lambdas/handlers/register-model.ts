import { registerModel } from '../ml/register-model.ts';
import { catalogOf, stringField, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ model, runId }` -> the registered version, its AUC (or silhouette) and whether it is champion. */
export const registerModelHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const model = catalogOf(ports).modelNamed(stringField(event, 'model', 'register-model'));
    const runId = stringField(event, 'runId', 'register-model');
    return registerModel(
      { store: ports.store, tracker: ports.tracker, clock: ports.clock },
      { model, runId, environment: ports.settings.name, platformVersion: ports.settings.platformVersion },
    );
  };
