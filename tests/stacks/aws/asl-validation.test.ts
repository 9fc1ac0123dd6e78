import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { FLOWS } from '../../support/catalog.ts';
import { flowsFromTemplate } from '../../../cli/run/synthesized-flows.ts';

import { environmentNamed } from '../../support/environments.ts';
import { synthAws } from './synth-aws.ts';

/** The pipelines template of an environment's synth (shared with other tests: read, never changed). */
function pipelinesTemplate(name: 'dev' | 'prod') {
  return synthAws(environmentNamed(name)).templates.pipelines.toJSON() as never;
}

/** asl-validator's findings on one definition: its JSON schema for ASL, JSONPaths, ARNs, transitions and terminal states. */
function aslErrors(definition: Record<string, unknown>): string[] {
  const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
  return result.isValid ? [] : result.errors.map((error) => `${error['Error code']}: ${error.Message}${error.path ? ` at ${error.path}` : ''}`);
}

describe('the synthesized state machines are valid ASL (asl-validator)', () => {
  for (const name of ['dev', 'prod'] as const) {
    it(`validates every ${name} flow, function ARNs and all`, () => {
      const environment = environmentNamed(name);
      const flows = flowsFromTemplate(pipelinesTemplate(name), environment);
      expect(flows.map((flow) => flow.flow)).toEqual(FLOWS.map((flow) => flow.name));
      for (const flow of flows) expect(aslErrors(flow.definition), flow.stateMachineName).toEqual([]);
    });
  }

  it('refuses a definition whose Next names no state, or whose path is not a JSONPath: the check can fail', () => {
    const environment = environmentNamed('dev');
    const [ingest] = flowsFromTemplate(pipelinesTemplate('dev'), environment);
    const broken = (change: (first: Record<string, unknown>) => void) => {
      const definition = structuredClone(ingest!.definition) as { StartAt: string; States: Record<string, Record<string, unknown>> };
      change(definition.States[definition.StartAt]!);
      return aslErrors(definition);
    };
    expect(broken((first) => (first.Next = 'NoSuchState')).join('\n')).toContain('NoSuchState');
    expect(broken((first) => (first.InputPath = 'not a path')).join('\n')).toContain('InputPath is invalid');
  });
});
