/** CloudFormation, diffed offline with @aws-cdk/cloudformation-diff, into the shared change model. */
import { fullDiff, ResourceImpact, type ResourceDifference } from '@aws-cdk/cloudformation-diff';
import { stateMachineDefinition } from '../synthesized/state-machines.ts';
import { diffValues, equal } from './json-diff.ts';
import type { AttentionItem, PropertyChange, ResourceChange, StackPlan } from './model.ts';
import { exposures, iamWidenings, isStateful } from './risks.ts';
import type { CfnResource, CfnStack, NagEntry, SynthOutput } from '../synthesized/synth-output.ts';

const EMPTY = { Resources: {} };
/** Up to this many new acknowledgements are listed with their reasons; more are grouped per resource. */
const ACKNOWLEDGEMENTS_ONE_BY_ONE = 10;
/** Properties that only carry a deployment package: a change there alone is "code changed". */
const CODE_PROPERTIES = /^(Code|Content|DefinitionS3Location|SourceBundle|InlineCode)(\.|$)/;
/** Properties that name a resource: equal names mean a renamed logical id is the same thing. */
const NAME_PROPERTY = /(^Name$|Name$)/;

export function diffAws(base: SynthOutput, head: SynthOutput): { stacks: StackPlan[]; attention: AttentionItem[] } {
  const names = [...new Set([...base.aws.map((s) => s.name), ...head.aws.map((s) => s.name)])].sort();
  const stacks: StackPlan[] = [];
  const attention: AttentionItem[] = [];
  for (const name of names) {
    const before = base.aws.find((s) => s.name === name);
    const after = head.aws.find((s) => s.name === name);
    const { changes, other } = diffStack(name, before, after);
    const status = !before ? 'added' : !after ? 'removed' : changes.length + other.length > 0 ? 'changed' : 'unchanged';
    stacks.push({ cloud: 'aws', name, status, changes, other });
    attention.push(...attentionFor(changes, before, after));
  }
  attention.push(...nagAttention(base, head));
  return { stacks, attention };
}

function diffStack(stack: string, before: CfnStack | undefined, after: CfnStack | undefined) {
  const oldTemplate = before?.template ?? EMPTY;
  const newTemplate = after?.template ?? EMPTY;
  const diff = fullDiff(oldTemplate, newTemplate);
  const pathOf = (id: string) => after?.paths.get(id) ?? before?.paths.get(id) ?? id;
  const changes: ResourceChange[] = [];
  const removed: Array<[string, ResourceDifference]> = [];
  const added: Array<[string, ResourceDifference]> = [];

  diff.resources.forEachDifference((id, change) => {
    if (change.isAddition) added.push([id, change]);
    else if (change.isRemoval) removed.push([id, change]);
    else changes.push(updated(stack, id, pathOf(id), change));
  });

  // A logical id that changed is a replacement, whatever the diff calls it: pair them by type and name.
  for (const [oldId, oldChange] of [...removed]) {
    const type = oldChange.oldResourceType!;
    const candidates = added.filter(([, c]) => c.newResourceType === type);
    const byName = candidates.find(([, c]) => sameName(oldChange.oldValue, c.newValue));
    const pair = byName ?? (candidates.length === 1 && removed.filter(([, c]) => c.oldResourceType === type).length === 1 ? candidates[0] : undefined);
    if (!pair) continue;
    const [newId, newChange] = pair;
    added.splice(added.indexOf(pair), 1);
    removed.splice(removed.findIndex(([id]) => id === oldId), 1);
    changes.push({
      cloud: 'aws',
      stack,
      address: `${oldId} -> ${newId}`,
      path: pathOf(newId),
      type,
      action: 'replace',
      why: `logical id changed from ${oldId} to ${newId}: CloudFormation creates the new resource, then deletes the old one`,
      codeOnly: false,
      stateful: isStateful(type),
      retention: retentionOf(oldChange.oldValue as CfnResource, 'replace'),
      properties: propertyChanges(oldChange.oldValue, newChange.newValue),
      stateMachine: machine(type, oldChange.oldValue?.Properties, newChange.newValue?.Properties),
    });
  }
  for (const [id, change] of added) {
    const type = change.newResourceType!;
    changes.push({ cloud: 'aws', stack, address: id, path: pathOf(id), type, action: 'add', codeOnly: false, stateful: isStateful(type), properties: [], stateMachine: machine(type, undefined, change.newValue?.Properties) });
  }
  for (const [id, change] of removed) {
    const type = change.oldResourceType!;
    changes.push({ cloud: 'aws', stack, address: id, path: pathOf(id), type, action: 'destroy', codeOnly: false, stateful: isStateful(type), retention: retentionOf(change.oldValue as CfnResource, 'destroy'), properties: [] });
  }

  const other: PropertyChange[] = [];
  diff.outputs.forEachDifference((id, change) => other.push(...diffValues(change.oldValue, change.newValue, `Outputs.${id}`)));
  diff.parameters.forEachDifference((id, change) => other.push(...diffValues(change.oldValue, change.newValue, `Parameters.${id}`)));
  changes.sort((a, b) => a.path.localeCompare(b.path) || a.address.localeCompare(b.address));
  return { changes, other };
}

