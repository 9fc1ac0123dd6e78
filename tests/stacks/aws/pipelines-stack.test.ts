import { trainingEngineOn } from '../../../config/training-engine.ts';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FLOWS, PROCESS_FLOW, modelNamed } from '../../support/catalog.ts';
import type { Environment, HandlerClass } from '../../../config/schema.ts';
import { HANDLERS, type FlowDefinition, type FlowStep, type HandlerName } from '../../../pipelines/flows/index.ts';
import type { PlatformStacks } from '../../../stacks/aws/aws-app.ts';
import { synthAws } from './synth-aws.ts';
import { OVERLAP_GUARD_STATES, PipelineFlow } from '../../../stacks/aws/constructs/pipeline-flow.ts';
import { environmentNamed, environmentWith, TEST_VERSION } from '../../support/environments.ts';


type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };
type AslState = Record<string, any> & { Type: string };
type Asl = { StartAt: string; States: Record<string, AslState> };

interface Synthesized {
  readonly stacks: PlatformStacks;
  readonly pipelines: Template;
  readonly access: Template;
}

/** The platform without Lambda bundling (the templates are otherwise the same) and with cdk-nag, as in every synth; shared with the worker's other files. */
function synthPlatform(environment: Environment): Synthesized {
  const { stacks, templates } = synthAws(environment);
  return { stacks, pipelines: templates.pipelines, access: templates.access };
}

function resourcesOf(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.findResources(type)) as Array<[string, Resource]>;
}

/** A CloudFormation intrinsic as a readable placeholder, e.g. `<GetAtt:fnABC.Arn>`, `<Ref:TopicXYZ>`. */
function placeholder(token: Record<string, any>): string {
  if ('Ref' in token) return `<Ref:${token.Ref}>`;
  if ('Fn::GetAtt' in token) return `<GetAtt:${[token['Fn::GetAtt']].flat().join('.')}>`;
  if ('Fn::ImportValue' in token) return `<Import:${token['Fn::ImportValue']}>`;
  throw new Error(`unexpected token in a definition: ${JSON.stringify(token)}`);
}

/** The state machine's ASL: the DefinitionString's Fn::Join with its tokens replaced by placeholders. */
function definitionOf(stateMachine: Resource): Asl {
  const definition = stateMachine.Properties.DefinitionString;
  if (typeof definition === 'string') return JSON.parse(definition) as Asl;
  const [separator, parts] = definition['Fn::Join'] as [string, Array<string | Record<string, any>>];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : placeholder(part))).join(separator)) as Asl;
}

function stateMachineOf(template: Template, name: string): [string, Resource] {
  const found = resourcesOf(template, 'AWS::StepFunctions::StateMachine').filter(([, resource]) => resource.Properties.StateMachineName === name);
  if (found.length !== 1) throw new Error(`expected one state machine named ${name}, found ${found.length}`);
  return found[0]!;
}

/** State names from StartAt along Next to the end. */
function mainPath(asl: Asl): string[] {
  const names: string[] = [];
  // A Choice is followed along its default branch, unless that branch only ends the run (a continue-if step's skip,
  // a Pass into Succeed): then along its first choice, where the flow goes on.
  const endsRun = (name: string | undefined) => name !== undefined && asl.States[name]!.Type === 'Pass' && asl.States[asl.States[name]!.Next]?.Type === 'Succeed';
  const next = (state: AslState): string | undefined => state.Next ?? (state.Type === 'Choice' && endsRun(state.Default) ? state.Choices[0].Next : state.Default);
  for (let name: string | undefined = asl.StartAt; name !== undefined; name = next(asl.States[name]!)) {
    if (names.includes(name)) throw new Error(`loop at ${name}`);
    names.push(name);
  }
  return names;
}

