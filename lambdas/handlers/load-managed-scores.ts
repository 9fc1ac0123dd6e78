import { loadManagedScores } from '../ml/load-managed-scores.ts';
import { catalogOf, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ model, runId }` -> the scoring transform's scores, on the exported sellers, into the model's scores table. */
export const loadManagedScoresHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const model = catalogOf(ports).modelNamed(stringField(event, 'model', 'load-managed-scores'));
    const runId = stringField(event, 'runId', 'load-managed-scores');
    return withEngine(ports, (engine) => loadManagedScores({ engine, store: ports.store }, { model, runId, settings: ports.settings.models }));
  };
