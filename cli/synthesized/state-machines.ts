/** Step Functions state machines as synthesized: their ASL, read back out of CloudFormation. */
import { renderIntrinsic } from './intrinsics.ts';

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