/** States reached only from a Catch: the failure path. */
function failurePath(asl: Asl): Set<string> {
  const names = new Set<string>();
  const targets = Object.values(asl.States).flatMap((state) => (state.Catch ?? []).map((rule: { Next: string }) => rule.Next));
  for (const target of targets) {
    for (let name: string | undefined = target; name !== undefined && !names.has(name); name = asl.States[name]!.Next) names.add(name);
  }
  return names;
}

/** The step tasks of a flow's ASL: top-level Tasks off the failure path, and the Tasks inside Maps. */
function stepTasks(asl: Asl): Array<[string, AslState]> {
  const failure = failurePath(asl);
  return Object.entries(asl.States).flatMap(([name, state]): Array<[string, AslState]> => {
    if (state.Type === 'Task') return failure.has(name) ? [] : [[name, state]];
    if (state.Type === 'Map') return Object.entries((state.ItemProcessor as Asl).States).filter(([, inner]) => inner.Type === 'Task');
    return [];
  });
}

function tagsOf(resource: Resource): Record<string, string> {
  const tags = resource.Properties.Tags ?? [];
  return Array.isArray(tags) ? Object.fromEntries(tags.map((tag: { Key: string; Value: string }) => [tag.Key, tag.Value])) : tags;
}

/** The pipeline functions by handler (each says which in STRATA_HANDLER). */
function functionsByHandler(template: Template): Record<HandlerName, { logicalId: string; resource: Resource }> {
  return Object.fromEntries(
    resourcesOf(template, 'AWS::Lambda::Function').map(([logicalId, resource]) => [resource.Properties.Environment.Variables.STRATA_HANDLER, { logicalId, resource }]),
  ) as Record<HandlerName, { logicalId: string; resource: Resource }>;
}

const HANDLER_ENTRIES = Object.entries(HANDLERS) as Array<[HandlerName, (typeof HANDLERS)[HandlerName]]>;

/** Sizing as the environment file states it, without the stack's own helper: the shared value unless the class overrides it. */
function expectedSizing(environment: Environment, handlerClass: HandlerClass) {
  const { overrides, ...shared } = environment.sizing.lambda;
  const override = overrides[handlerClass] ?? {};
  // The ingest class's memory and timeout follow the ingestion limits (config/ingest-footprint.ts); prod sets neither.
  const derived = handlerClass === 'ingest' ? { memoryMb: 1920, timeoutSeconds: 440 } : shared;
  return {
    MemorySize: override.memoryMb ?? derived.memoryMb,
    Timeout: override.timeoutSeconds ?? derived.timeoutSeconds,
    Architectures: [override.architecture ?? shared.architecture],
  };
}

