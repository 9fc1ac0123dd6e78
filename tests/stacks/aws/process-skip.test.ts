/**
 * The process flow on AWS ends at once when nothing landed since the last
 * merge: the synthesized state machine, run in aws-local-stepfunctions with
 * scripted handlers (find-new-data itself is specified in
 * tests/lambdas/transform/find-new-data.test.ts).
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { flowsFromTemplate, type SynthesizedFlow } from '../../../cli/run/synthesized-flows.ts';
import { OVERLAP_GUARD_STATES as GUARD } from '../../../stacks/aws/constructs/pipeline-flow.ts';
import { environmentNamed } from '../../support/environments.ts';
import { synthAws } from './synth-aws.ts';
// The local runner's module installs the Promise.withResolvers aws-local-stepfunctions 3 needs on Node 20.
import '../../../cli/run/local-runner.ts';

const prod = environmentNamed('prod');
const THIS_RUN = 'arn:aws:states:eu-west-1:111111111111:execution:strata-prod-process-flow:run-a';

async function runProcess(flow: SynthesizedFlow, arrivals: unknown): Promise<{ output: unknown; handlers: string[] }> {
  const handlers: string[] = [];
  const local: Record<string, (input: any) => Promise<unknown>> = {};
  for (const [state, target] of flow.taskTargets) {
    local[state] =
      target === 'runningExecutions'
        ? // ListExecutions as the SDK integration answers it (recorded shape): only this run is running.
          async () => ({ Executions: [{ ExecutionArn: THIS_RUN, Status: 'RUNNING' }] })
        : async () => {
            handlers.push(String(target));
            return target === 'find-new-data' ? arrivals : {};
          };
  }
  const machine = new StateMachine(structuredClone(flow.definition) as never, { validationOptions: { checkArn: false } });
  const execution = machine.run({}, {
    overrides: { taskResourceLocalHandlers: local as never, waitTimeOverrides: { [GUARD.wait]: 0 } },
    context: { Execution: { Id: THIS_RUN, Name: 'run-a', Input: {} }, StateMachine: { Id: THIS_RUN, Name: 'strata-prod-process-flow' } } as never,
  });
  return { output: await execution.result, handlers };
}

describe('the process flow on AWS (prod), when nothing is new', () => {
  let process: SynthesizedFlow;
  beforeAll(() => {
    const template = synthAws(prod).templates.pipelines.toJSON();
    process = flowsFromTemplate(template as never, prod).find((flow) => flow.flow === 'process')!;
  });

  it('ends after its check, succeeded, having run no build and no quality check, and says why', async () => {
    const { output, handlers } = await runProcess(process, { due: false, reason: 'nothing new since the last merge', tables: [] });
    expect(handlers).toEqual(['find-new-data']);
    expect(output).toEqual({ skipped: 'nothing new since the last merge' });
  });

  it('runs every build and the quality check when something is new', async () => {
    const { handlers } = await runProcess(process, { due: true, reason: 'new staged files for orders', tables: ['orders'] });
    expect(handlers[0]).toBe('find-new-data');
    expect(handlers).toContain('build-trusted');
    expect(handlers.at(-1)).toBe('check-quality');
  });
});
