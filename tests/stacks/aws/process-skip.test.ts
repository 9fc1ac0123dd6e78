/**
 * The process flow on AWS ends at once when nothing landed since the last
 * merge: the synthesized state machine, run in aws-local-stepfunctions with
 * scripted handlers (find-new-data itself is specified in
 * tests/lambdas/transform/find-new-data.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { flowsFromTemplate, type SynthesizedFlow } from '../../../cli/run/synthesized-flows.ts';
import { environmentNamed } from '../../support/environments.ts';
import { runScriptedFlow } from './run-scripted-flow.ts';
import { synthAws } from './synth-aws.ts';

const prod = environmentNamed('prod');
const runProcess = (flow: SynthesizedFlow, arrivals: unknown) => runScriptedFlow(flow, { 'find-new-data': () => arrivals });

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
