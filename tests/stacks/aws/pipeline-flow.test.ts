import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { HANDLERS, type FlowDefinition, type HandlerName } from '../../../pipelines/flows/index.ts';
import { OVERLAP_GUARD_STATES, PipelineFlow } from '../../../stacks/aws/constructs/pipeline-flow.ts';

type Asl = { StartAt: string; States: Record<string, Record<string, any>> };

// The local runner's module installs the Promise.withResolvers aws-local-stepfunctions 3 needs on Node 20.
import '../../../cli/run/local-runner.ts';

function flowOf(toleratesItemFailures: boolean | undefined): FlowDefinition {
  return {
    name: 'process',
    description: 'A map over three tables, then a check.',
    schedule: 'process',
    steps: [
      {
        kind: 'map',
        name: 'BuildTables',
        items: { values: ['orders', 'customers', 'sellers'] },
        maxConcurrency: 2,
        step: { kind: 'task', name: 'BuildTable', handler: 'build-trusted', input: { table: '$$.Map.Item.Value' } },
        resultPath: '$.tables',
        ...(toleratesItemFailures === undefined ? {} : { toleratesItemFailures }),
      },
      { kind: 'task', name: 'CheckQuality', handler: 'check-quality', input: { runId: '$$.Execution.Name' }, resultPath: '$.quality' },
    ],
  };
}

/** The flow rendered alone, its ASL with every token replaced by a placeholder. */
function render(flow: FlowDefinition): Asl {
  return renderStack(flow).asl;
}

function renderStack(flow: FlowDefinition): { asl: Asl; template: Template } {
  const stack = new Stack(new App(), 'Flow', { env: { account: '111111111111', region: 'eu-west-1' } });
  const functions = Object.fromEntries(
    (Object.keys(HANDLERS) as HandlerName[]).map((handler) => [handler, lambda.Function.fromFunctionArn(stack, handler, `arn:aws:lambda:eu-west-1:111111111111:function:${handler}`)]),
  ) as Record<HandlerName, lambda.IFunction>;
  const key = new kms.Key(stack, 'Key');
  new PipelineFlow(stack, 'Flow', {
    flow,
    stateMachineName: 'strata-test-process-flow',
    functions,
    failureTopic: new sns.Topic(stack, 'Failures'),
    schedule: 'rate(1 hour)',
    key,
    logRetention: logs.RetentionDays.ONE_WEEK,
    deadLetterQueue: new sqs.Queue(stack, 'DeadLetters'),
  });
  const template = Template.fromStack(stack);
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const definition = machine!.Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof definition === 'string' ? definition : definition['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'local:token')).join(definition['Fn::Join'][0]);
  return { asl: JSON.parse(text) as Asl, template };
}

/** Runs the ASL locally: BuildTable fails for `customers`, every other task succeeds. */
async function run(asl: Asl): Promise<{ status: 'succeeded' | 'failed'; built: string[]; checked: boolean; output?: any }> {
  const built: string[] = [];
  let checked = false;
  // The local runner annotates the definition it is given: it gets a copy.
  const machine = new StateMachine(structuredClone(asl) as never, { validationOptions: { checkArn: false } });
  const execution = machine.run(
    {},
    {
      overrides: {
        taskResourceLocalHandlers: {
          BuildTable: async (input: { table: string }) => {
            if (input.table === 'customers') throw Object.assign(new Error('customers failed'), { name: 'TableInputError' });
            built.push(input.table);
            return { table: input.table };
          },
          CheckQuality: async () => {
            checked = true;
            return { passed: true };
          },
          NotifyFailure: async () => ({ MessageId: 'local' }),
          // The overlap guard: this run is the only one running (overlap-guard.test.ts covers the others).
          ListRunningExecutions: async () => ({ Executions: [{ ExecutionArn: 'local:test', Status: 'RUNNING' }] }),
        } as never,
        retryIntervalOverrides: { BuildTable: 0, CheckQuality: 0, NotifyFailure: 0 },
      },
      context: { Execution: { Id: 'local:test', Name: 'test-run', Input: {} }, StateMachine: { Id: 'local:strata-test-process-flow' } } as never,
    },
  );
  try {
    const output = await execution.result;
    return { status: 'succeeded', built: built.sort(), checked, output };
  } catch (error) {
    if (process.env.DEBUG_FLOW) console.error(error);
    return { status: 'failed', built: built.sort(), checked };
  }
}

describe('PipelineFlow map steps', () => {
  it('fails the run on the first failed item by default, and the step after the map never runs', async () => {
    const asl = render(flowOf(undefined));
    expect(render(flowOf(false))).toEqual(asl);
    expect(asl.States.BuildTables!.ItemProcessor.States.BuildTable.Catch).toBeUndefined();
    expect(Object.keys(asl.States.BuildTables!.ItemProcessor.States)).toEqual(['BuildTable']);
    const outcome = await run(asl);
    expect(outcome.status).toBe('failed');
    expect(outcome.checked).toBe(false);
  });

  it('with toleratesItemFailures, an item that fails after its retries ends its iteration with its error, the other items run, and so does the next step', async () => {
    const asl = render(flowOf(true));
    const processor = asl.States.BuildTables!.ItemProcessor as Asl;
    const task = processor.States.BuildTable!;
    // Retries first (the catch only takes what they could not fix), then the catch.
    expect(task.Retry.map((rule: { ErrorEquals: string[] }) => rule.ErrorEquals)).toEqual([['QualityGateFailed', 'TableInputError'], ['States.ALL']]);
    expect(task.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'BuildTableItemFailed' }]);
    expect(processor.States.BuildTableItemFailed).toMatchObject({ Type: 'Pass', End: true });
    // The map itself still fails the run on what is not an item's failure.
    expect(asl.States.BuildTables!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'NotifyFailure' }]);
    expect(asl.States.BuildTables!.Next).toBe('CheckQuality');

    const outcome = await run(asl);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.built).toEqual(['orders', 'sellers']);
    expect(outcome.checked).toBe(true);
    // The map's result is how many items ran, not what each returned (that would grow the state with the items).
    expect(outcome.output.tables).toEqual({ items: 3 });
    expect(asl.States.BuildTables!.ResultSelector).toEqual({ 'items.$': 'States.ArrayLength($)' });
  });
});

describe('PipelineFlow overlap guard', () => {
  it('starts the state machine, before the first step, and its role may list the executions of its own state machine only', () => {
    const { asl, template } = renderStack(flowOf(undefined));
    expect(asl.StartAt).toBe(OVERLAP_GUARD_STATES.start);
    expect(asl.States[OVERLAP_GUARD_STATES.goOn]!.Next).toBe('BuildTablesItems');
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const role = machine!.Properties.RoleArn['Fn::GetAtt'][0] as string;
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((ref) => ref.Ref === role))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Sid?: string; Action: string | string[]; Resource: unknown }>);
    const listing = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('states:')));
    expect(listing).toEqual([
      {
        Sid: 'ListOwnExecutions',
        Effect: 'Allow',
        Action: 'states:ListExecutions',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:eu-west-1:111111111111:stateMachine:strata-test-process-flow']] },
      },
    ]);
  });
});
