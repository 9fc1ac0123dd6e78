import { evaluateModel } from '../ml/evaluate-model.ts';
import { catalogOf, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ model, runId }` -> every candidate's metrics and the challenger; charts written beside them. */
export const evaluateModelHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const model = catalogOf(ports).modelNamed(stringField(event, 'model', 'evaluate-model'));
    const runId = stringField(event, 'runId', 'evaluate-model');
    const evaluation = await withEngine(ports, (engine) => evaluateModel({ engine, store: ports.store }, { model, runId, settings: ports.settings.models }));
    // The state keeps the headline; the full evaluation (lift, confusion, importance) is in the lake.
    const challenger = evaluation.candidates.find((candidate) => candidate.algorithm === evaluation.challenger)!;
    return { model: model.name, challenger: evaluation.challenger, metrics: challenger.metrics, charts: evaluation.charts, rowsIn: evaluation.rowsIn };
  };
