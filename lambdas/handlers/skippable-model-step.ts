import { skippedStep, skipReasonOf } from '../ml/models-without-data.ts';
import type { Handler, HandlerPorts } from './handler-ports.ts';

const textField = (event: unknown, field: string) => {
  const value = (event as Record<string, unknown> | null)?.[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/**
 * A model step after the training set's (`{ model, runId }`): when this run's
 * training-set step skipped the model, it returns that skip instead of
 * running (lambdas/ml/models-without-data.ts). An event without both fields
 * goes to the handler, which says what it misses.
 */
export const skippableModelStep =
  (factory: (ports: HandlerPorts) => Handler) =>
  (ports: HandlerPorts): Handler => {
    const handler = factory(ports);
    return async (event) => {
      const model = textField(event, 'model');
      const runId = textField(event, 'runId');
      const reason = model && runId ? await skipReasonOf(ports.store, runId, { name: model }) : undefined;
      return reason === undefined ? handler(event) : skippedStep({ name: model! }, reason);
    };
  };
