import { exportScoringData } from '../ml/export-scoring-data.ts';
import { catalogOf, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/**
 * `{ model, runId }` -> the latest snapshot as the CSV a SageMaker batch transform scores, and the champion's
 * SageMaker model (`engine: 'sagemaker'`); or, for an embedded champion, the snapshot scored in-process (`engine: 'embedded'`).
 */
export const exportScoringDataHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const model = catalogOf(ports).modelNamed(stringField(event, 'model', 'export-scoring-data'));
    const runId = stringField(event, 'runId', 'export-scoring-data');
    return withEngine(ports, (engine) => exportScoringData({ engine, store: ports.store }, { model, runId, settings: ports.settings.models }));
  };
