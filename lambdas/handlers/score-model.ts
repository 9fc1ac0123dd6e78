import { scoreModel } from '../ml/score-model.ts';
import { catalogOf, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ model }` -> the latest snapshot scored by the champion into refined. */
export const scoreModelHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const model = catalogOf(ports).modelNamed(stringField(event, 'model', 'score-model'));
    return withEngine(ports, (engine) => scoreModel({ engine, store: ports.store }, { model, settings: ports.settings.models }));
  };
