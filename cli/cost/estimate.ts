/**
 * The monthly estimate: sizing from the environment, usage from a profile,
 * prices from the book, and which components exist (and how many) from the
 * synthesized output. Each line carries its arithmetic as text, built from the
 * same numbers it sums, so a reviewer can redo it by hand.
 *
 * Components are found by resource type in the synthesized templates, never by
 * today's resource names, so a stack that gains a state machine or an alarm is
 * priced without touching this file.
 */
import { lambdaSizingFor, HANDLER_CLASSES, LAYERS, type Environment, type HandlerClass, type Layer } from '../../config/schema.ts';
import { APP_SETTINGS } from '../../lambdas/entrypoints/azure/app-settings.ts';
import { FLOW_NAMES, HANDLERS, type HandlerName } from '../../pipelines/flows/flow.ts';
import type { CfnResource, SynthOutput, TfResource } from '../synthesized/synth-output.ts';
import { countPipelineRun, type ExternalActivity } from './data-factory.ts';
import { money, price, qty } from './format.ts';
import type { PriceBook } from './price-book.ts';
import { HOURS_PER_MONTH, runsPerMonth, ScheduleError, triggerRunsPerMonth } from './schedules.ts';
import { BYTES_PER_GB, dataPathInput, explainRunBytes, fullRefreshBytes, incrementalRunBytes, type ProcessRunBytes } from './process-run-bytes.ts';
import type { UsageProfile } from './usage.ts';

export type Cloud = 'aws' | 'azure';
export type Kind = 'always-on' | 'usage-based';

export interface CostLine {
  /** Stable key, for matching lines between two estimates. */
  readonly id: string;
  readonly cloud: Cloud;
  readonly component: string;
  readonly kind: Kind;
  readonly min: number;
  readonly expected: number;
  readonly max: number;
  /** The arithmetic of the expected figure (and of min/max where they differ). */
  readonly formula: string;
}

