/**
 * One run per flow at a time on AWS: every state machine starts by listing its
 * own RUNNING executions and goes on only if the oldest of them is itself.
 * The definitions here are the synthesized ones (the whole AWS app, cdk-nag
 * included), read back as `strata run` reads them; the runs execute them in
 * aws-local-stepfunctions with small fake handlers, the ListExecutions call
 * answered with canned responses in the shape the AWS SDK integration returns.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FLOWS, PROCESS_FLOW } from '../../support/catalog.ts';
import { flowsFromTemplate, type SynthesizedFlow } from '../../../cli/run/synthesized-flows.ts';

import { OVERLAP_GUARD_STATES as GUARD } from '../../../stacks/aws/constructs/pipeline-flow.ts';
import { environmentNamed } from '../../support/environments.ts';
import { synthAws } from './synth-aws.ts';

// The local runner's module installs the Promise.withResolvers aws-local-stepfunctions 3 needs on Node 20.
import '../../../cli/run/local-runner.ts';

type AslState = Record<string, any> & { Type: string };
type Asl = { StartAt: string; States: Record<string, AslState> };
type Resource = { Type: string; Properties: Record<string, any> };

const prod = environmentNamed('prod');

/**
 * ListExecutions as the Step Functions AWS SDK integration answers it: the
 * API's response with PascalCase field names (`Executions[].ExecutionArn`),
 * most recent first. A recorded API shape (AWS SDK integration documentation
 * and the ListExecutions API reference), not a response from an account.
 */
function listExecutionsResponse(...executionArns: string[]) {
  return {
    Executions: executionArns.map((arn, index) => ({
      ExecutionArn: arn,
      StateMachineArn: arn.replace(/:execution:([^:]+):[^:]+$/, ':stateMachine:$1'),
      Name: arn.split(':').at(-1),
      Status: 'RUNNING',
      StartDate: new Date(Date.UTC(2025, 0, 1, 2, 0, 0) - index * 60_000).toISOString(),
    })),
  };
}

const MACHINE = 'arn:aws:states:eu-west-1:111111111111:stateMachine:strata-prod-process-flow';
const THIS_RUN = 'arn:aws:states:eu-west-1:111111111111:execution:strata-prod-process-flow:run-b';
const OLDER_RUN = 'arn:aws:states:eu-west-1:111111111111:execution:strata-prod-process-flow:run-a';

interface Outcome {
  readonly status: 'succeeded' | 'failed';
  readonly output?: any;
  readonly error?: string;
  /** Handler calls per state name (fake Lambda handlers). */
  readonly invoked: Record<string, number>;
  /** What each handler call was given, in order. */
  readonly inputs: { state: string; input: any }[];
  readonly listings: number;
  readonly notified: unknown[];
}

/** Runs a synthesized flow: every Lambda state a fake that counts its calls, ListExecutions answered by `listing` (the n-th call). */
async function runFlow(flow: SynthesizedFlow, listing: (call: number) => unknown, input: Record<string, boolean> = {}): Promise<Outcome> {
  const invoked: Record<string, number> = {};
  const inputs: { state: string; input: any }[] = [];
  const notified: unknown[] = [];
  let listings = 0;
  const handlers: Record<string, (input: any) => Promise<unknown>> = {};
  const retries: Record<string, number> = {};
  for (const [state, target] of flow.taskTargets) {
    retries[state] = 0;
    handlers[state] =
      target === 'runningExecutions'
        ? async () => listing(++listings)
        : target === 'notify'
          ? async (message) => {
              notified.push(message);
              return { MessageId: 'local' };
            }
          : async (message) => {
              invoked[state] = (invoked[state] ?? 0) + 1;
              inputs.push({ state, input: message });
              // The process flow's check finds something new, so the run goes on past it.
              return target === 'find-new-data' ? { due: true, reason: 'new staged files for orders', tables: ['orders'] } : {};
            };
  }
  // aws-local-stepfunctions annotates the definition it is given: it gets a copy.
  const machine = new StateMachine(structuredClone(flow.definition) as never, { validationOptions: { checkArn: false } });
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides: retries, waitTimeOverrides: { [GUARD.wait]: 0 } },
    context: { Execution: { Id: THIS_RUN, Name: 'run-b', Input: input }, StateMachine: { Id: MACHINE, Name: 'strata-prod-process-flow' } } as never,
  });
  try {
    return { status: 'succeeded', output: await execution.result, invoked, inputs, listings, notified };
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    if (process.env.DEBUG_FLOW) console.error(error);
    return { status: 'failed', error: cause?.message ?? (error as Error).message, invoked, inputs, listings, notified };
  }
}

