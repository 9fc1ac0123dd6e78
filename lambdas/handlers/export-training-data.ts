import { exportTrainingData } from '../ml/export-training-data.ts';
import { catalogOf, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ model, runId }` -> the training set as the CSV files a managed (SageMaker) training job reads. */
export const exportTrainingDataHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const model = catalogOf(ports).modelNamed(stringField(event, 'model', 'export-training-data'));
    const runId = stringField(event, 'runId', 'export-training-data');
    return withEngine(ports, (engine) => exportTrainingData({ engine, store: ports.store }, { model, runId }));
  };
