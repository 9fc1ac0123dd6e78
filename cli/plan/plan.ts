/** Builds the plan: both clouds diffed into one change model, risks gathered, cost compared. */
import type { LoadedEnvironment } from '../../config/load-environment.ts';
import { cloudTotals, compareEstimates, estimateFor, type CostContext } from '../cost/cost.ts';
import { diffAws } from './diff-aws.ts';
import { diffAzure } from './diff-azure.ts';
import { countChanges, FAIL_ON, type AttentionItem, type Cloud, type CostDelta, type Plan } from './model.ts';
import type { SynthOutput } from '../synthesized/synth-output.ts';

export interface PlanSide {
  readonly label: string;
  readonly output: SynthOutput;
  /** The environment file of that side, for the cost estimate; without it the cost delta is left out. */
  readonly environment?: LoadedEnvironment;
  /** Why that side has no environment to price with, when it is known (said in the plan instead of the delta). */
  readonly environmentProblem?: string;
}

export function buildPlan(base: PlanSide, head: PlanSide, cost?: CostContext): Plan {
  const aws = diffAws(base.output, head.output);
  const azure = diffAzure(base.output, head.output);
  const stacks = [...aws.stacks, ...azure.stacks];
  const order = (item: AttentionItem) => FAIL_ON.indexOf(item.kind);
  const attention = [...aws.attention, ...azure.attention].sort(
    (a, b) => order(a) - order(b) || a.cloud.localeCompare(b.cloud) || a.stack.localeCompare(b.stack) || a.resource.localeCompare(b.resource) || a.text.localeCompare(b.text),
  );
  let costDelta: CostDelta | undefined;
  let costNote: string | undefined;
  if (!cost) costNote = 'no price book loaded';
  else if (!base.environment || !head.environment)
    costNote = base.environmentProblem ?? head.environmentProblem ?? 'no environment file for one side; pass --env or --base-config/--head-config';
  else {
    const before = estimateFor(cost, base.environment, base.output);
    const after = estimateFor(cost, head.environment, head.output);
    costDelta = {
      base: cloudTotals(before) as Record<Cloud, number>,
      head: cloudTotals(after) as Record<Cloud, number>,
      usage: cost.usage.name,
      lines: compareEstimates(before, after).map((d) => ({
        id: d.id,
        cloud: d.cloud,
        component: d.component,
        base: d.base?.expected ?? 0,
        head: d.head?.expected ?? 0,
        delta: d.delta,
        formula: d.head?.formula ?? d.base?.formula,
      })),
    };
  }
  return {
    base: { label: base.label, version: base.output.version, environment: base.output.environment },
    head: { label: head.label, version: head.output.version, environment: head.output.environment },
    stacks,
    attention,
    counts: countChanges(stacks),
    cost: costDelta,
    costNote,
  };
}
