/**
 * Runs a synthesized state machine in aws-local-stepfunctions with scripted
 * handlers: each Lambda task answers by its handler, the overlap guard's
 * ListExecutions lists this run alone (the SDK integration's recorded shape,
 * PascalCase). For specs of a definition's control flow; the handlers
 * themselves are specified in tests/lambdas.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import type { SynthesizedFlow } from '../../../cli/run/synthesized-flows.ts';
import { OVERLAP_GUARD_STATES as GUARD } from '../../../stacks/aws/constructs/pipeline-flow.ts';
// The local runner's module installs the Promise.withResolvers aws-local-stepfunctions 3 needs on Node 20.
import '../../../cli/run/local-runner.ts';

/** Answers of a handler (by name) to its inputs; a handler without one answers {}. */
export type ScriptedHandlers = Readonly<Record<string, (input: any) => unknown>>;

export async function runScriptedFlow(flow: SynthesizedFlow, script: ScriptedHandlers): Promise<{ output: unknown; handlers: string[] }> {
  const executionArn = `arn:aws:states:eu-west-1:111111111111:execution:${flow.stateMachineName}:run-a`;
  const handlers: string[] = [];
  const local: Record<string, (input: any) => Promise<unknown>> = {};
  for (const [state, target] of flow.taskTargets) {
    local[state] =
      target === 'runningExecutions'
        ? async () => ({ Executions: [{ ExecutionArn: executionArn, Status: 'RUNNING' }] })
        : async (input) => {
            handlers.push(String(target));
            return (script[String(target)] ?? (() => ({})))(input);
          };
  }
  const machine = new StateMachine(structuredClone(flow.definition) as never, { validationOptions: { checkArn: false } });
  const execution = machine.run({}, {
    overrides: { taskResourceLocalHandlers: local as never, waitTimeOverrides: { [GUARD.wait]: 0 } },
    context: { Execution: { Id: executionArn, Name: 'run-a', Input: {} }, StateMachine: { Id: executionArn.replace(':execution:', ':stateMachine:').replace(/:run-a$/, ''), Name: flow.stateMachineName } } as never,
  });
  return { output: await execution.result, handlers };
}