export interface CloudCost {
  readonly cloud: Cloud;
  readonly region: string;
  readonly lines: CostLine[];
  readonly total: { min: number; expected: number; max: number };
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

const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
const MB_PER_TB = 1024 * 1024;
const BYTES_PER_MB = 1024 * 1024;

interface AwsResource {
  readonly stack: string;
  readonly id: string;
  readonly path: string;
  readonly resource: CfnResource;
}

export function estimateCost(input: EstimateInput): CostEstimate {
  const notes: string[] = [];
  const warnings: string[] = [];
  const aws = awsLines(input, notes, warnings);
  const azure = azureLines(input, notes);
  return {
    environment: input.environment.name,
    clouds: [
      { cloud: 'aws', region: input.environment.aws.region, lines: aws, total: sum(aws) },
      { cloud: 'azure', region: input.environment.azure.location, lines: azure, total: sum(azure) },
    ],
    notes,
    warnings,
  };
}

function sum(lines: CostLine[]) {
  return lines.reduce((total, line) => ({ min: total.min + line.min, expected: total.expected + line.expected, max: total.max + line.max }), { min: 0, expected: 0, max: 0 });
}

function line(cloud: Cloud, id: string, component: string, kind: Kind, expected: number, formula: string, range?: { min: number; max: number }): CostLine {
  return { id: `${cloud}.${id}`, cloud, component, kind, min: range?.min ?? expected, expected, max: range?.max ?? expected, formula };
}

function runs(expression: string, notes: string[], what: string): number {
  try {
    return runsPerMonth(expression);
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    notes.push(`${what}: ${error.message}; counted as 0 runs`);
    return 0;
  }
}

// ---------------------------------------------------------------- AWS

function awsLines({ environment: env, usage, book, synth, usageName = 'profile' }: EstimateInput, notes: string[], warnings: string[]): CostLine[] {
  const resources: AwsResource[] = synth.aws.flatMap((stack) =>
    Object.entries(stack.template.Resources ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, resource]) => ({ stack: stack.name, id, path: stack.paths.get(id) ?? id, resource })),
  );
  const ofType = (type: string) => resources.filter((r) => r.resource.Type === type);
  const lines: CostLine[] = [];
  const p = (id: string) => book.price(`${id}`).price;
  const flowRuns = flowRunsOf(env, usage, notes);

  if (ofType('AWS::S3::Bucket').length > 0) {
    for (const layer of LAYERS) {
      const { hot, cool, text } = tiering(env, usage, layer);
      const cost = hot * p('s3.standard.storage') + cool * p('s3.standardIa.storage');
      lines.push(
        line('aws', `s3.storage.${layer}`, `S3 storage, ${layer}`, 'always-on', cost, `${text}: ${qty(hot)} GB x ${price(p('s3.standard.storage'))} + ${qty(cool)} GB IA x ${price(p('s3.standardIa.storage'))} = ${money(cost)}`),
      );
    }
    const writes = usage.storage.writeRequestsPerMonth;
    const reads = usage.storage.readRequestsPerMonth;
    const cost = (writes / 1000) * p('s3.requests.put') + (reads / 1000) * p('s3.requests.get');
    lines.push(line('aws', 's3.requests', 'S3 requests', 'usage-based', cost, `${qty(writes)} PUT/1,000 x ${price(p('s3.requests.put'))} + ${qty(reads)} GET/1,000 x ${price(p('s3.requests.get'))} = ${money(cost)}`));
  }

  const keys = ofType('AWS::KMS::Key').length;
  if (keys > 0) {
    const cost = keys * p('kms.key');
    lines.push(line('aws', 'kms.keys', 'KMS keys', 'always-on', cost, `${keys} key(s) x ${price(p('kms.key'))}/key-month = ${money(cost)}`));
    const requests = usage.kms.requestsPerMonth;
    const requestCost = (requests / 10_000) * p('kms.requests');
    lines.push(line('aws', 'kms.requests', 'KMS requests', 'usage-based', requestCost, `${qty(requests)} requests/10,000 x ${price(p('kms.requests'))} = ${money(requestCost)}`));
  }

  const functions = ofType('AWS::Lambda::Function');
  if (functions.length > 0) {
    for (const handlerClass of HANDLER_CLASSES) {
      const sizing = lambdaSizingFor(env, handlerClass);
      const flow = FLOW_OF[handlerClass];
      const profile = usage.functions[handlerClass];
      const calls = callsOf(handlerClass, flowRuns, profile.invocationsPerRun, env, usage);
      const invocations = calls.count;
      const gb = sizing.memoryMb / 1024;
      const seconds = Math.min(profile.secondsPerInvocation, sizing.timeoutSeconds);
      const rate = p(`lambda.duration.${sizing.architecture}`);
      const cost = invocations * seconds * gb * rate + (invocations / 1_000_000) * p('lambda.requests');
      lines.push(
        line(
          'aws',
          `lambda.${handlerClass}`,
          `Lambda, ${handlerClass} handlers`,
          'usage-based',
          cost,
          `${calls.text} = ${qty(invocations)} invocations; ` +
            `${qty(invocations)} x ${qty(seconds)} s x ${qty(gb)} GB x ${price(rate)} (${sizing.architecture}) + ${qty(invocations)}/1M x ${price(p('lambda.requests'))} = ${money(cost)}`,
        ),
      );
    }
  }

  for (const machine of ofType('AWS::StepFunctions::StateMachine')) {
    const flow = (['ingest', 'process', 'retrain'] as const).find((name) => `${machine.id} ${machine.path}`.toLowerCase().includes(name));
    const executions = flowRuns[flow ?? 'process'];
    const schedule = flow ? flowRunsText(flow, env, usage) : 'schedules.process, no flow name in its path';
    const states = countStates(machine.resource.Properties);
    const express = machine.resource.Properties?.StateMachineType === 'EXPRESS';
    const label = `Step Functions, ${machine.path}`;
    if (express) {
      const seconds = usage.stepFunctions.expressSecondsPerExecution;
      const cost = (executions / 1_000_000) * p('stepfunctions.express.requests') + executions * seconds * 0.0625 * p('stepfunctions.express.duration');
      lines.push(
        line('aws', `sfn.${machine.stack}.${machine.id}`, label, 'usage-based', cost, `${qty(executions)} executions (${schedule}) /1M x ${price(p('stepfunctions.express.requests'))} + ${qty(executions)} x ${qty(seconds)} s x 0.0625 GB x ${price(p('stepfunctions.express.duration'))} = ${money(cost)}`),
      );
    } else {
      const transitions = executions * states;
      const cost = (transitions / 1000) * p('stepfunctions.standard.transitions');
      lines.push(
        line('aws', `sfn.${machine.stack}.${machine.id}`, label, 'usage-based', cost, `${qty(executions)} executions (${schedule}) x ${states} states = ${qty(transitions)} transitions/1,000 x ${price(p('stepfunctions.standard.transitions'))} = ${money(cost)}`),
      );
    }
  }

  const schedules = ofType('AWS::Scheduler::Schedule');
  if (schedules.length > 0) {
    const counts = schedules.map((schedule) => {
      const expression = schedule.resource.Properties?.ScheduleExpression;
      return typeof expression === 'string' ? runs(expression, notes, `schedule ${schedule.path}`) : 0;
    });
    const invocations = counts.reduce((a, b) => a + b, 0);
    const cost = (invocations / 1_000_000) * p('scheduler.invocations');
    lines.push(
      line('aws', 'scheduler', `EventBridge Scheduler, ${schedules.length} schedule(s)`, 'usage-based', cost, `${counts.map(qty).join(' + ')} = ${qty(invocations)} invocations/1M x ${price(p('scheduler.invocations'))} = ${money(cost)}`),
    );
  }

  const rulesets = ofType('AWS::Glue::DataQualityRuleset');
  if (rulesets.length > 0) {
    // The rulesets are declared for the Glue console; the process flow checks
    // quality itself on Athena (priced there), so Glue bills no evaluation run.
    lines.push(
      line('aws', 'glue.dataQuality', `Glue Data Quality, ${rulesets.length} ruleset(s)`, 'usage-based', 0, `${rulesets.length} rulesets declared, evaluated by no schedule (the quality step runs on Athena): 0 evaluation runs x ${price(p('glue.dataQuality.dpuHour'))}/DPU-hour = ${money(0)}`),
    );
  }

  const dataPath = dataPathInput(usage);
  const incremental = incrementalRunBytes(dataPath);
  const refresh = fullRefreshBytes(dataPath);
  for (const workgroup of ofType('AWS::Athena::WorkGroup')) {
    const name = String(workgroup.resource.Properties?.Name ?? workgroup.path);
    const bi = /(^|[^a-z])bi([^a-z]|$)/i.test(`${name} ${workgroup.path}`) || /Bi[A-Z]/.test(workgroup.path);
    const cutoffBytes = (workgroup.resource.Properties?.WorkGroupConfiguration as { BytesScannedCutoffPerQuery?: unknown } | undefined)?.BytesScannedCutoffPerQuery;
    const cutoffMb = typeof cutoffBytes === 'number' ? cutoffBytes / 1024 / 1024 : bi ? env.analytics.biBytesScannedCutoffMb : env.analytics.bytesScannedCutoffMb;
    const rate = p('athena.scanned');
    const id = `athena.${workgroup.stack}.${workgroup.id}`;
    const label = `Athena, workgroup ${workgroup.path}`;
    if (bi) {
      const queries = usage.athena.biQueriesPerMonth;
      const mb = Math.max(10, usage.athena.biMbScannedPerQuery);
      const cost = ((queries * mb) / MB_PER_TB) * rate;
      const min = ((queries * 10) / MB_PER_TB) * rate;
      const max = ((queries * Math.max(10, cutoffMb)) / MB_PER_TB) * rate;
      lines.push(
        line('aws', id, label, 'usage-based', cost, `${qty(queries)} BI queries x ${qty(mb)} MB/1,048,576 x ${price(rate)}/TB = ${money(cost)}; min 10 MB/query ${money(min)}, max at the ${qty(cutoffMb)} MB cut-off ${money(max)}`, {
          min,
          max,
        }),
      );
      continue;
    }
    // The platform workgroup runs the process flow: bytes from the data path (process-run-bytes.ts), each statement billed at least 10 MB.
    const queries = usage.athena.platformQueriesPerProcessRun;
    const minimumMb = queries * 10;
    const billedMb = (bytes: ProcessRunBytes) => (bytes.scanned + bytes.written) / BYTES_PER_MB + minimumMb;
    const runMb = billedMb(incremental);
    const cost = ((flowRuns.process * runMb) / MB_PER_TB) * rate;
    const floor = ((flowRuns.process * Math.max(incremental.scanned / BYTES_PER_MB, minimumMb)) / MB_PER_TB) * rate;
    lines.push(
      line(
        'aws',
        id,
        `${label}, incremental process runs`,
        'usage-based',
        cost,
        `per run: ${explainRunBytes(dataPath, incremental, qty)}; billed ${qty(incremental.scanned / BYTES_PER_GB)} GB scanned + ${qty(incremental.written / BYTES_PER_GB)} GB written re-read by UNLOAD (a write is a CTAS, then an UNLOAD of it) + ${qty(queries)} statements x 10 MB minimum = ${qty(runMb / 1024)} GB; ` +
          `${qty(flowRuns.process)} process runs (schedules.process ${env.schedules.process}) x ${qty(runMb / 1024)} GB/1,024 x ${price(rate)}/TB = ${money(cost)}; min (no UNLOAD re-read, the minimum inside the scan) ${money(floor)}`,
        { min: floor, max: cost },
      ),
    );
    const refreshMb = billedMb(refresh);
    const refreshes = usage.dataPath.fullRefreshesPerMonth;
    const refreshCost = ((refreshes * refreshMb) / MB_PER_TB) * rate;
    lines.push(
      line(
        'aws',
        `${id}.fullRefresh`,
        `${label}, full refresh`,
        'usage-based',
        refreshCost,
        `per full refresh: ${explainRunBytes(dataPath, refresh, qty)}; billed + ${qty(refresh.written / BYTES_PER_GB)} GB UNLOAD re-read + ${qty(queries)} x 10 MB = ${qty(refreshMb / 1024)} GB; ` +
          `${qty(refreshes)} full refreshes/month (usage dataPath.fullRefreshesPerMonth) x ${qty(refreshMb / 1024)} GB/1,024 x ${price(rate)}/TB = ${money(refreshCost)}`,
      ),
    );
    const over = (
      [
        ['an incremental run', incremental],
        ['a full refresh', refresh],
      ] as const
    ).filter(([, bytes]) => bytes.largestQuery / BYTES_PER_MB > cutoffMb);
    if (over.length > 0) {
      warnings.push(
        `warning: usage ${usageName}: the largest query of ${over.map(([what, bytes], index) => `${what}${index === 0 ? ' scans' : ''} about ${qty(bytes.largestQuery / BYTES_PER_GB)} GB`).join(' and of ')} ` +
          `(dataPath.largestQueryShare ${qty(usage.dataPath.largestQueryShare)} x the run's scan), over ${workgroup.path}'s bytesScannedCutoffMb ${qty(cutoffMb)}: Athena would cancel it`,
      );
    }
  }

  // Lambda functions without a declared log group write to an implicit one.
  const groups = ofType('AWS::Logs::LogGroup').length + functions.filter((fn) => !(fn.resource.Properties?.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup).length;
  if (groups > 0) {
    const gb = groups * usage.logs.ingestedGbPerLogGroupPerMonth;
    const ingest = gb * p('logs.ingestion');
    lines.push(line('aws', 'logs.ingestion', 'CloudWatch Logs ingestion', 'usage-based', ingest, `${groups} log groups x ${qty(usage.logs.ingestedGbPerLogGroupPerMonth)} GB = ${qty(gb)} GB x ${price(p('logs.ingestion'))} = ${money(ingest)}`));
    const kept = (gb * env.retention.logRetentionDays) / DAYS_PER_MONTH;
    const storage = kept * p('logs.storage');
    lines.push(
      line('aws', 'logs.storage', 'CloudWatch Logs storage', 'always-on', storage, `${qty(gb)} GB/month x ${env.retention.logRetentionDays} days retention/${qty(DAYS_PER_MONTH)} = ${qty(kept)} GB x ${price(p('logs.storage'))} = ${money(storage)}`),
    );
  }

  const alarms = ofType('AWS::CloudWatch::Alarm').length;
  if (alarms > 0) {
    const cost = alarms * p('cloudwatch.alarm');
    lines.push(line('aws', 'cloudwatch.alarms', 'CloudWatch alarms', 'always-on', cost, `${alarms} alarms x ${price(p('cloudwatch.alarm'))} = ${money(cost)}`));
  }

  // SageMaker training and MLflow exist only with the AWS platform (stacks/aws/constructs/sagemaker-training.ts, mlflow-tracking.ts).
  if (synth.aws.length === 0) return lines;
  const training = env.sizing.training;
  if (training.engine === 'sagemaker') {
    const hourly = p(`sagemaker.training.${training.instanceType}`);
    const fraction = training.useSpot ? p('sagemaker.training.spotFraction') : 1;
    const minutes = Math.min(usage.training.minutesPerRun, training.maxRuntimeMinutes);
    const perMinute = (flowRuns.retrain * training.instanceCount * hourly * fraction) / 60;
    const cost = perMinute * minutes;
    const max = perMinute * training.maxRuntimeMinutes;
    const spot = training.useSpot ? ` x ${qty(fraction)} spot` : '';
    lines.push(
      line(
        'aws',
        'sagemaker.training',
        `SageMaker training, ${training.instanceType}`,
        'usage-based',
        cost,
        `${qty(flowRuns.retrain)} retrain runs (schedules.retrain ${env.schedules.retrain}) x ${training.instanceCount} instance(s) x ${qty(minutes)} min/60 x ${price(hourly)}/h${spot} = ${money(cost)}; max at maxRuntimeMinutes ${training.maxRuntimeMinutes}: ${money(max)}`,
        { min: cost, max },
      ),
    );
  }
  if (env.sizing.mlflow.mode === 'server') {
    const cost = HOURS_PER_MONTH * p('sagemaker.mlflow.server.small');
    lines.push(line('aws', 'mlflow', 'MLflow tracking server', 'always-on', cost, `${HOURS_PER_MONTH} h x ${price(p('sagemaker.mlflow.server.small'))} = ${money(cost)}`));
  } else if (env.sizing.mlflow.mode === 'serverless') {
    book.price('sagemaker.mlflow.serverless');
    lines.push(line('aws', 'mlflow', 'MLflow, serverless app', 'usage-based', 0, `no charge for the app (free in the price book); artifacts are in S3 = ${money(0)}`));
  }
  return lines;
}

