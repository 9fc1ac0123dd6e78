/** Terraform JSON (CDKTF output), diffed structurally into the shared change model. */
import { diffValues } from './json-diff.ts';
import type { AttentionItem, PropertyChange, ResourceChange, StackPlan } from './model.ts';
import { exposures, isStateful, roleAssignmentText } from './risks.ts';
import type { SynthOutput, TfResource, TfStack } from './synth-output.ts';

/**
 * Arguments that force a new resource. Terraform knows this from provider
 * schemas, which are not available offline; these are the ones azurerm marks
 * ForceNew on the types that hold data, plus name/location/resource group,
 * which are ForceNew on nearly every azurerm resource.
 */
const FORCE_NEW_EVERYWHERE = ['name', 'location', 'resource_group_name'];
const FORCE_NEW: Record<string, string[]> = {
  azurerm_storage_account: ['account_kind', 'is_hns_enabled', 'nfsv3_enabled'],
  azurerm_storage_container: ['storage_account_name', 'storage_account_id'],
  azurerm_storage_data_lake_gen2_filesystem: ['storage_account_id'],
  azurerm_key_vault: ['tenant_id'],
  azurerm_key_vault_key: ['key_vault_id', 'key_type', 'key_size', 'curve'],
  azurerm_key_vault_secret: ['key_vault_id'],
  azurerm_databricks_workspace: ['managed_resource_group_name', 'custom_parameters.virtual_network_id', 'custom_parameters.storage_account_name'],
  azurerm_role_assignment: ['scope', 'principal_id', 'role_definition_name', 'role_definition_id'],
};

export function diffAzure(base: SynthOutput, head: SynthOutput): { stacks: StackPlan[]; attention: AttentionItem[] } {
  const names = [...new Set([...base.azure.map((s) => s.name), ...head.azure.map((s) => s.name)])].sort();
  const stacks: StackPlan[] = [];
  const attention: AttentionItem[] = [];
  for (const name of names) {
    const before = base.azure.find((s) => s.name === name);
    const after = head.azure.find((s) => s.name === name);
    const changes = diffStack(name, before, after);
    const other: PropertyChange[] = diffValues(before?.other.output ?? {}, after?.other.output ?? {}, 'output');
    const status = !before ? 'added' : !after ? 'removed' : changes.length + other.length > 0 ? 'changed' : 'unchanged';
    stacks.push({ cloud: 'azure', name, status, changes, other });
    attention.push(...attentionFor(changes, before, after));
  }
  return { stacks, attention };
}

function diffStack(stack: string, before: TfStack | undefined, after: TfStack | undefined): ResourceChange[] {
  const oldResources = before?.resources ?? new Map<string, TfResource>();
  const newResources = after?.resources ?? new Map<string, TfResource>();
  const changes: ResourceChange[] = [];
  const removed = [...oldResources.values()].filter((r) => !newResources.has(r.address));
  const added = [...newResources.values()].filter((r) => !oldResources.has(r.address));

  for (const [address, next] of newResources) {
    const previous = oldResources.get(address);
    if (!previous) continue;
    const properties = diffValues(previous.body, next.body);
    if (properties.length === 0) continue;
    const forcing = forceNew(next.type).filter((argument) => properties.some((p) => p.path === argument || p.path.startsWith(`${argument}.`) || p.path.startsWith(`${argument}[`)));
    changes.push({
      cloud: 'azure',
      stack,
      address,
      path: next.path,
      type: next.type,
      action: forcing.length > 0 ? 'replace' : 'change',
      why: forcing.length > 0 ? `replaced: ${forcing.join(', ')} cannot change in place` : undefined,
      codeOnly: false,
      stateful: isStateful(next.type),
      retention: forcing.length > 0 ? retentionOf(previous) : undefined,
      properties,
    });
  }
  // A renamed resource (new address, same type and `name`) is destroyed and created by Terraform: a replacement.
  for (const old of [...removed]) {
    const pair = added.find((r) => r.type === old.type && r.body.name !== undefined && r.body.name === old.body.name);
    if (!pair) continue;
    removed.splice(removed.indexOf(old), 1);
    added.splice(added.indexOf(pair), 1);
    changes.push({
      cloud: 'azure',
      stack,
      address: `${old.address} -> ${pair.address}`,
      path: pair.path,
      type: old.type,
      action: 'replace',
      why: `address changed from ${old.address} to ${pair.address}: Terraform destroys the old one and creates the new one (unless a moved block says otherwise)`,
      codeOnly: false,
      stateful: isStateful(old.type),
      retention: retentionOf(old),
      properties: diffValues(old.body, pair.body),
    });
  }
  for (const resource of added) changes.push({ cloud: 'azure', stack, address: resource.address, path: resource.path, type: resource.type, action: 'add', codeOnly: false, stateful: isStateful(resource.type), properties: [] });
  for (const resource of removed) {
    changes.push({ cloud: 'azure', stack, address: resource.address, path: resource.path, type: resource.type, action: 'destroy', codeOnly: false, stateful: isStateful(resource.type), retention: retentionOf(resource), properties: [] });
  }
  return changes.sort((a, b) => a.path.localeCompare(b.path) || a.address.localeCompare(b.address));
}

function forceNew(type: string): string[] {
  return [...FORCE_NEW_EVERYWHERE, ...(FORCE_NEW[type] ?? [])];
}

function retentionOf(resource: TfResource): string {
  const lifecycle = resource.body.lifecycle as { prevent_destroy?: boolean } | undefined;
  return lifecycle?.prevent_destroy === true
    ? 'prevent_destroy: terraform apply refuses until the guard is removed in code'
    : 'no prevent_destroy: terraform deletes it with its data';
}

function attentionFor(changes: ResourceChange[], before: TfStack | undefined, after: TfStack | undefined): AttentionItem[] {
  const items: AttentionItem[] = [];
  for (const change of changes) {
    const where = { cloud: 'azure' as const, stack: change.stack, resource: change.address };
    if (change.stateful && (change.action === 'destroy' || change.action === 'replace')) items.push({ ...where, kind: change.action, text: `${change.why ? `${change.why}. ` : ''}${change.retention ?? ''}`.trim() });
    const [oldAddress, newAddress] = change.address.includes(' -> ') ? change.address.split(' -> ') : [change.address, change.address];
    const previous = change.action === 'add' ? undefined : before?.resources.get(oldAddress!);
    const next = change.action === 'destroy' ? undefined : after?.resources.get(newAddress!);
    if (change.type === 'azurerm_role_assignment' && next && (change.action === 'add' || change.action === 'replace')) {
      const widening = roleAssignmentText(next.body);
      items.push({ ...where, kind: 'iam-widening', text: `${widening.text} (${widening.reasons.join(', ')})` });
    }
    const oldExposure = new Set(exposures(change.type, previous?.body));
    for (const exposure of exposures(change.type, next?.body)) if (!oldExposure.has(exposure)) items.push({ ...where, kind: 'public-exposure', text: exposure });
  }
  return items;
}
