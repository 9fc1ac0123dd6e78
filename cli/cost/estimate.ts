/**
 * The monthly estimate: sizing from the environment, usage from a profile,
 * prices from the book, and which components exist (and how many) from the
 * synthesized output. Each line carries its arithmetic as text, built from the
 * same numbers it sums, so a reviewer can redo it by hand.
 *
 * One module per priced component (components/), each over the same view of
 * the synthesized resources (synthesized/resources.ts); this file only puts
 * them in the order the estimate prints.
 */
import type { Environment } from '../../config/schema.ts';
import { synthesizedResources } from '../synthesized/resources.ts';
import type { SynthOutput } from '../synthesized/synth-output.ts';
import { adlsLines } from './components/adls.ts';
import { athenaLines } from './components/athena.ts';
import { azureFunctionsLines } from './components/azure-functions.ts';
import { cloudWatchAlarmLines, cloudWatchLogsLines } from './components/cloudwatch.ts';
import type { ComponentInput, PriceComponent } from './components/component.ts';
import { dataFactoryLines } from './components/data-factory-pipelines.ts';
import { databricksComputeLines } from './components/databricks-compute.ts';
import { databricksSqlLines } from './components/databricks-sql.ts';
import { databricksTrainingLines } from './components/databricks-training.ts';
import { eventGridLines } from './components/event-grid.ts';
import { schedulerLines } from './components/eventbridge-scheduler.ts';
import { glueDataQualityLines } from './components/glue-data-quality.ts';
import { keyVaultLines } from './components/key-vault.ts';
import { kmsLines } from './components/kms.ts';
import { lambdaLines } from './components/lambda.ts';
import { logAnalyticsLines } from './components/log-analytics.ts';
import { metricAlertLines } from './components/monitor-alerts.ts';
import { natGatewayLines } from './components/nat-gateway.ts';
import { privateNetworkLines } from './components/private-network.ts';
import { s3Lines } from './components/s3.ts';
import { mlflowLines, sageMakerTrainingLines } from './components/sagemaker.ts';
import { stepFunctionsLines } from './components/step-functions.ts';
import { sum, type Cloud, type CostLine, type CostTotal } from './cost-line.ts';
import { flowRunsOf } from './flow-runs.ts';
import type { PriceBook } from './price-book.ts';
import type { UsageProfile } from './usage.ts';

export type { Cloud, CostLine, Kind } from './cost-line.ts';

export interface CloudCost {
  readonly cloud: Cloud;
  readonly region: string;
  readonly lines: CostLine[];
  readonly total: CostTotal;
}

export interface CostEstimate {
  readonly environment: string;
  readonly clouds: CloudCost[];
  readonly notes: string[];
  /** One line each, for stderr: e.g. a process-run query over the workgroup's scan cut-off. */
  readonly warnings: string[];
}

export interface EstimateInput {
  readonly environment: Environment;
  readonly usage: UsageProfile;
  readonly book: PriceBook;
  readonly synth: SynthOutput;
  /** The usage profile's name, for warnings. @default 'profile' */
  readonly usageName?: string;
}

/** Each cloud's components, in the order their lines print. */
export const COMPONENTS: Record<Cloud, readonly PriceComponent[]> = {
  aws: [s3Lines, kmsLines, lambdaLines, stepFunctionsLines, schedulerLines, glueDataQualityLines, athenaLines, cloudWatchLogsLines, cloudWatchAlarmLines, sageMakerTrainingLines, mlflowLines],
  azure: [adlsLines, keyVaultLines, logAnalyticsLines, natGatewayLines, privateNetworkLines, databricksComputeLines, databricksTrainingLines, databricksSqlLines, azureFunctionsLines, dataFactoryLines, eventGridLines, metricAlertLines],
};

export function estimateCost({ environment: env, usage, book, synth, usageName = 'profile' }: EstimateInput): CostEstimate {
  const notes: string[] = [];
  const warnings: string[] = [];
  const resources = synthesizedResources(synth);
  const priced = (cloud: Cloud): CostLine[] => {
    // Counted per cloud, as each cloud's lines are read on their own.
    const input: ComponentInput = { env, usage, usageName, book, resources, flowRuns: flowRunsOf(env, usage, notes), notes, warnings };
    return COMPONENTS[cloud].flatMap((component) => component(input));
  };
  const aws = priced('aws');
  const azure = priced('azure');
  return {
    environment: env.name,
    clouds: [
      { cloud: 'aws', region: env.aws.region, lines: aws, total: sum(aws) },
      { cloud: 'azure', region: env.azure.location, lines: azure, total: sum(azure) },
    ],
    notes,
    warnings,
  };
}