/** Hot and infrequent-access GB of a layer, from how much is written per day and the lifecycle knobs. */
function tiering(env: Environment, usage: UsageProfile, layer: Layer) {
  const lifecycle = env.storage.lifecycle[layer] ?? {};
  const perDay = usage.storage.writtenGbPerMonth[layer] / DAYS_PER_MONTH;
  let stored = usage.storage.storedGb[layer];
  let text = `${qty(stored)} GB in ${layer}`;
  if (lifecycle.expireAfterDays !== undefined && perDay * lifecycle.expireAfterDays < stored) {
    stored = perDay * lifecycle.expireAfterDays;
    text = `${layer} expires after ${lifecycle.expireAfterDays} days: ${qty(usage.storage.writtenGbPerMonth[layer])} GB/month x ${lifecycle.expireAfterDays}/${qty(DAYS_PER_MONTH)} = ${qty(stored)} GB`;
  }
  if (lifecycle.coolAfterDays === undefined) return { hot: stored, cool: 0, text: `${text}, no cooling` };
  const hot = Math.min(stored, perDay * lifecycle.coolAfterDays);
  return { hot, cool: stored - hot, text: `${text}, cooled after ${lifecycle.coolAfterDays} days` };
}

/** States in a definition, nested Parallel branches and Map iterators included (one transition each per execution). */
export function countStates(properties: Record<string, unknown> | undefined): number {
  const definition = stateMachineDefinition(properties);
  if (!definition) return 1;
  const count = (node: unknown): number => {
    const states = (node as { States?: Record<string, Record<string, unknown>> })?.States ?? {};
    return Object.values(states).reduce((total, state) => {
      const nested = [...((state.Branches as unknown[]) ?? []), state.Iterator, state.ItemProcessor].filter(Boolean);
      return total + 1 + nested.reduce((inner: number, branch) => inner + count(branch), 0);
    }, 0);
  };
  return Math.max(1, count(definition));
}