describe('pipelines stack', () => {
  const prod = environmentNamed('prod');
  let aws: Synthesized;
  beforeAll(() => {
    aws = synthPlatform(prod);
  });

  const flowMachine = (flow: FlowDefinition) => stateMachineOf(aws.pipelines, `strata-prod-${flow.name}-flow`);

  describe.each(FLOWS.map((flow) => [flow.name, flow] as const))('the %s state machine', (_name, flow) => {
    it('retries every task with backoff, never a failed quality gate, and catches every failure into the notify-and-fail path', () => {
      const asl = definitionOf(flowMachine(flow)[1]);
      const tasks = stepTasks(asl);
      // A continue-if step is a Choice: it runs nothing, so it has no retry or catch.
      const runningSteps = flow.steps.filter((step) => step.kind !== 'continue-if');
      expect(tasks.length).toBeGreaterThanOrEqual(runningSteps.length);
      // Handler tasks; SageMaker jobs retry on their own terms (retrain-sagemaker.test.ts) and notify steps have no quality gate to respect.
      const handlerTasks = tasks.filter(([, task]) => String(task.Resource).startsWith('<GetAtt:'));
      expect(handlerTasks.length).toBeGreaterThan(0);
      for (const [name, task] of tasks.filter(([, task]) => !/:states:::(sagemaker|aws-sdk:sagemaker):/.test(String(task.Resource)))) {
        const retries = task.Retry as Array<{ ErrorEquals: string[]; BackoffRate?: number }>;
        expect(retries?.find((rule) => rule.ErrorEquals.includes('States.ALL'))?.BackoffRate, name).toBeGreaterThan(1);
      }
      for (const [name, task] of handlerTasks) {
        const retries = task.Retry as Array<{ ErrorEquals: string[]; MaxAttempts?: number; BackoffRate?: number }>;
        expect(retries, name).toBeDefined();
        const catchAll = retries.find((rule) => rule.ErrorEquals.includes('States.ALL'));
        expect(catchAll?.BackoffRate, name).toBeGreaterThan(1);
        expect(catchAll?.MaxAttempts, name).toBeGreaterThan(0);
        // Retry rules match in order: the quality gate's must come before States.ALL and not retry.
        const gate = retries.findIndex((rule) => rule.ErrorEquals.includes('QualityGateFailed'));
        expect(gate, name).toBeGreaterThanOrEqual(0);
        expect(gate, name).toBeLessThan(retries.indexOf(catchAll!));
        expect(retries[gate]!.MaxAttempts, name).toBe(0);
      }

      const topLevel = Object.entries(asl.States).filter(([name, state]) => (state.Type === 'Task' || state.Type === 'Map') && !failurePath(asl).has(name));
      const guardStates = new Set<string>(Object.values(OVERLAP_GUARD_STATES));
      const names = topLevel.map(([name]) => name).filter((name) => !guardStates.has(name));
      // Steps a managed engine runs are replaced by its states (named after the step or its parts); every other step is there by name.
      const handlerSteps = runningSteps.filter((step) => !(step.kind === 'task' && step.managed && trainingEngineOn(prod, 'aws') === 'sagemaker' && modelNamed(step.managed.model).managedAlgorithm));
      expect(names).toEqual(expect.arrayContaining(handlerSteps.map((step) => step.name)));
      if (handlerSteps.length === runningSteps.length) expect(names.sort()).toEqual(runningSteps.map((step) => step.name).sort());
      for (const [name, state] of topLevel) {
        expect(state.Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'NotifyFailure' }]);
      }
      const notify = asl.States.NotifyFailure!;
      expect(notify.Type).toBe('Task');
      expect(notify.Resource).toMatch(/:states:::sns:publish$/);
      expect(asl.States[notify.Next]!.Type).toBe('Fail');
    });

    it('runs the flow definition\'s steps in order, each task on its handler\'s function, notify steps on the notification topic, then succeeds', () => {
      const asl = definitionOf(flowMachine(flow)[1]);
      const path = mainPath(asl);
      // prod trains the churn model on SageMaker: those steps are rendered as its jobs (retrain-sagemaker.test.ts).
      const rendered = flow.steps.filter((step) => !(step.kind === 'task' && step.managed && trainingEngineOn(prod, 'aws') === 'sagemaker' && modelNamed(step.managed.model).managedAlgorithm));
      expect(path.filter((name) => rendered.some((step) => step.name === name))).toEqual(rendered.map((step) => step.name));
      expect(asl.States[path.at(-1)!]!.Type).toBe('Succeed');
      const functions = functionsByHandler(aws.pipelines);
      for (const step of rendered) {
        const state = asl.States[step.name]!;
        if (step.kind === 'notify') {
          expect(state.Resource, step.name).toMatch(/:states:::sns:publish$/);
          expect((state.Parameters as { TopicArn: string }).TopicArn, step.name).toMatch(/^<Ref:NotificationTopic[0-9A-F]+>$/);
          continue;
        }
        if (step.kind === 'continue-if') {
          expect(state.Type, step.name).toBe('Choice');
          continue;
        }
        const task = step.kind === 'task' ? state : (state.ItemProcessor as Asl).States[step.step.name]!;
        if (step.kind === 'map') expect((state.ItemProcessor as Asl).StartAt).toBe(step.step.name);
        const handler = step.kind === 'task' ? step.handler : step.step.handler;
        expect(task.Resource, step.name).toBe(`<GetAtt:${functions[handler].logicalId}.Arn>`);
      }
    });

    it('logs ALL, with execution data, to a KMS-encrypted log group, and traces with X-Ray', () => {
      const [, machine] = flowMachine(flow);
      expect(machine.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
      const destinations = machine.Properties.LoggingConfiguration.Destinations as Array<{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string, string] } } }>;
      expect(destinations).toHaveLength(1);
      const logGroup = aws.pipelines.toJSON().Resources[destinations[0]!.CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0]] as Resource;
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
      expect(logGroup.Properties.RetentionInDays).toBe(prod.retention.logRetentionDays);
      expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    });

    it('alarms on failed, timed-out or aborted runs to an encrypted SNS topic', () => {
      const [logicalId] = flowMachine(flow);
      const alarms = resourcesOf(aws.pipelines, 'AWS::CloudWatch::Alarm').filter(([, alarm]) => JSON.stringify(alarm.Properties.Metrics).includes(`"Ref":"${logicalId}"`));
      expect(alarms).toHaveLength(1);
      const [, alarm] = alarms[0]!;
      expect(alarm.Properties).toMatchObject({ Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      const metricNames = (alarm.Properties.Metrics as Array<{ MetricStat?: { Metric: { MetricName: string } } }>).flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric.MetricName] : []));
      expect(metricNames.sort()).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
      const topic = aws.pipelines.toJSON().Resources[alarm.Properties.AlarmActions[0].Ref] as Resource;
      expect(topic.Type).toBe('AWS::SNS::Topic');
      expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    });

    it(`starts on schedules.${flow.schedule} from the environment file`, () => {
      const [logicalId] = flowMachine(flow);
      const schedules = resourcesOf(aws.pipelines, 'AWS::Scheduler::Schedule').filter(([, schedule]) => schedule.Properties.Target.Arn.Ref === logicalId);
      expect(schedules).toHaveLength(1);
      expect(schedules[0]![1].Properties.ScheduleExpression).toBe(prod.schedules[flow.schedule]);
      expect(schedules[0]![1].Properties.Target.DeadLetterConfig).toBeDefined();
    });

    it('is tagged with its flow name for cost tracking, with its log group', () => {
      const [, machine] = flowMachine(flow);
      expect(tagsOf(machine)).toMatchObject({ 'strata:flow': flow.name, 'strata:environment': 'prod' });
      const logGroupId = machine.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0] as string;
      expect(tagsOf(aws.pipelines.toJSON().Resources[logGroupId] as Resource)['strata:flow']).toBe(flow.name);
    });
  });

  it('gives each flow its own state machine, named after it', () => {
    const names = resourcesOf(aws.pipelines, 'AWS::StepFunctions::StateMachine').map(([, machine]) => machine.Properties.StateMachineName);
    expect(names.sort()).toEqual(FLOWS.map((flow) => `strata-prod-${flow.name}-flow`).sort());
  });

  describe('functions', () => {
    it('deploys one function per handler, named under its class\'s prefix', () => {
      const functions = functionsByHandler(aws.pipelines);
      expect(Object.keys(functions).sort()).toEqual(Object.keys(HANDLERS).sort());
      for (const [handler, { handlerClass }] of HANDLER_ENTRIES) {
        expect(functions[handler].resource.Properties.FunctionName).toBe(`strata-prod-${handlerClass}-${handler}`);
      }
    });

    it('runs every handler on Node 24 with X-Ray active; only the scheduled poller has the encrypted dead-letter queue', () => {
      const queues = resourcesOf(aws.pipelines, 'AWS::SQS::Queue');
      expect(queues).toHaveLength(1);
      const [queueId, queue] = queues[0]!;
      expect(queue.Properties.KmsMasterKeyId).toBeDefined();
      const withDeadLetters: string[] = [];
      for (const [handler, { resource }] of Object.entries(functionsByHandler(aws.pipelines))) {
        expect(resource.Properties.Runtime, handler).toBe('nodejs24.x');
        expect(resource.Properties.TracingConfig, handler).toEqual({ Mode: 'Active' });
        expect(resource.Properties.KmsKeyArn, handler).toBeDefined();
        if (resource.Properties.DeadLetterConfig === undefined) continue;
        expect(resource.Properties.DeadLetterConfig, handler).toEqual({ TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
        withDeadLetters.push(handler);
      }
      // A Lambda dead-letter queue only receives failed asynchronous invocations; Step Functions invokes the others synchronously.
      expect(withDeadLetters).toEqual(['poll-api']);
    });

    it('does not let Lambda retry the poller, which retries itself what a retry can fix; only its class may send to the dead letters', () => {
      const configs = resourcesOf(aws.pipelines, 'AWS::Lambda::EventInvokeConfig');
      expect(configs.map(([, config]) => config.Properties)).toEqual([expect.objectContaining({ MaximumRetryAttempts: 0, Qualifier: '$LATEST' })]);
      const poller = functionsByHandler(aws.pipelines)['poll-api'];
      expect(configs[0]![1].Properties.FunctionName).toEqual({ Ref: poller.logicalId });
      const runtimePolicies = resourcesOf(aws.pipelines, 'AWS::IAM::ManagedPolicy').filter(([, policy]) => / handlers: tracing, /.test(String(policy.Properties.Description)));
      expect(runtimePolicies).toHaveLength(4);
      const sends = runtimePolicies.filter(([, policy]) => JSON.stringify(policy.Properties.PolicyDocument).includes('sqs:SendMessage')).map(([, policy]) => String(policy.Properties.Description));
      expect(sends).toEqual([expect.stringMatching(/ ingest handlers: tracing, dead letters, /)]);
    });

    it('sizes memory, architecture and timeout from sizing.lambda, with the per-class overrides', () => {
      // prod overrides transform, leaves quality on the shared sizing and ingest to its limits: all three cases occur.
      expect(prod.sizing.lambda.overrides.transform?.memoryMb).not.toBe(prod.sizing.lambda.memoryMb);
      expect(prod.sizing.lambda.overrides.quality).toBeUndefined();
      expect(prod.sizing.lambda.overrides.ingest).toBeUndefined();
      expect(prod.ingestion).toMatchObject({ maxFileMb: 512, maxUnpackedMb: 2048 });
      const functions = functionsByHandler(aws.pipelines);
      for (const [handler, { handlerClass }] of HANDLER_ENTRIES) {
        expect(functions[handler].resource.Properties, handler).toMatchObject(expectedSizing(prod, handlerClass));
      }
      expect(functions['build-trusted'].resource.Properties).toMatchObject({ MemorySize: 3008, Timeout: 900 });
      expect(functions['check-quality'].resource.Properties).toMatchObject({ MemorySize: prod.sizing.lambda.memoryMb, Timeout: prod.sizing.lambda.timeoutSeconds });
    });

    it('runs each function as the access stack\'s named role of its handler class', () => {
      const accessRoles = resourcesOf(aws.access, 'AWS::IAM::Role').map(([, role]) => role.Properties.RoleName as string);
      const functions = functionsByHandler(aws.pipelines);
      for (const [handler, { handlerClass }] of HANDLER_ENTRIES) {
        const roleName = `strata-prod-${handlerClass}-handler`;
        expect(accessRoles, handler).toContain(roleName);
        expect(JSON.stringify(functions[handler].resource.Properties.Role), handler).toMatch(new RegExp(`:role/${roleName}"\\]\\]\\}$`));
      }
      // No function gets a role of its own.
      expect(resourcesOf(aws.pipelines, 'AWS::IAM::Role').map(([, role]) => JSON.stringify(role.Properties.AssumeRolePolicyDocument))).not.toContainEqual(
        expect.stringContaining('lambda.amazonaws.com'),
      );
    });

    it('tags every function and its log group with its handler class for cost tracking', () => {
      const functions = functionsByHandler(aws.pipelines);
      for (const [handler, { handlerClass }] of HANDLER_ENTRIES) {
        const { resource } = functions[handler];
        expect(tagsOf(resource), handler).toMatchObject({ 'strata:handler-class': handlerClass, 'strata:version': TEST_VERSION });
        const logGroup = aws.pipelines.toJSON().Resources[resource.Properties.LoggingConfig.LogGroup.Ref] as Resource;
        expect(tagsOf(logGroup)['strata:handler-class'], handler).toBe(handlerClass);
      }
    });

    it('polls the API on schedules.ingest by invoking the poll-api function', () => {
      const poller = functionsByHandler(aws.pipelines)['poll-api'];
      const schedules = resourcesOf(aws.pipelines, 'AWS::Scheduler::Schedule').filter(([, schedule]) => JSON.stringify(schedule.Properties.Target.Arn) === JSON.stringify({ 'Fn::GetAtt': [poller.logicalId, 'Arn'] }));
      expect(schedules).toHaveLength(1);
      expect(schedules[0]![1].Properties).toMatchObject({ Name: 'strata-prod-poll-api', ScheduleExpression: prod.schedules.ingest });
    });
  });

  it('keeps the API key in a KMS-encrypted secret that only the ingest class\'s policy can read', () => {
    const secrets = resourcesOf(aws.pipelines, 'AWS::SecretsManager::Secret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const [secretId, secret] of secrets) {
      expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
      expect(secret.Properties.SecretString ?? secret.Properties.GenerateSecretString?.SecretStringTemplate).toBeUndefined();
      const readers = [aws.pipelines, aws.access].flatMap((template) =>
        [...resourcesOf(template, 'AWS::IAM::ManagedPolicy'), ...resourcesOf(template, 'AWS::IAM::Policy')].filter(([, policy]) =>
          (policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>).some(
            (statement) => [statement.Action].flat().some((action) => action.startsWith('secretsmanager:')) && JSON.stringify(statement.Resource).includes(`"Ref":"${secretId}"`),
          ),
        ),
      );
      expect(readers).toHaveLength(1);
      expect(readers[0]![1].Properties.Roles).toEqual(['strata-prod-ingest-handler']);
    }
    // And no policy grants Secrets Manager on anything else, wildcards included.
    const grants = [aws.pipelines, aws.access].flatMap((template) =>
      resourcesOf(template, 'AWS::IAM::ManagedPolicy').flatMap(([, policy]) =>
        (policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>).filter((statement) =>
          [statement.Action].flat().some((action) => action.startsWith('secretsmanager:')),
        ),
      ),
    );
    for (const grant of grants) {
      expect([grant.Action].flat()).toEqual(['secretsmanager:GetSecretValue']);
      for (const resource of [grant.Resource].flat()) expect(resource).toEqual({ Ref: expect.stringMatching(/^ApiKey/) });
    }
  });
});