function updated(stack: string, id: string, path: string, change: ResourceDifference): ResourceChange {
  const type = change.newResourceType ?? change.oldResourceType!;
  const properties = propertyChanges(change.oldValue, change.newValue);
  const impact = change.changeImpact;
  const replacing = impact === ResourceImpact.WILL_REPLACE || impact === ResourceImpact.MAY_REPLACE;
  const forcing = Object.entries(change.propertyUpdates)
    .filter(([, update]) => update.changeImpact === ResourceImpact.WILL_REPLACE || update.changeImpact === ResourceImpact.MAY_REPLACE)
    .map(([name]) => name)
    .sort();
  const codeOnly = !replacing && properties.length > 0 && properties.every((p) => CODE_PROPERTIES.test(p.path.replace(/^Properties\./, '')));
  return {
    cloud: 'aws',
    stack,
    address: id,
    path,
    type,
    action: replacing ? 'replace' : 'change',
    why: replacing ? `${impact === ResourceImpact.MAY_REPLACE ? 'may be replaced' : 'replaced'}: ${forcing.join(', ') || 'its type'} cannot change in place` : undefined,
    codeOnly,
    stateful: isStateful(type),
    retention: replacing ? retentionOf(change.oldValue as CfnResource, 'replace') : undefined,
    properties,
    stateMachine: machine(type, change.oldValue?.Properties, change.newValue?.Properties),
  };
}

/** Leaf changes under Properties and the resource attributes reviewers care about (policies, conditions); never Metadata. */
function propertyChanges(before: CfnResource | undefined, after: CfnResource | undefined): PropertyChange[] {
  const pick = (resource: CfnResource | undefined) => {
    if (!resource) return {};
    const { Metadata: _metadata, Type: _type, ...rest } = resource;
    return rest;
  };
  return diffValues(pick(before), pick(after));
}

function sameName(before: CfnResource | undefined, after: CfnResource | undefined): boolean {
  const names = Object.keys(before?.Properties ?? {}).filter((key) => NAME_PROPERTY.test(key));
  return names.length > 0 && names.every((key) => equal(before?.Properties?.[key], after?.Properties?.[key]));
}

function retentionOf(resource: CfnResource | undefined, action: 'destroy' | 'replace'): string {
  const policy = action === 'destroy' ? resource?.DeletionPolicy : (resource?.UpdateReplacePolicy ?? resource?.DeletionPolicy);
  const attribute = action === 'destroy' ? 'DeletionPolicy' : 'UpdateReplacePolicy';
  if (policy === 'Retain' || policy === 'RetainExceptOnCreate') return `${attribute} ${policy}: the old resource and its data stay in the account, outside the stack`;
  if (policy === 'Snapshot') return `${attribute} Snapshot: a snapshot is kept, the resource is deleted`;
  return `${attribute} ${policy ?? 'Delete (default)'}: the old resource is deleted with its data`;
}

function machine(type: string, before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): ResourceChange['stateMachine'] {
  if (type !== 'AWS::StepFunctions::StateMachine') return undefined;
  const definition = stateMachineDefinition(after);
  if (!definition) return undefined;
  const oldStates = stateNames(stateMachineDefinition(before));
  const newStates = stateNames(definition);
  if (before && oldStates.length === newStates.length && oldStates.every((s, i) => s === newStates[i]) && equal(stateMachineDefinition(before), definition)) return undefined;
  return {
    definition,
    addedStates: before ? newStates.filter((s) => !oldStates.includes(s)) : [],
    removedStates: oldStates.filter((s) => !newStates.includes(s)),
  };
}

function stateNames(definition: Record<string, unknown> | undefined): string[] {
  const names: string[] = [];
  const visit = (node: unknown) => {
    for (const [name, state] of Object.entries((node as { States?: Record<string, Record<string, unknown>> })?.States ?? {})) {
      names.push(name);
      for (const branch of [...((state.Branches as unknown[]) ?? []), state.Iterator, state.ItemProcessor]) if (branch) visit(branch);
    }
  };
  visit(definition);
  return names.sort();
}