/** The ASL of an `AWS::StepFunctions::StateMachine`, with intrinsic values rendered as `${...}` placeholders. */
export function stateMachineDefinition(properties: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!properties) return undefined;
  if (properties.Definition && typeof properties.Definition === 'object') return properties.Definition as Record<string, unknown>;
  const text = renderIntrinsic(properties.DefinitionString);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Renders `Fn::Join` / `Fn::Sub` strings with placeholders for references, so JSON built by CDK can be parsed. */
export function renderIntrinsic(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if (Array.isArray(record['Fn::Join'])) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => renderIntrinsic(part) ?? placeholder(part)).join(separator);
  }
  if (record['Fn::Sub'] !== undefined) {
    const sub = record['Fn::Sub'];
    return typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
  }
  return placeholder(value);
}

function placeholder(value: unknown): string {
  const record = value as Record<string, unknown>;
  if (typeof record?.Ref === 'string') return `\${${record.Ref}}`;
  if (Array.isArray(record?.['Fn::GetAtt'])) return `\${${(record['Fn::GetAtt'] as string[]).join('.')}}`;
  return '${...}';
}

// ---------------------------------------------------------------- Azure

function azureLines({ environment: env, usage, book, synth }: EstimateInput, notes: string[]): CostLine[] {
  const resources: TfResource[] = synth.azure.flatMap((stack) => [...stack.resources.values()]);
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const p = (id: string) => book.price(id).price;
  const lines: CostLine[] = [];
  const flowRuns = flowRunsOf(env, usage, notes);

  if (ofType('azurerm_storage_account').length > 0) {
    for (const layer of LAYERS) {
      const { hot, cool, text } = tiering(env, usage, layer);
      const cost = hot * p('adls.hot.storage') + cool * p('adls.cool.storage');
      lines.push(line('azure', `adls.storage.${layer}`, `ADLS storage, ${layer}`, 'always-on', cost, `${text}: ${qty(hot)} GB Hot x ${price(p('adls.hot.storage'))} + ${qty(cool)} GB Cool x ${price(p('adls.cool.storage'))} = ${money(cost)}`));
    }
    const writes = usage.storage.writeRequestsPerMonth;
    const reads = usage.storage.readRequestsPerMonth;
    const cost = (writes / 10_000) * p('adls.requests.write') + (reads / 10_000) * p('adls.requests.read');
    lines.push(line('azure', 'adls.requests', 'ADLS operations', 'usage-based', cost, `${qty(writes)} writes/10,000 x ${price(p('adls.requests.write'))} + ${qty(reads)} reads/10,000 x ${price(p('adls.requests.read'))} = ${money(cost)}`));
  }

  const keys = ofType('azurerm_key_vault_key');
  if (keys.length > 0) {
    const operations = usage.kms.requestsPerMonth;
    const cost = (operations / 10_000) * p('keyvault.operations.rsa3072');
    lines.push(line('azure', 'keyvault.operations', 'Key Vault key operations', 'usage-based', cost, `${qty(operations)} operations/10,000 x ${price(p('keyvault.operations.rsa3072'))} = ${money(cost)}`));
    const rotations = keys.reduce((total, key) => total + rotationsPerMonth(key.body), 0);
    if (rotations > 0) {
      const rotationCost = rotations * p('keyvault.rotation');
      lines.push(line('azure', 'keyvault.rotation', 'Key Vault key rotation', 'always-on', rotationCost, `${qty(rotations)} rotations/month (rotation_policy) x ${price(p('keyvault.rotation'))} = ${money(rotationCost)}`));
    }
  }

  const workspaces = ofType('azurerm_log_analytics_workspace');
  if (workspaces.length > 0) {
    const gb = usage.logs.azureIngestedGbPerMonth;
    const cost = gb * p('loganalytics.ingestion');
    lines.push(line('azure', 'loganalytics.ingestion', 'Log Analytics ingestion', 'usage-based', cost, `${qty(gb)} GB x ${price(p('loganalytics.ingestion'))} (31 days retention included) = ${money(cost)}`));
    const retention = Number(workspaces[0]!.body.retention_in_days ?? 30);
    if (retention > 31) {
      const kept = (gb * (retention - 31)) / DAYS_PER_MONTH;
      const retentionCost = kept * p('loganalytics.retention');
      lines.push(line('azure', 'loganalytics.retention', 'Log Analytics retention', 'always-on', retentionCost, `${qty(gb)} GB/month x (${retention} - 31) days/${qty(DAYS_PER_MONTH)} = ${qty(kept)} GB x ${price(p('loganalytics.retention'))} = ${money(retentionCost)}`));
    }
  }

  const databricksWorkspaces = ofType('azurerm_databricks_workspace');
  const natted = databricksWorkspaces.filter((workspace) => (workspace.body.custom_parameters as { no_public_ip?: unknown } | undefined)?.no_public_ip === true).length;
  if (natted > 0) {
    const cost = natted * HOURS_PER_MONTH * p('natgateway.hour');
    lines.push(line('azure', 'natgateway', 'NAT gateway (Databricks without public IPs)', 'always-on', cost, `${natted} x ${HOURS_PER_MONTH} h x ${price(p('natgateway.hour'))} = ${money(cost)} (data processed not included)`));
  }

  if (databricksWorkspaces.length > 0 || ofType('databricks_cluster_policy').length > 0) {
    // Job clusters no longer run the pipelines (their SQL runs on the pipelines warehouse); the cluster
    // policy now bounds the interactive / ad-hoc clusters, so its autoscale range is theirs.
    const db = env.sizing.databricks;
    const vm = p(`vm.${db.nodeType}`);
    const dbu = p(`databricks.dbuPerHour.${db.nodeType}`);
    const spot = db.spotPolicy === 'on-demand' ? 1 : p('vm.spotFraction');
    const spotText = db.spotPolicy === 'on-demand' ? `${price(vm)}` : `${price(vm)} x ${qty(spot)} spot`;
    const node = (rate: number, workers: number) => vm + dbu * rate + workers * (vm * spot + dbu * rate);
    const allPurposeRate = p('databricks.allPurpose.dbu');
    const sessionHours = usage.databricks.interactiveSessionsPerMonth * (usage.databricks.interactiveHoursPerSession + db.autoTerminationMinutes / 60);
    const { minWorkers, maxWorkers } = db.autoscale;
    const workers = minWorkers + usage.databricks.autoscaleUtilisation * (maxWorkers - minWorkers);
    const interactive = (count: number) => sessionHours * node(allPurposeRate, count);
    lines.push(
      line(
        'azure',
        'databricks.allPurpose',
        `Databricks all-purpose (interactive) compute, ${db.nodeType}`,
        'usage-based',
        interactive(workers),
        `${qty(usage.databricks.interactiveSessionsPerMonth)} sessions x (${qty(usage.databricks.interactiveHoursPerSession)} h + ${db.autoTerminationMinutes} min idle) = ${qty(sessionHours)} h x (driver (${price(vm)} + ${qty(dbu)} DBU x ${price(allPurposeRate)}) + ${qty(workers)} workers x (${spotText} + ${qty(dbu)} DBU x ${price(allPurposeRate)})) = ${money(interactive(workers))}; ` +
          `autoscale ${minWorkers}..${maxWorkers} workers (cluster policy): min ${money(interactive(minWorkers))}, max ${money(interactive(maxWorkers))}`,
        { min: interactive(minWorkers), max: interactive(maxWorkers) },
      ),
    );
  }

  // SQL warehouses, told apart by their `strata:purpose` tag (an untagged one is the BI warehouse, as before the pipelines had theirs).
  const endpoints = ofType('databricks_sql_endpoint');
  const purposeOf = (endpoint: TfResource) => (tagOf(endpoint.body, 'strata:purpose') === 'pipelines' ? 'pipelines' : 'bi');
  const warehouseSizing = (endpoint: TfResource, configured: Environment['sizing']['databricks']['sqlWarehouse']) => {
    const body = endpoint.body;
    return {
      size: typeof body.cluster_size === 'string' ? body.cluster_size : configured.size,
      minClusters: typeof body.min_num_clusters === 'number' ? body.min_num_clusters : configured.minClusters,
      maxClusters: typeof body.max_num_clusters === 'number' ? body.max_num_clusters : configured.maxClusters,
      autoStopMinutes: typeof body.auto_stop_mins === 'number' ? body.auto_stop_mins : configured.autoStopMinutes,
      serverless: typeof body.enable_serverless_compute === 'boolean' ? body.enable_serverless_compute : configured.serverless,
    };
  };
  const warehouseRate = (serverless: boolean) => p(serverless ? 'databricks.sql.serverless.dbu' : 'databricks.sql.pro.dbu');
  const warehouseLabel = (what: string, w: { size: string; serverless: boolean }) => `Databricks SQL warehouse (${what}), ${w.size}${w.serverless ? ' serverless' : ' pro (VMs not included)'}`;

  const bi = endpoints.find((endpoint) => purposeOf(endpoint) === 'bi');
  if (bi) {
    const warehouse = warehouseSizing(bi, env.sizing.databricks.sqlWarehouse);
    const rate = warehouseRate(warehouse.serverless);
    const dbuPerHour = p(`databricks.sql.size.${warehouse.size}`);
    const hours = usage.databricks.sqlSessionsPerMonth * (usage.databricks.sqlHoursPerSession + warehouse.autoStopMinutes / 60);
    const clusters = warehouse.minClusters + usage.databricks.sqlClusterUtilisation * (warehouse.maxClusters - warehouse.minClusters);
    const cost = (count: number) => hours * count * dbuPerHour * rate;
    lines.push(
      line(
        'azure',
        'databricks.sql',
        warehouseLabel('BI', warehouse),
        'usage-based',
        cost(clusters),
        `${qty(usage.databricks.sqlSessionsPerMonth)} starts x (${qty(usage.databricks.sqlHoursPerSession)} h + ${warehouse.autoStopMinutes} min auto-stop) = ${qty(hours)} h x ${qty(clusters)} clusters x ${qty(dbuPerHour)} DBU/h x ${price(rate)} = ${money(cost(clusters))}; ` +
          `clusters ${warehouse.minClusters}..${warehouse.maxClusters}: min ${money(cost(warehouse.minClusters))}, max ${money(cost(warehouse.maxClusters))}`,
        { min: cost(warehouse.minClusters), max: cost(warehouse.maxClusters) },
      ),
    );
  }

  const pipelinesWarehouse = endpoints.find((endpoint) => purposeOf(endpoint) === 'pipelines');
  if (pipelinesWarehouse) {
    const warehouse = warehouseSizing(pipelinesWarehouse, env.sizing.databricks.pipelineWarehouse);
    const rate = warehouseRate(warehouse.serverless);
    const dbuPerHour = p(`databricks.sql.size.${warehouse.size}`);
    // Each run keeps the warehouse on for its SQL minutes plus the auto-stop tail, but never longer than the time to the next run.
    const perFlow = (['process', 'retrain'] as const).map((flow) => {
      const busy = flow === 'process' ? usage.databricks.pipelineSqlMinutesPerProcessRun : usage.databricks.pipelineSqlMinutesPerRetrainRun;
      const count = flowRuns[flow];
      const gap = count > 0 ? (HOURS_PER_MONTH * 60) / count : 0;
      const minutes = Math.min(busy + warehouse.autoStopMinutes, gap);
      const capped = busy + warehouse.autoStopMinutes > gap ? ` capped at ${qty(gap)} min between runs` : '';
      return { hours: (count * minutes) / 60, text: `${qty(count)} ${flow} runs x (${qty(busy)} min SQL + ${warehouse.autoStopMinutes} min auto-stop${capped}) = ${qty((count * minutes) / 60)} h` };
    });
    const uncapped = perFlow.reduce((total, flow) => total + flow.hours, 0);
    const hours = Math.min(uncapped, HOURS_PER_MONTH);
    const clusters = warehouse.minClusters + usage.databricks.pipelineClusterUtilisation * (warehouse.maxClusters - warehouse.minClusters);
    const cost = (count: number) => hours * count * dbuPerHour * rate;
    lines.push(
      line(
        'azure',
        'databricks.sql.pipelines',
        warehouseLabel('pipelines', warehouse),
        'usage-based',
        cost(clusters),
        `${perFlow.map((flow) => flow.text).join(' + ')} = ${qty(hours)} h${uncapped > HOURS_PER_MONTH ? ` (capped at ${HOURS_PER_MONTH} h)` : ''} x ${qty(clusters)} clusters x ${qty(dbuPerHour)} DBU/h x ${price(rate)} = ${money(cost(clusters))}; ` +
          `clusters ${warehouse.minClusters}..${warehouse.maxClusters}: min ${money(cost(warehouse.minClusters))}, max ${money(cost(warehouse.maxClusters))}`,
        { min: cost(warehouse.minClusters), max: cost(warehouse.maxClusters) },
      ),
    );
  }

  lines.push(...functionLines(resources, env, usage, book, flowRuns, notes));
  lines.push(...dataFactoryLines(resources, env, usage, book, notes));

  const topics = ofType('azurerm_eventgrid_topic').length;
  if (topics > 0) {
    const operations = usage.eventGrid.operationsPerMonth;
    const grant = p('eventgrid.freeGrant.operations');
    const billed = Math.max(0, operations - grant);
    const cost = (billed / 1_000_000) * p('eventgrid.operations');
    lines.push(
      line('azure', 'eventgrid', `Event Grid, ${topics} topic(s)`, 'usage-based', cost, `(${qty(operations)} operations - ${qty(grant)} free per month) = ${qty(billed)}/1M x ${price(p('eventgrid.operations'))} = ${money(cost)}`),
    );
  }

  const alerts = ofType('azurerm_monitor_metric_alert');
  if (alerts.length > 0) {
    const series = alerts.map((alert) => {
      const criteria = [...asList(alert.body.criteria), ...asList(alert.body.dynamic_criteria)].length || 1;
      return Math.max(1, asList(alert.body.scopes).length) * criteria;
    });
    const total = series.reduce((a, b) => a + b, 0);
    const cost = total * p('monitor.metricAlert.timeSeries');
    lines.push(
      line('azure', 'monitor.metricAlerts', `Azure Monitor metric alerts, ${alerts.length} rule(s)`, 'always-on', cost, `${series.join(' + ')} = ${total} time series (scopes x criteria, no dimension split) x ${price(p('monitor.metricAlert.timeSeries'))} = ${money(cost)}`),
    );
  }
  return lines;
}

