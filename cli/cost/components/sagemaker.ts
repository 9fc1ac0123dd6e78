/**
 * SageMaker training jobs and MLflow tracking, which exist only with the AWS
 * platform (stacks/aws/constructs/sagemaker-training.ts, mlflow-tracking.ts)
 * and are sized by the environment, not by a synthesized resource.
 */
import { trainingEngineOn } from '../../../config/training-engine.ts';
import { money, price, qty } from '../../format/money.ts';
import { line, type CostLine } from '../cost-line.ts';
import { HOURS_PER_MONTH } from '../schedules.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function sageMakerTrainingLines({ env, usage, book, resources, flowRuns }: ComponentInput): CostLine[] {
  const training = env.sizing.training;
  if (!resources.hasAws || trainingEngineOn(env, 'aws') !== 'sagemaker') return [];
  const hourly = unitPrice(book, `sagemaker.training.${training.instanceType}`);
  const fraction = training.useSpot ? unitPrice(book, 'sagemaker.training.spotFraction') : 1;
  const minutes = Math.min(usage.training.minutesPerRun, training.maxRuntimeMinutes);
  const perMinute = (flowRuns.retrain * training.instanceCount * hourly * fraction) / 60;
  const cost = perMinute * minutes;
  const max = perMinute * training.maxRuntimeMinutes;
  const spot = training.useSpot ? ` x ${qty(fraction)} spot` : '';
  return [
    line(
      'aws',
      'sagemaker.training',
      `SageMaker training, ${training.instanceType}`,
      'usage-based',
      cost,
      `${qty(flowRuns.retrain)} retrain runs (schedules.retrain ${env.schedules.retrain}) x ${training.instanceCount} instance(s) x ${qty(minutes)} min/60 x ${price(hourly)}/h${spot} = ${money(cost)}; max at maxRuntimeMinutes ${training.maxRuntimeMinutes}: ${money(max)}`,
      { min: cost, max },
    ),
  ];
}

export function mlflowLines({ env, book, resources }: ComponentInput): CostLine[] {
  if (!resources.hasAws) return [];
  if (env.sizing.mlflow.mode === 'server') {
    const rate = unitPrice(book, 'sagemaker.mlflow.server.small');
    const cost = HOURS_PER_MONTH * rate;
    return [line('aws', 'mlflow', 'MLflow tracking server', 'always-on', cost, `${HOURS_PER_MONTH} h x ${price(rate)} = ${money(cost)}`)];
  }
  if (env.sizing.mlflow.mode === 'serverless') {
    // Read for its presence: the book must say the app is free, not be silent about it.
    unitPrice(book, 'sagemaker.mlflow.serverless');
    return [line('aws', 'mlflow', 'MLflow, serverless app', 'usage-based', 0, `no charge for the app (free in the price book); artifacts are in S3 = ${money(0)}`)];
  }
  return [];
}
