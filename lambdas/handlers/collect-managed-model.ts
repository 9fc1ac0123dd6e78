import { collectDatabricksModel, collectManagedModel, type ManagedJob } from '../ml/collect-managed-model.ts';
import { catalogOf, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

const HANDLER = 'collect-managed-model';

/** The job's hyperparameters as DescribeTrainingJob reports them: names to strings. */
function hyperParametersOf(event: unknown): Record<string, string> {
  const value = (event as Record<string, unknown> | null)?.hyperParameters;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((entry) => typeof entry === 'string')) {
    throw new TypeError(`${HANDLER}: event field "hyperParameters" must be an object of strings (the training job's HyperParameters); got ${JSON.stringify(value)}`);
  }
  return value as Record<string, string>;
}

function secondsOf(event: unknown, field: string): number | undefined {
  const value = (event as Record<string, unknown> | null)?.[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`${HANDLER}: event field "${field}" must be a number of seconds; got ${JSON.stringify(value)}`);
  return value;
}

/**
 * `{ model, runId, trainingJobName, modelName, modelDataUrl, hyperParameters, trainingSeconds?, billableSeconds? }`
 * -> the SageMaker model and its batch-transform predictions, stored as the run's xgboost candidate;
 * `{ model, runId, engine: 'databricks' }` -> the same from what the Databricks job left in the lake.
 */
export const collectManagedModelHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const model = catalogOf(ports).modelNamed(stringField(event, 'model', HANDLER));
    const runId = stringField(event, 'runId', HANDLER);
    const engine = (event as Record<string, unknown> | null)?.engine;
    if (engine === 'databricks') return withEngine(ports, (queries) => collectDatabricksModel({ engine: queries, store: ports.store }, { model, runId }));
    if (engine !== undefined && engine !== 'sagemaker') throw new TypeError(`${HANDLER}: event field "engine" must be sagemaker or databricks; got ${JSON.stringify(engine)}`);
    const trainingSeconds = secondsOf(event, 'trainingSeconds');
    const billableSeconds = secondsOf(event, 'billableSeconds');
    const job: ManagedJob = {
      trainingJobName: stringField(event, 'trainingJobName', HANDLER),
      modelName: stringField(event, 'modelName', HANDLER),
      modelDataUrl: stringField(event, 'modelDataUrl', HANDLER),
      hyperParameters: hyperParametersOf(event),
      ...(trainingSeconds === undefined ? {} : { trainingSeconds }),
      ...(billableSeconds === undefined ? {} : { billableSeconds }),
    };
    return withEngine(ports, (engine) => collectManagedModel({ engine, store: ports.store }, { model, runId, job }));
  };