function asList(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

/** A tag of a Databricks resource (`tags.custom_tags` as `{key, value}` list) or an azurerm one (`tags` map). */
function tagOf(body: Record<string, unknown>, key: string): string | undefined {
  const tags = body.tags as Record<string, unknown> | undefined;
  if (!tags) return undefined;
  if (typeof tags[key] === 'string') return tags[key] as string;
  for (const tag of asList(tags.custom_tags) as Array<{ key?: unknown; value?: unknown }>) if (tag.key === key && typeof tag.value === 'string') return tag.value;
  return undefined;
}

/** Runs per month of each flow, and polls of the API poller (which runs on its own schedule, not in a flow). */
type FlowRuns = Record<'ingest' | 'process' | 'retrain' | 'polls', number>;
const FLOW_OF: Record<HandlerClass, 'ingest' | 'process' | 'retrain'> = { ingest: 'ingest', transform: 'process', quality: 'process', ml: 'retrain' };

/** The ingest flow runs on each file drop (event-driven) and on its sweep schedule; the others on their schedules. */
function flowRunsOf(env: Environment, usage: UsageProfile, notes: string[]): FlowRuns {
  return {
    ingest: runs(env.schedules.ingestSweep, notes, 'schedules.ingestSweep') + usage.ingestion.fileDropsPerMonth,
    process: runs(env.schedules.process, notes, 'schedules.process'),
    retrain: runs(env.schedules.retrain, notes, 'schedules.retrain'),
    polls: runs(env.schedules.ingest, notes, 'schedules.ingest'),
  };
}

/** Where a flow's runs come from, for a formula: its schedule, and for ingest the file drops that start it. */
function flowRunsText(flow: 'ingest' | 'process' | 'retrain', env: Environment, usage: UsageProfile): string {
  if (flow === 'ingest') return `schedules.ingestSweep ${env.schedules.ingestSweep} + ${qty(usage.ingestion.fileDropsPerMonth)} file drops, usage ingestion.fileDropsPerMonth`;
  return `schedules.${flow} ${env.schedules[flow]}`;
}

/** Calls of a handler class per month: its flow's runs x calls per run, and for ingest also one per API poll. */
function callsOf(handlerClass: HandlerClass, flowRuns: FlowRuns, perRun: number, env: Environment, usage: UsageProfile): { count: number; text: string } {
  const flow = FLOW_OF[handlerClass];
  const flowCalls = flowRuns[flow] * perRun;
  const flowText = `${qty(flowRuns[flow])} ${flow} runs (${flowRunsText(flow, env, usage)}) x ${qty(perRun)}`;
  if (handlerClass !== 'ingest') return { count: flowCalls, text: flowText };
  return { count: flowCalls + flowRuns.polls, text: `${flowText} + ${qty(flowRuns.polls)} API polls (schedules.ingest ${env.schedules.ingest})` };
}

/** `${type.name.attribute}` references in a Terraform value, as addresses `type.name`. */
function references(value: unknown): string[] {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return [...text.matchAll(/\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)[.}\[]/g)].map((match) => `${match[1]}.${match[2]}`);
}

