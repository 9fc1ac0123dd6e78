import { camelCase, pascalCase, type ModelDefinition } from '../models/index.ts';
import type { FlowDefinition, FlowStep } from './flow.ts';

const RUN_ID = '$$.Execution.Name';

/**
 * Features -> per model: training set -> train -> evaluate -> gate ->
 * register -> score; then one notification. Every model goes through the
 * same steps; handlers read what earlier steps wrote from the lake (under
 * the run's id), so the flow's state carries summaries only.
 */
export const retrainFlow = (models: readonly ModelDefinition[]): FlowDefinition => ({
  name: 'retrain',
  description: 'Builds the feature store and training sets, retrains, evaluates and gates every model, registers it and scores the latest snapshot.',
  schedule: 'retrain',
  steps: [
    { kind: 'task', name: 'BuildFeatures', handler: 'build-features', input: { runId: RUN_ID }, resultPath: '$.features' },
    ...models.flatMap((model): FlowStep[] => {
      const input = { model: model.name, runId: RUN_ID };
      const state = (verb: string) => `${verb}${pascalCase(model.name)}`;
      const result = (what: string) => `$.${camelCase(model.name)}${what}`;
      return [
        { kind: 'task', name: state('BuildTrainingSetOf'), handler: 'build-training-set', input, resultPath: result('TrainingSet') },
        { kind: 'task', name: state('Train'), handler: 'train-model', input, resultPath: result('Training'), managed: { job: 'training', model: model.name } },
        { kind: 'task', name: state('Evaluate'), handler: 'evaluate-model', input, resultPath: result('Evaluation') },
        { kind: 'task', name: state('Gate'), handler: 'gate-model', input, resultPath: result('Gate') },
        { kind: 'task', name: state('Register'), handler: 'register-model', input, resultPath: result('Registration') },
        { kind: 'task', name: state('Score'), handler: 'score-model', input, resultPath: result('Scores'), managed: { job: 'scoring', model: model.name } },
      ];
    }),
    {
      kind: 'notify',
      name: 'NotifyRetrained',
      subject: 'models retrained',
      message: Object.fromEntries(models.map((model) => [camelCase(model.name), `$.${camelCase(model.name)}Registration.summary`])),
    },
  ],
});