/** A CloudFormation intrinsic as a readable placeholder, e.g. `<Ref:AWS::Partition>`. */
function placeholder(token: Record<string, any>): string {
  if ('Ref' in token) return `<Ref:${token.Ref}>`;
  if ('Fn::GetAtt' in token) return `<GetAtt:${[token['Fn::GetAtt']].flat().join('.')}>`;
  if ('Fn::ImportValue' in token) return `<Import:${token['Fn::ImportValue']}>`;
  throw new Error(`unexpected token: ${JSON.stringify(token)}`);
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, Array<string | Record<string, any>>] })['Fn::Join'];
  if (!join) return placeholder(value as Record<string, any>);
  return join[1].map((part) => (typeof part === 'string' ? part : placeholder(part))).join(join[0]);
}

describe('the overlap guard of the synthesized state machines (prod)', () => {
  let resources: Record<string, Resource>;
  let flows: SynthesizedFlow[];
  let region: string;
  beforeAll(() => {
    const aws = synthAws(prod);
    const template = aws.templates.pipelines.toJSON() as { Resources: Record<string, Resource> };
    resources = template.Resources;
    flows = flowsFromTemplate(template as never, prod);
    region = aws.stacks.pipelines.region;
  });

  const machineOf = (name: string) => {
    const found = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine' && resource.Properties.StateMachineName === name);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  describe.each(FLOWS.map((flow) => [flow.name, flow] as const))('%s', (name, flow) => {
    const machineName = `strata-prod-${name}-flow`;
    const asl = () => JSON.parse(textOf(machineOf(machineName)[1].Properties.DefinitionString)) as Asl;

    it('starts by listing its own running executions, retried with backoff and caught into the notify-and-fail path', () => {
      const { StartAt, States } = asl();
      expect(StartAt).toBe(GUARD.start);
      expect(States[GUARD.start]).toMatchObject({ Type: 'Pass', Result: { listings: 0 }, ResultPath: '$.overlap', Next: GUARD.list });
      const list = States[GUARD.list]!;
      expect(list.Resource).toBe('arn:<Ref:AWS::Partition>:states:::aws-sdk:sfn:listExecutions');
      // The largest page: a burst of file drops starts a run each, and the oldest must stay on it.
      expect(list.Parameters).toEqual({ 'StateMachineArn.$': '$$.StateMachine.Id', StatusFilter: 'RUNNING', MaxResults: 1000 });
      // Only the ARNs and their count stay in the execution state.
      expect(list.ResultSelector).toEqual({ 'executions.$': '$.Executions', 'count.$': 'States.ArrayLength($.Executions)' });
      expect(list.ResultPath).toBe('$.overlap.listing');
      expect(list.Next).toBe(GUARD.read);
      expect(list.Retry).toEqual([{ ErrorEquals: ['States.ALL'], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' }]);
      expect(list.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'NotifyFailure' }]);
    });

    it('goes on only when the oldest running execution (the last listed) is this one; the skip branch ends in Succeed', () => {
      const { States } = asl();
      expect(States[GUARD.read]!.Parameters).toMatchObject({ 'last.$': 'States.MathAdd($.overlap.listing.count, -1)' });
      expect(States[GUARD.find]!.Parameters).toMatchObject({ 'running.$': '$.overlap.executions[*].ExecutionArn' });
      expect(States[GUARD.find]!.Next).toBe(GUARD.oldest);
      expect(States[GUARD.oldest]!.Parameters).toMatchObject({
        'oldest.$': 'States.ArrayGetItem($.overlap.running, $.overlap.last)',
        'listed.$': 'States.ArrayContains($.overlap.running, $$.Execution.Id)',
      });
      expect(States[GUARD.oldest]!.Next).toBe(GUARD.decide);
      const decide = States[GUARD.decide]!;
      expect(decide.Type).toBe('Choice');
      expect(decide.Choices.at(-1)).toEqual({ Not: { Variable: '$.overlap.oldest', StringEqualsPath: '$$.Execution.Id' }, Next: GUARD.skip });
      expect(decide.Default).toBe(GUARD.goOn);
      const skip = States[GUARD.skip]!;
      expect(skip.Type).toBe('Pass');
      expect(skip.Parameters).toEqual({ 'skipped.$': `States.Format('another run of ${name} is still running: {}', $.overlap.oldest)` });
      expect(skip.Next).toBe(GUARD.skipped);
      expect(States[GUARD.skipped]).toMatchObject({ Type: 'Succeed' });
      // Going on: the execution input as it started, into the flow's first state.
      const goOn = States[GUARD.goOn]!;
      expect(goOn).toMatchObject({ Type: 'Pass', Parameters: { 'input.$': '$$.Execution.Input' }, OutputPath: '$.input' });
      const first = flow.steps[0]!;
      // A repeating flow counts its passes first.
      expect(goOn.Next).toBe(flow.repeatWhileAny ? 'CountPasses' : flow.options ? 'OptionDefaults' : first.kind === 'map' && 'values' in first.items ? `${first.name}Items` : first.name);
    });

    it('does not trust a listing without this run (eventually consistent): lists again, a bounded number of times, then notifies and fails', () => {
      const { States } = asl();
      const again = { Variable: '$.overlap.listings', NumericLessThan: 5 };
      expect(States[GUARD.anyListed]!.Choices).toEqual([
        { And: [{ Variable: '$.overlap.count', NumericEquals: 0 }, again], Next: GUARD.wait },
        { Variable: '$.overlap.count', NumericEquals: 0, Next: GUARD.notListed },
      ]);
      expect(States[GUARD.anyListed]!.Default).toBe(GUARD.find);
      expect(States[GUARD.decide]!.Choices.slice(0, 2)).toEqual([
        { And: [{ Variable: '$.overlap.listed', BooleanEquals: false }, again], Next: GUARD.wait },
        { Variable: '$.overlap.listed', BooleanEquals: false, Next: GUARD.notListed },
      ]);
      expect(States[GUARD.wait]).toMatchObject({ Type: 'Wait', Next: GUARD.list });
      expect(States[GUARD.notListed]).toMatchObject({ Type: 'Pass', ResultPath: '$.error', Next: 'NotifyFailure', Result: { Error: 'OverlapCheckInconclusive' } });
    });

    it('its role may list the executions of exactly its own state machine, and of no other', () => {
      const [, machine] = machineOf(machineName);
      const roleId = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const statements = Object.values(resources)
        .filter((resource) => resource.Type === 'AWS::IAM::ManagedPolicy' || resource.Type === 'AWS::IAM::Policy')
        .filter((resource) => (resource.Properties.Roles ?? []).some((role: { Ref?: string }) => role.Ref === roleId))
        .flatMap((resource) => resource.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)
        .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('states:')));
      expect(statements).toHaveLength(1);
      expect(statements[0]!.Action).toBe('states:ListExecutions');
      expect(textOf(statements[0]!.Resource)).toBe(`arn:<Ref:AWS::Partition>:states:${region}:<Ref:AWS::AccountId>:stateMachine:${machineName}`);
    });
  });

  it('the local runner knows the guard\'s call (no flow is unrunnable for it)', () => {
    for (const flow of flows) {
      expect(flow.taskTargets.get(GUARD.list), flow.flow).toBe('runningExecutions');
      expect([...flow.unrunnable.values()].some((resource) => resource.includes('listExecutions')), flow.flow).toBe(false);
    }
  });

  describe('the process state machine run against recorded-shape ListExecutions responses (AWS SDK integration, PascalCase)', () => {
    const process = () => flows.find((flow) => flow.flow === PROCESS_FLOW.name)!;

    it('(a) only this run listed: the flow runs, its first step first, with its execution input as it started', async () => {
      const outcome = await runFlow(process(), () => listExecutionsResponse(THIS_RUN), { fullRefresh: true });
      expect(outcome.status).toBe('succeeded');
      expect(outcome.listings).toBe(1);
      expect(outcome.inputs[0]!.state).toBe('FindNewData');
      expect(outcome.inputs[0]!.input).toMatchObject({ runId: 'run-b', fullRefresh: true });
      expect(outcome.inputs[1]!.state).toBe('BuildTrustedTable1');
      expect(outcome.invoked.CheckQuality).toBe(1);
      expect(outcome.output.options).toEqual({ fullRefresh: true });
      expect(outcome.output).not.toHaveProperty('overlap');
      expect(outcome.output).not.toHaveProperty('skipped');
      expect(outcome.notified).toEqual([]);
    });

    it('(b) an older run still running, listed last: the run succeeds without invoking any handler, and says it skipped', async () => {
      const outcome = await runFlow(process(), () => listExecutionsResponse(THIS_RUN, OLDER_RUN));
      expect(outcome.status).toBe('succeeded');
      expect(outcome.invoked).toEqual({});
      expect(outcome.output).toEqual({ skipped: `another run of process is still running: ${OLDER_RUN}` });
      expect(outcome.notified).toEqual([]);
    });

    it('(b\') the older run of the two, listing a newer one first: goes on (exactly the older proceeds)', async () => {
      const NEWER_RUN = THIS_RUN.replace(/run-b$/, 'run-c');
      const outcome = await runFlow(process(), () => listExecutionsResponse(NEWER_RUN, THIS_RUN));
      expect(outcome.status).toBe('succeeded');
      expect(outcome.invoked.CheckQuality).toBe(1);
    });

    it('a listing that does not show this run yet (empty, or only another run) is listed again, then decides', async () => {
      const outcome = await runFlow(process(), (call) => (call === 1 ? listExecutionsResponse() : call === 2 ? listExecutionsResponse(OLDER_RUN) : listExecutionsResponse(THIS_RUN, OLDER_RUN)));
      expect(outcome.listings).toBe(3);
      expect(outcome.status).toBe('succeeded');
      expect(outcome.output.skipped).toContain(OLDER_RUN);
      expect(outcome.invoked).toEqual({});
    });

    it('a run never listed, or a ListExecutions that keeps failing, notifies and fails without running a step', async () => {
      const unlisted = await runFlow(process(), (call) => (call % 2 ? listExecutionsResponse() : listExecutionsResponse(OLDER_RUN)));
      expect(unlisted.status).toBe('failed');
      expect(unlisted.listings).toBe(5);
      expect(unlisted.invoked).toEqual({});
      expect(unlisted.notified).toHaveLength(1);
      expect(unlisted.notified[0]).toMatchObject({ Message: { flow: 'process', execution: THIS_RUN, error: 'OverlapCheckInconclusive' } });

      const throttled = await runFlow(process(), () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'Sfn.SfnException' });
      });
      expect(throttled.status).toBe('failed');
      expect(throttled.listings).toBe(4); // the call and its 3 retries
      expect(throttled.invoked).toEqual({});
      expect(throttled.notified).toHaveLength(1);
    });
  });
});