/** Whether `value` names `resource`: its literal `name`, or a reference to it. */
function names(value: unknown, resource: TfResource): boolean {
  return (typeof value === 'string' && value === resource.body.name) || references(value).includes(resource.address);
}

/**
 * Azure Functions Flex Consumption, on demand: executions and GB-seconds of each
 * handler class, the class read from the app's STRATA_HANDLER_CLASS setting and
 * the memory from its instance_memory_in_mb; then the monthly free grant.
 */
function functionLines(resources: TfResource[], env: Environment, usage: UsageProfile, book: PriceBook, flowRuns: FlowRuns, notes: string[]): CostLine[] {
  const apps = resources.filter((r) => r.type === 'azurerm_function_app_flex_consumption').sort((a, b) => a.address.localeCompare(b.address));
  if (apps.length === 0) return [];
  const p = (id: string) => book.price(id).price;
  const rate = p('functions.flex.onDemand.gbSecond');
  const executionRate = p('functions.flex.onDemand.executions');
  const lines: CostLine[] = [];
  let gbSeconds = 0;
  let executions = 0;
  const seen = new Set<string>();
  for (const app of apps) {
    const setting = (app.body.app_settings as Record<string, unknown> | undefined)?.[APP_SETTINGS.handlerClass];
    const handlerClass = HANDLER_CLASSES.find((name) => name === setting);
    if (!handlerClass) {
      notes.push(`${app.address}: no ${APP_SETTINGS.handlerClass} app setting naming a handler class; its executions are not priced`);
      continue;
    }
    if (app.body.always_ready !== undefined) notes.push(`${app.address}: always-ready instances are not priced (on-demand only)`);
    const flow = FLOW_OF[handlerClass];
    const profile = usage.functions[handlerClass];
    const calls = callsOf(handlerClass, flowRuns, profile.invocationsPerRun, env, usage);
    const count = calls.count;
    const memoryMb = Number(app.body.instance_memory_in_mb ?? 2048);
    const gb = memoryMb / 1024;
    const seconds = count * profile.secondsPerInvocation * gb;
    const cost = seconds * rate + (count / 1_000_000) * executionRate;
    gbSeconds += seconds;
    executions += count;
    const id = seen.has(handlerClass) ? `functions.${handlerClass}.${app.name}` : `functions.${handlerClass}`;
    seen.add(handlerClass);
    lines.push(
      line(
        'azure',
        id,
        `Azure Functions (Flex Consumption), ${handlerClass} handlers`,
        'usage-based',
        cost,
        `${calls.text} = ${qty(count)} executions; ` +
          `${qty(count)} x ${qty(profile.secondsPerInvocation)} s x ${qty(gb)} GB (instance_memory_in_mb ${memoryMb}) = ${qty(seconds)} GB-s x ${price(rate)} + ${qty(count)}/1M x ${price(executionRate)} = ${money(cost)}`,
      ),
    );
  }
  if (executions > 0) {
    const grantSeconds = Math.min(gbSeconds, p('functions.flex.freeGrant.gbSeconds'));
    const grantExecutions = Math.min(executions, p('functions.flex.freeGrant.executions'));
    const grant = grantSeconds * rate + (grantExecutions / 1_000_000) * executionRate;
    lines.push(
      line(
        'azure',
        'functions.freeGrant',
        'Azure Functions (Flex Consumption), monthly free grant',
        'usage-based',
        -grant,
        `the Flex Consumption price page grants ${qty(p('functions.flex.freeGrant.gbSeconds'))} GB-s and ${qty(p('functions.flex.freeGrant.executions'))} on-demand executions per subscription and month: ` +
          `min(${qty(gbSeconds)}, ${qty(p('functions.flex.freeGrant.gbSeconds'))}) GB-s x ${price(rate)} + min(${qty(executions)}, ${qty(p('functions.flex.freeGrant.executions'))})/1M x ${price(executionRate)} = -${money(grant)} (if no other Flex app in the subscription uses it)`,
      ),
    );
  }
  return lines;
}