/**
 * The old side's properties with every renamed logical id (`Old -> New`) written as its new one: a policy
 * that moves with its renamed bucket refers to the new bucket, and is compared statement by statement.
 */
function withRenames(properties: Record<string, unknown> | undefined, renames: ReadonlyMap<string, string>): Record<string, unknown> | undefined {
  if (!properties || renames.size === 0) return properties;
  let text = JSON.stringify(properties);
  for (const [oldId, newId] of renames) text = text.replaceAll(JSON.stringify(oldId), JSON.stringify(newId));
  return JSON.parse(text) as Record<string, unknown>;
}

function attentionFor(changes: ResourceChange[], before: CfnStack | undefined, after: CfnStack | undefined): AttentionItem[] {
  const items: AttentionItem[] = [];
  const renames = new Map(changes.filter((change) => change.address.includes(' -> ')).map((change) => change.address.split(' -> ') as [string, string]));
  for (const change of changes) {
    const where = { cloud: 'aws' as const, stack: change.stack, resource: `${change.path} (${change.type})` };
    if (change.stateful && (change.action === 'destroy' || change.action === 'replace')) {
      items.push({ ...where, kind: change.action, text: `${change.why ? `${change.why}. ` : ''}${change.retention ?? ''}`.trim() });
    }
    const [oldId, newId] = change.address.includes(' -> ') ? change.address.split(' -> ') : [change.address, change.address];
    const oldResource = change.action === 'add' ? undefined : before?.template.Resources?.[oldId!];
    const newResource = change.action === 'destroy' ? undefined : after?.template.Resources?.[newId!];
    const oldProperties = withRenames(oldResource?.Properties, renames);
    const widenings = iamWidenings(oldProperties, newResource?.Properties, oldProperties?.ManagedPolicyArns, newResource?.Properties?.ManagedPolicyArns);
    if (change.action === 'add' && widenings.length > 1) {
      // A new policy is one item: its grants in a line, the statements in the details and the JSON.
      const reasons = [...new Set(widenings.flatMap((w) => w.reasons))].sort();
      items.push({ ...where, kind: 'iam-widening', text: `new, ${widenings.length} grants: ${widenings.map((w) => w.text.replace(/ on .*$/, '').replace(/^[^:]*: Allow /, '')).join('; ')} (${reasons.join(', ')})` });
    } else {
      for (const widening of widenings) items.push({ ...where, kind: 'iam-widening', text: `${widening.text} (${widening.reasons.join(', ')})` });
    }
    const oldExposure = new Set(exposures(change.type, oldResource?.Properties));
    for (const exposure of exposures(change.type, newResource?.Properties)) if (!oldExposure.has(exposure)) items.push({ ...where, kind: 'public-exposure', text: exposure });
  }
  return items;
}

function nagAttention(base: SynthOutput, head: SynthOutput): AttentionItem[] {
  const key = (entry: NagEntry) => `${entry.stack}|${entry.rule}|${entry.resource}`;
  const items: AttentionItem[] = [];
  const oldFindings = new Set(base.findings.map(key));
  for (const finding of head.findings) if (!oldFindings.has(key(finding))) items.push({ kind: 'nag-finding', cloud: 'aws', stack: finding.stack, resource: finding.resource, text: `${finding.rule}: ${finding.text}` });
  const oldAcks = new Set(base.acknowledgements.map(key));
  const added = head.acknowledgements.filter((ack) => !oldAcks.has(key(ack)));
  if (added.length <= ACKNOWLEDGEMENTS_ONE_BY_ONE) {
    for (const ack of added) items.push({ kind: 'nag-acknowledgement', cloud: 'aws', stack: ack.stack, resource: ack.resource, text: `${ack.rule} acknowledged: "${ack.text}"` });
    return items;
  }
  // A new stack brings dozens: one line per resource, the reasons stay in the JSON (and in the code beside each resource).
  const byResource = new Map<string, NagEntry[]>();
  for (const ack of added) byResource.set(`${ack.stack}|${ack.resource}`, [...(byResource.get(`${ack.stack}|${ack.resource}`) ?? []), ack]);
  for (const acks of byResource.values()) {
    items.push({ kind: 'nag-acknowledgement', cloud: 'aws', stack: acks[0]!.stack, resource: acks[0]!.resource, text: `${acks.map((ack) => ack.rule).sort().join(', ')} acknowledged (reasons in plan.json)` });
  }
  return items;
}