describe('pipelines stack, after the environment file changes', () => {
  const changed = environmentWith('prod', (document) => {
    document.schedules.ingest = 'rate(2 minutes)';
    document.schedules.ingestSweep = 'rate(3 hours)';
    document.schedules.process = 'cron(30 */2 * * ? *)';
    document.schedules.retrain = 'cron(0 4 ? * SUN *)';
    document.sizing.lambda.overrides.quality = { memoryMb: 1536, architecture: 'x86_64' };
    document.sizing.lambda.overrides.transform.timeoutSeconds = 600;
  });
  let aws: Synthesized;
  beforeAll(() => {
    aws = synthPlatform(changed);
  });

  it('follows changed schedules: every flow and the API poller', () => {
    const expressions = Object.fromEntries(resourcesOf(aws.pipelines, 'AWS::Scheduler::Schedule').map(([, schedule]) => [schedule.Properties.Name, schedule.Properties.ScheduleExpression]));
    expect(expressions).toEqual({
      'strata-prod-ingest-flow': 'rate(3 hours)',
      'strata-prod-process-flow': 'cron(30 */2 * * ? *)',
      'strata-prod-retrain-flow': 'cron(0 4 ? * SUN *)',
      'strata-prod-poll-api': 'rate(2 minutes)',
    });
  });

  it('follows a changed and a new per-class override, leaving the other classes alone', () => {
    const functions = functionsByHandler(aws.pipelines);
    expect(functions['check-quality'].resource.Properties).toMatchObject({ MemorySize: 1536, Architectures: ['x86_64'], Timeout: changed.sizing.lambda.timeoutSeconds });
    expect(functions['build-refined'].resource.Properties).toMatchObject({ MemorySize: 3008, Timeout: 600, Architectures: ['arm64'] });
    for (const [handler, { handlerClass }] of HANDLER_ENTRIES) {
      expect(functions[handler].resource.Properties, handler).toMatchObject(expectedSizing(changed, handlerClass));
    }
  });
});