/**
 * Data Factory, one line per pipeline: orchestration (activity runs counted in
 * its activities_json, ForEach items included, plus the trigger's own run) and
 * activity execution on the Azure integration runtime (billed by the started
 * minute), times the runs per month of its schedule trigger.
 */
function dataFactoryLines(resources: TfResource[], env: Environment, usage: UsageProfile, book: PriceBook, notes: string[]): CostLine[] {
  const pipelines = resources.filter((r) => r.type === 'azurerm_data_factory_pipeline').sort((a, b) => a.address.localeCompare(b.address));
  if (pipelines.length === 0) return [];
  const p = (id: string) => book.price(id).price;
  const triggers = resources.filter((r) => r.type === 'azurerm_data_factory_trigger_schedule' || r.type === 'azurerm_data_factory_trigger_blob_event');
  const linkedServices = resources.filter((r) => r.type.startsWith('azurerm_data_factory_linked_service'));
  const apps = resources.filter((r) => r.type === 'azurerm_function_app_flex_consumption');
  const byAddress = new Map(resources.map((r) => [r.address, r]));
  const lines: CostLine[] = [];

  /** The handler class behind a function activity: its functionName is the handler (one HTTP function per handler), else the app its linked service points at. */
  const classOf = (activity: ExternalActivity, functionName: unknown): HandlerClass | undefined => {
    if (typeof functionName === 'string' && functionName in HANDLERS) return HANDLERS[functionName as HandlerName].handlerClass;
    const service = linkedServices.find((r) => activity.linkedService !== undefined && names(activity.linkedService, r));
    const app = service ? references(service.body).map((address) => byAddress.get(address)).find((r) => r?.type === 'azurerm_function_app_flex_consumption') : undefined;
    const setting = (app ?? (apps.length === 1 ? apps[0] : undefined))?.body.app_settings as Record<string, unknown> | undefined;
    return HANDLER_CLASSES.find((name) => name === setting?.[APP_SETTINGS.handlerClass]);
  };

  for (const pipeline of pipelines) {
    const own = triggers.filter((trigger) => names(trigger.body.pipeline_name, pipeline) || asList(trigger.body.pipeline).some((entry) => names((entry as { name?: unknown }).name, pipeline)));
    let runsPerMonth = 0;
    let triggerRuns = 0;
    const schedules: string[] = [];
    for (const trigger of own) {
      if (trigger.body.activated === false) {
        schedules.push(`${literalName(trigger)} deactivated`);
        continue;
      }
      if (trigger.type === 'azurerm_data_factory_trigger_blob_event') {
        // One run per file landing (the usage profile's drops); runs it starts while one is in progress queue.
        const drops = usage.ingestion.fileDropsPerMonth;
        runsPerMonth += drops;
        triggerRuns += drops;
        schedules.push(`${literalName(trigger)}: ${qty(drops)} file drops (usage ingestion.fileDropsPerMonth)`);
        continue;
      }
      try {
        const counted = triggerRunsPerMonth(trigger.body);
        runsPerMonth += counted.runs;
        triggerRuns += counted.runs;
        schedules.push(`${literalName(trigger)}: ${counted.text}`);
      } catch (error) {
        if (!(error instanceof ScheduleError)) throw error;
        notes.push(`${trigger.address}: ${error.message}; counted as 0 runs`);
      }
    }
    if (own.length === 0) {
      const flow = FLOW_NAMES.find((name) => `${pipeline.address} ${pipeline.path} ${String(pipeline.body.name ?? '')}`.toLowerCase().includes(name));
      // A pipeline another one runs (Execute Pipeline), such as the steps after a continue-if check.
      const parent = pipelines.find((other) => other !== pipeline && String(other.body.activities_json ?? '').includes(`"referenceName":${JSON.stringify(String(pipeline.body.name ?? ''))}`));
      if (flow) {
        runsPerMonth = runs(env.schedules[flow], notes, `schedules.${flow}`);
        schedules.push(
          parent
            ? `run by ${literalName(parent)} (Execute Pipeline) when its check finds work; counted at every run of schedules.${flow} ${env.schedules[flow]}, an upper bound`
            : `no schedule trigger; schedules.${flow} ${env.schedules[flow]}`,
        );
      } else {
        notes.push(`${pipeline.address}: no schedule trigger and no flow name in its name; counted as 0 runs`);
        schedules.push('no schedule trigger');
      }
    }

    const parameters = (pipeline.body.parameters ?? {}) as Record<string, unknown>;
    const run = countPipelineRun(pipeline.body.activities_json, usage.dataFactory.forEachItemsWhenDynamic, parameters);
    if (run.copies > 0) notes.push(`${pipeline.address}: ${run.copies} Copy activity run(s) per run; data movement (DIU-hours) is not priced`);
    const functionNames = new Map<string, unknown>();
    const collect = (list: unknown) => {
      for (const activity of asList(typeof list === 'string' ? safeJson(list) : list) as Array<Record<string, any>>) {
        if (activity?.type === 'AzureFunctionActivity') functionNames.set(String(activity.name), activity.typeProperties?.functionName);
        for (const key of ['activities', 'ifTrueActivities', 'ifFalseActivities', 'defaultActivities']) collect(activity?.typeProperties?.[key]);
        for (const entry of asList(activity?.typeProperties?.cases)) collect((entry as { activities?: unknown }).activities);
      }
    };
    collect(pipeline.body.activities_json);
    const externalParts = run.external.map((activity) => {
      // WebHook steps name their handler in the URL (data-factory.ts reads it); Azure Function activities by functionName.
      const handlerClass = activity.handlerClass ?? (activity.type === 'AzureFunctionActivity' ? classOf(activity, functionNames.get(activity.name)) : undefined);
      const minutes = handlerClass ? Math.max(1, Math.ceil(usage.functions[handlerClass].secondsPerInvocation / 60)) : 1;
      return { minutes: activity.count * minutes, text: `${activity.name} ${qty(activity.count)} x ${minutes} min${handlerClass ? ` (${handlerClass} ${qty(usage.functions[handlerClass].secondsPerInvocation)} s, rounded up)` : ' (started minute)'}` };
    });
    const externalMinutes = externalParts.reduce((total, part) => total + part.minutes, 0);
    const triggerPerRun = runsPerMonth > 0 ? triggerRuns / runsPerMonth : 0;
    const orchestration = runsPerMonth * (run.activityRuns + triggerPerRun);
    const externalHours = (runsPerMonth * externalMinutes) / 60;
    const pipelineHours = (runsPerMonth * run.pipelineActivities) / 60;
    const cost = (orchestration / 1000) * p('datafactory.orchestration') + externalHours * p('datafactory.externalActivity') + pipelineHours * p('datafactory.pipelineActivity');
    const loops = run.loops.length > 0 ? `, ForEach ${run.loops.join(', ')}` : '';
    const pipelineText = run.pipelineActivities > 0 ? ` + ${qty(pipelineHours)} h pipeline activities x ${price(p('datafactory.pipelineActivity'))}` : '';
    lines.push(
      line(
        'azure',
        `datafactory.${literalName(pipeline)}`,
        `Data Factory, pipeline ${literalName(pipeline)}`,
        'usage-based',
        cost,
        `${qty(runsPerMonth)} runs (${schedules.join('; ')}) x (${qty(run.activityRuns)} activity runs${loops}${triggerPerRun > 0 ? ' + 1 trigger run' : ''}) = ${qty(orchestration)} runs/1,000 x ${price(p('datafactory.orchestration'))}` +
          ` + ${qty(runsPerMonth)} x ${qty(externalMinutes)} external activity-min (${externalParts.map((part) => part.text).join(', ') || 'none'}) = ${qty(externalHours)} h x ${price(p('datafactory.externalActivity'))}${pipelineText} = ${money(cost)}`,
      ),
    );
  }
  return lines;
}

/** The resource's own `name` when it is a literal (stable and what the portal shows), else its Terraform name. */
function literalName(resource: TfResource): string {
  return typeof resource.body.name === 'string' && !resource.body.name.includes('${') ? resource.body.name : resource.name;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Automatic rotations per month from an azurerm key's `rotation_policy.automatic.time_after_creation` (ISO 8601 P<n>D|M|Y). */
function rotationsPerMonth(body: Record<string, unknown>): number {
  const automatic = (body.rotation_policy as { automatic?: { time_after_creation?: unknown; time_before_expiry?: unknown } } | undefined)?.automatic;
  const text = automatic?.time_after_creation;
  if (typeof text !== 'string') return 0;
  const match = /^P(\d+)([DMY])$/.exec(text);
  if (!match) return 0;
  const days = Number(match[1]) * (match[2] === 'D' ? 1 : match[2] === 'M' ? DAYS_PER_MONTH : 365);
  return DAYS_PER_MONTH / days;
}
