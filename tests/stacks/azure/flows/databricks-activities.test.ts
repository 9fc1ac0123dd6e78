/**
 * The retrain flow's managed steps on Azure with sizing.training.engine
 * databricks: the renderer alone, from the same flow definition AWS renders.
 */
import { describe, expect, it } from 'vitest';
import type { HandlerClass } from '../../../../config/schema.ts';
import { pascalCase } from '../../../../pipelines/models/index.ts';
import {
  DATABRICKS_JOB_ACTIVITY,
  renderDataFactoryActivities,
  type DataFactoryActivity,
  type DataFactoryTargets,
} from '../../../../stacks/azure/flows/data-factory-activities.ts';
import { CATALOG, RETRAIN_FLOW } from '../../../support/catalog.ts';
import { evaluateExpression } from './adf-expression.ts';

const TIMEOUTS: Record<HandlerClass, string> = { ingest: '0.00:05:00', transform: '0.00:15:00', quality: '0.00:10:00', ml: '0.01:00:00' };
const BASE: DataFactoryTargets = {
  functionUrl: (handlerClass) => `https://${handlerClass}.example`,
  functionKeySecretUrl: (handlerClass) => `https://vault.example/secrets/function-key-${handlerClass}?api-version=7.4`,
  activityTimeout: (handlerClass) => TIMEOUTS[handlerClass],
  notificationEndpoint: 'https://topic.example',
  environmentName: 'prod',
};
const managed = CATALOG.models.filter((model) => model.managedAlgorithm === 'xgboost').map((model) => model.name);
const TARGETS: DataFactoryTargets = {
  ...BASE,
  databricksJobs: {
    linkedServiceName: 'databricks-jobs',
    jobId: (model) => (managed.includes(model) ? `\${data.terraform_remote_state.workspace.outputs.training_job_id_${model.replaceAll('-', '_')}}` : undefined),
    timeout: '0.01:20:00',
  },
};
const RUN_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

const rendered = renderDataFactoryActivities(RETRAIN_FLOW, TARGETS);
const named = (name: string, activities: readonly DataFactoryActivity[] = rendered): DataFactoryActivity => {
  const found = activities.find((activity) => activity.name === name);
  if (!found) throw new Error(`no activity ${name} among ${activities.map((activity) => activity.name).join(', ')}`);
  return found;
};
const props = (activity: DataFactoryActivity) => activity.typeProperties as Record<string, any>;
const dependsOn = (activity: DataFactoryActivity) => (activity.dependsOn as { activity: string }[]).map((dependency) => dependency.activity);
const handlerOf = (activity: DataFactoryActivity) => String(props(activity).url).split('/api/')[1];
const bodyOf = (activity: DataFactoryActivity) => evaluateExpression(props(activity).body.value as string, { runId: RUN_ID });

describe('managed steps as Databricks jobs (sizing.training.engine databricks)', () => {
  const model = 'seller-churn';
  const Model = pascalCase(model);
  /** The job run, inside the If that skips it for a model without data. */
  const trainingJob = () => (props(named(`TrainingDataOf${Model}`)).ifTrueActivities as DataFactoryActivity[])[0]!;

  it('renders a managed model\'s Train step as export -> Databricks job -> collect, in that order, the collect under the step\'s name', () => {
    const exportData = named(`ExportTrainingData${Model}`);
    const hasData = named(`TrainingDataOf${Model}`);
    const job = trainingJob();
    const collect = named(`Train${Model}`);
    expect(handlerOf(exportData)).toBe('export-training-data');
    expect(dependsOn(exportData)).toEqual([`BuildTrainingSetOf${Model}`]);
    expect(job.type).toBe(DATABRICKS_JOB_ACTIVITY);
    expect(hasData.type).toBe('IfCondition');
    expect(dependsOn(hasData)).toEqual([exportData.name]);
    expect(handlerOf(collect)).toBe('collect-managed-model');
    expect(dependsOn(collect)).toEqual([hasData.name]);
    // A model its training-set step skipped (no data yet) starts no job; the collect step returns the skip.
    const condition = props(hasData).expression.value as string;
    const decide = (output: Record<string, unknown>) => evaluateExpression(condition, { runId: RUN_ID, outputs: { [String(exportData.name)]: output } });
    expect([decide({ model, files: {} }), decide({ model, skipped: 'no data yet' })]).toEqual([true, false]);
    expect(bodyOf(exportData)).toEqual({ model, runId: RUN_ID });
    expect(bodyOf(collect)).toEqual({ model, runId: RUN_ID, engine: 'databricks' });
    expect(dependsOn(named(`Evaluate${Model}`))).toEqual([collect.name]);
  });

  it('runs the model\'s job through the linked service with the pipeline run as the job\'s run id, not retried', () => {
    const job = trainingJob();
    expect(job.linkedServiceName).toEqual({ referenceName: 'databricks-jobs', type: 'LinkedServiceReference' });
    expect(props(job)).toEqual({
      jobId: '${data.terraform_remote_state.workspace.outputs.training_job_id_seller_churn}',
      jobParameters: { run_id: { value: '@pipeline().RunId', type: 'Expression' }, mode: 'train', model_key: '' },
    });
    expect(job.policy).toMatchObject({ timeout: '0.01:20:00', retry: 0 });
  });

  it('renders the Score step as the export, then the job and the load only when the champion is not embedded', () => {
    const exportData = named(`Score${Model}`);
    expect(handlerOf(exportData)).toBe('export-scoring-data');
    const choose = named(`ScoreWithJob${Model}`);
    expect(choose.type).toBe('IfCondition');
    expect(dependsOn(choose)).toEqual([exportData.name]);
    const condition = props(choose).expression.value as string;
    const decide = (output: Record<string, unknown>) => evaluateExpression(condition, { runId: RUN_ID, outputs: { [String(exportData.name)]: output } });
    expect([decide({ engine: 'embedded' }), decide({ engine: 'databricks' })]).toEqual([false, true]);
    // A model its training-set step skipped (no data yet) scores nothing: its export has no engine.
    expect(decide({ skipped: 'no data yet' })).toBe(false);
    const [job, load] = props(choose).ifTrueActivities as DataFactoryActivity[];
    expect(job!.type).toBe(DATABRICKS_JOB_ACTIVITY);
    expect(props(job!).jobParameters).toEqual({
      run_id: { value: '@pipeline().RunId', type: 'Expression' },
      mode: 'score',
      model_key: { value: `@activity('${exportData.name}').output.modelKey`, type: 'Expression' },
    });
    expect(handlerOf(load!)).toBe('load-managed-scores');
    expect(dependsOn(load!)).toEqual([job!.name]);
    // The flow goes on after the If, whichever branch it took.
    const next = rendered[rendered.indexOf(choose) + 1]!;
    expect(dependsOn(next)).toEqual([choose.name]);
  });

  it('leaves a model without a managed algorithm, and every model without the targets, on its handler', () => {
    const embeddedOnly = CATALOG.models.filter((candidate) => !managed.includes(candidate.name));
    for (const other of embeddedOnly) expect(handlerOf(named(`Train${pascalCase(other.name)}`))).toBe('train-model');
    const plain = renderDataFactoryActivities(RETRAIN_FLOW, BASE);
    expect(plain.some((activity) => activity.type === DATABRICKS_JOB_ACTIVITY)).toBe(false);
    expect(handlerOf(named(`Train${Model}`, plain))).toBe('train-model');
    expect(handlerOf(named(`Score${Model}`, plain))).toBe('score-model');
  });
});
