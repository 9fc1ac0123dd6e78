import { describe, expect, it } from 'vitest';
import { PROCESS_FLOW } from '../../support/catalog.ts';
import { loadEnvironment } from '../../../config/load-environment.ts';
import type { ComponentInput } from '../../../cli/cost/components/component.ts';
import { schedulerLines } from '../../../cli/cost/components/eventbridge-scheduler.ts';
import { keyVaultLines, rotationsPerMonth } from '../../../cli/cost/components/key-vault.ts';
import { lambdaLines } from '../../../cli/cost/components/lambda.ts';
import { stepFunctionsLines } from '../../../cli/cost/components/step-functions.ts';
import { flowRunsOf } from '../../../cli/cost/flow-runs.ts';
import { loadPriceBook } from '../../../cli/cost/price-book.ts';
import { loadUsage } from '../../../cli/cost/usage.ts';
import type { AwsResource, SynthesizedResources } from '../../../cli/synthesized/resources.ts';
import type { CfnResource, TfResource } from '../../../cli/synthesized/synth-output.ts';

const book = loadPriceBook();
const prod = loadEnvironment({ env: 'prod' }).environment;
const medium = loadUsage('medium').profile;

/** A component's input over hand-made resources: prod sizing (process rate(1 hour): 730 runs), medium usage, the shipped book. */
function inputOver(resources: { aws?: AwsResource[]; azure?: TfResource[] }): ComponentInput {
  const notes: string[] = [];
  const view: SynthesizedResources = { aws: resources.aws ?? [], azure: resources.azure ?? [], hasAws: (resources.aws ?? []).length > 0 };
  return { env: prod, usage: medium, usageName: 'medium', book, resources: view, flowRuns: flowRunsOf(prod, medium, notes), notes, warnings: [] };
}

const aws = (id: string, path: string, resource: CfnResource): AwsResource => ({ stack: 'strata-prod-pipelines', id, path, resource });
const tf = (type: string, name: string, body: Record<string, unknown>): TfResource => ({ address: `${type}.${name}`, type, name, path: name, body });

describe('Step Functions component', () => {
  const definition = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Parallel', Branches: [{ StartAt: 'C', States: { C: { Type: 'Pass', End: true } } }], End: true } } };

  it('prices a Standard machine by transitions: its flow\'s runs x every state, nested branches included', () => {
    const machine = aws('ProcessFlowStateMachine', 'ProcessFlow/StateMachine', { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: JSON.stringify(definition) } });
    const [line] = stepFunctionsLines(inputOver({ aws: [machine] }));
    // 730 process runs x 3 states (A, B and C inside B's branch) = 2,190 transitions
    expect(line!.id).toBe('aws.sfn.strata-prod-pipelines.ProcessFlowStateMachine');
    expect(line!.expected).toBeCloseTo((730 * 3 * 0.025) / 1000, 9);
    expect(line!.formula).toBe('730 executions (schedules.process rate(1 hour)) x 3 states = 2,190 transitions/1,000 x $0.025 = $0.05');
  });

  it('prices an Express machine by requests and 64 MB-seconds, not by transitions', () => {
    const machine = aws('IngestFlowStateMachine', 'IngestFlow/StateMachine', { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineType: 'EXPRESS', Definition: definition } });
    const [line] = stepFunctionsLines(inputOver({ aws: [machine] }));
    const input = inputOver({});
    const executions = input.flowRuns.ingest;
    const seconds = medium.stepFunctions.expressSecondsPerExecution;
    expect(line!.expected).toBeCloseTo(executions / 1_000_000 + executions * seconds * 0.0625 * 0.00001667, 9);
    expect(line!.formula).toMatch(/^[\d,.]+ executions \(schedules\.ingestSweep rate\(1 hour\) \+ [\d,.]+ file drops, usage ingestion\.fileDropsPerMonth\) \/1M x \$1 \+ /);
  });

  it('gives no line when the synthesized output deploys no state machine', () => {
    expect(stepFunctionsLines(inputOver({}))).toEqual([]);
  });
});

