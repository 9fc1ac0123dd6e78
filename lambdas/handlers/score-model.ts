import { modelNamed } from '../../pipelines/models/index.ts';
import { scoreModel } from '../ml/score-model.ts';
import { stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ model }` -> the latest snapshot scored by the champion into refined. */
export const scoreModelHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const model = modelNamed(stringField(event, 'model', 'score-model'));
    return withEngine(ports, (engine) => scoreModel({ engine, store: ports.store }, { model, settings: ports.settings.models }));
  };