describe('PipelineFlow on a changed flow definition', () => {
  const reconcile: FlowStep = {
    kind: 'task',
    name: 'ReconcileRowCounts',
    handler: 'check-quality',
    input: { runId: '$$.Execution.Name', mode: 'reconcile' },
    resultPath: '$.reconciled',
  };
  const flow: FlowDefinition = { ...PROCESS_FLOW, steps: [...PROCESS_FLOW.steps.slice(0, -1), reconcile, ...PROCESS_FLOW.steps.slice(-1)] };
  let asl: Asl;
  beforeAll(() => {
    const stack = new Stack(new App(), 'FlowUnderTest', { env: { account: '111111111111', region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'Key');
    const functions = Object.fromEntries(
      Object.keys(HANDLERS).map((handler) => [handler, lambda.Function.fromFunctionArn(stack, handler, `arn:aws:lambda:eu-west-1:111111111111:function:${handler}`)]),
    ) as Record<HandlerName, lambda.IFunction>;
    new PipelineFlow(stack, 'Flow', {
      flow,
      stateMachineName: 'test-process-flow',
      functions,
      failureTopic: new sns.Topic(stack, 'Topic', { masterKey: key }),
      schedule: 'rate(1 hour)',
      key,
      logRetention: logs.RetentionDays.ONE_WEEK,
      deadLetterQueue: new sqs.Queue(stack, 'DeadLetters'),
    });
    asl = definitionOf(stateMachineOf(Template.fromStack(stack), 'test-process-flow')[1]);
  });

  it('renders a step added to the definition as a state in its place, with its input, retries and catch', () => {
    const path = mainPath(asl);
    expect(path.filter((name) => flow.steps.some((step) => step.name === name))).toEqual([...PROCESS_FLOW.steps.slice(0, -1).map((step) => step.name), 'ReconcileRowCounts', 'CheckQuality']);
    const state = asl.States.ReconcileRowCounts!;
    expect(state).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:lambda:eu-west-1:111111111111:function:check-quality',
      Parameters: { 'runId.$': '$$.Execution.Name', mode: 'reconcile' },
      ResultPath: '$.reconciled',
      Next: 'CheckQuality',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'NotifyFailure' }],
    });
    expect(stepTasks(asl).map(([name]) => name)).toContain('ReconcileRowCounts');
    expect((state.Retry as Array<{ BackoffRate?: number }>).some((rule) => (rule.BackoffRate ?? 0) > 1)).toBe(true);
  });
});