describe('EventBridge Scheduler component', () => {
  const schedule = (id: string, expression: unknown, description?: string) =>
    aws(id, `${id}/Schedule`, { Type: 'AWS::Scheduler::Schedule', Properties: { ScheduleExpression: expression, ...(description ? { Description: description } : {}) } });

  it('counts a schedule made from the environment from its key there, and any other from its own expression, noting one it cannot read as 0 runs', () => {
    const input = inputOver({
      aws: [schedule('Poller', 'rate(1 minute)', 'Polls the HTTP JSON sources into raw (schedules.ingest in the environment file).'), schedule('Extra', 'rate(1 hour)'), schedule('Odd', 'at(2026-01-01T00:00:00)')],
    });
    const [line] = schedulerLines(input);
    expect(line!.component).toBe('EventBridge Scheduler, 3 schedule(s)');
    expect(line!.formula).toBe('43,800 (schedules.ingest rate(1 minute)) + 730 + 0 = 44,530 invocations/1M x $1 = $0.04');
    expect(input.notes).toEqual([expect.stringMatching(/^schedule Odd\/Schedule: at\(2026-01-01T00:00:00\): not a schedule; .*; counted as 0 runs$/)]);
  });

  it('prices Step Functions, Lambda and the Scheduler from the same schedules: templates made from another file are priced from the environment, with a note', () => {
    // Templates synthesized with the process flow every 5 minutes, priced with prod, which runs it hourly.
    const machine = aws('processFlowStateMachine', 'PROCESS_FLOW/StateMachine', { Type: 'AWS::StepFunctions::StateMachine', Properties: { Definition: { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } } } });
    const fn = aws('transformFunction', 'transform/Function', { Type: 'AWS::Lambda::Function', Properties: {} });
    const input = inputOver({ aws: [machine, fn, schedule('processFlowSchedule', 'rate(5 minutes)', 'Starts strata-prod-process (schedules.process in the environment file).')] });
    const [sfn] = stepFunctionsLines(input);
    const [scheduler] = schedulerLines(input);
    const transform = lambdaLines(input).find((line) => line.id === 'aws.lambda.transform')!;
    expect(sfn!.formula).toMatch(/^730 executions \(schedules\.process rate\(1 hour\)\)/);
    expect(transform.formula).toMatch(/^730 process runs \(schedules\.process rate\(1 hour\)\)/);
    expect(scheduler!.formula).toBe('730 (schedules.process rate(1 hour)) = 730 invocations/1M x $1 = $0.00');
    expect(input.notes).toEqual([
      "schedule processFlowSchedule/Schedule: the templates run rate(5 minutes), the environment's schedules.process says rate(1 hour); priced from the environment, as every line of that flow is",
    ]);
  });
});

describe('Key Vault component', () => {
  it('reads automatic rotations per month from each key\'s rotation policy', () => {
    expect(rotationsPerMonth({ rotation_policy: { automatic: { time_after_creation: 'P1M' } } })).toBeCloseTo(1, 9);
    expect(rotationsPerMonth({ rotation_policy: { automatic: { time_after_creation: 'P1Y' } } })).toBeCloseTo(730 / 24 / 365, 9);
    expect(rotationsPerMonth({ rotation_policy: { expire_after: 'P2Y' } })).toBe(0);
  });

  it('prices operations from the usage profile and adds a rotation line only for keys that rotate', () => {
    const still = keyVaultLines(inputOver({ azure: [tf('azurerm_key_vault_key', 'lake', {})] }));
    expect(still.map((line) => line.id)).toEqual(['azure.keyvault.operations']);
    expect(still[0]!.expected).toBeCloseTo((medium.kms.requestsPerMonth / 10_000) * 0.15, 9);
    const rotating = keyVaultLines(inputOver({ azure: [tf('azurerm_key_vault_key', 'lake', { rotation_policy: { automatic: { time_after_creation: 'P1M' } } })] }));
    expect(rotating.map((line) => line.id)).toEqual(['azure.keyvault.operations', 'azure.keyvault.rotation']);
    expect(rotating[1]!.formula).toBe('1 rotations/month (rotation_policy) x $1 = $1.00');
  });
});
