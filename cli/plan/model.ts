/** One change model for both clouds: what `strata plan` renders as Markdown and writes as JSON. */

export type Cloud = 'aws' | 'azure';
export type Action = 'add' | 'change' | 'replace' | 'destroy';
export const ACTIONS: readonly Action[] = ['add', 'change', 'replace', 'destroy'];

/** One changed leaf; `path` walks into JSON held in strings (policies, state machine definitions) too. */
export interface PropertyChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface ResourceChange {
  readonly cloud: Cloud;
  readonly stack: string;
  /** Logical id (CloudFormation) or `type.name` (Terraform); `old -> new` when it changed. */
  readonly address: string;
  /** Construct path inside the stack, e.g. `Lake/Raw/Bucket`. */
  readonly path: string;
  readonly type: string;
  readonly action: Action;
  /** Why a replacement happens (e.g. the logical id changed, or which property forces it). */
  readonly why?: string;
  /** Only the deployment package changed (asset hash): shown as "code changed", never as attention. */
  readonly codeOnly: boolean;
  readonly stateful: boolean;
  /** What happens to the data on destroy/replace (DeletionPolicy, prevent_destroy). */
  readonly retention?: string;
  readonly properties: PropertyChange[];
  /** The state machine definition after the change, for the diagram. */
  readonly stateMachine?: { definition: Record<string, unknown>; addedStates: string[]; removedStates: string[] };
}

export type AttentionKind = 'destroy' | 'replace' | 'iam-widening' | 'public-exposure' | 'nag-finding' | 'nag-acknowledgement';
export const FAIL_ON: readonly AttentionKind[] = ['destroy', 'replace', 'iam-widening', 'public-exposure', 'nag-finding', 'nag-acknowledgement'];

export interface AttentionItem {
  readonly kind: AttentionKind;
  readonly cloud: Cloud;
  readonly stack: string;
  /** Construct path or address of the resource concerned. */
  readonly resource: string;
  readonly text: string;
}

export interface StackPlan {
  readonly cloud: Cloud;
  readonly name: string;
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly changes: ResourceChange[];
  /** Outputs and other non-resource blocks that changed. */
  readonly other: PropertyChange[];
}

export interface CostDelta {
  readonly base: Record<Cloud, number>;
  readonly head: Record<Cloud, number>;
  readonly usage: string;
  readonly lines: Array<{ id: string; cloud: string; component: string; base: number; head: number; delta: number; formula?: string }>;
}

export interface Side {
  readonly label: string;
  readonly version?: string;
  readonly environment?: string;
}

export interface Plan {
  readonly base: Side;
  readonly head: Side;
  readonly stacks: StackPlan[];
  readonly attention: AttentionItem[];
  readonly counts: Record<Cloud, Record<Action, number>>;
  readonly cost?: CostDelta;
  /** Why the cost delta is missing, when it is. */
  readonly costNote?: string;
}

export function countChanges(stacks: StackPlan[]): Record<Cloud, Record<Action, number>> {
  const counts = { aws: { add: 0, change: 0, replace: 0, destroy: 0 }, azure: { add: 0, change: 0, replace: 0, destroy: 0 } };
  for (const stack of stacks) for (const change of stack.changes) counts[change.cloud][change.action]++;
  return counts;
}
