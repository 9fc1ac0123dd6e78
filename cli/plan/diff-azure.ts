/** Terraform JSON (CDKTF output), diffed structurally into the shared change model. */
import { diffValues, equal, isObject } from './json-diff.ts';
import type { AttentionItem, PropertyChange, ResourceChange, StackPlan } from './model.ts';
import { exposures, isStateful, roleAssignmentText, sameAccess } from './risks.ts';
import type { SynthOutput, TfResource, TfStack } from '../synthesized/synth-output.ts';

/**
 * Arguments that force a new resource. Terraform knows this from provider
 * schemas, which are not available offline; these are the ones the providers
 * mark ForceNew on the types that hold data or identity, plus
 * name/location/resource group, which are ForceNew on nearly every azurerm
 * resource (not on databricks ones: a warehouse or a cluster policy is renamed
 * in place).
 */
const FORCE_NEW_AZURERM = ['name', 'location', 'resource_group_name'];
const FORCE_NEW: Record<string, string[]> = {
  azurerm_storage_account: ['account_kind', 'is_hns_enabled', 'nfsv3_enabled'],
  azurerm_storage_container: ['storage_account_name', 'storage_account_id'],
  azurerm_storage_data_lake_gen2_filesystem: ['storage_account_id'],
  azurerm_key_vault: ['tenant_id'],
  azurerm_key_vault_key: ['key_vault_id', 'key_type', 'key_size', 'curve'],
  azurerm_key_vault_secret: ['key_vault_id'],
  azurerm_databricks_workspace: ['managed_resource_group_name', 'custom_parameters.virtual_network_id', 'custom_parameters.storage_account_name'],
  // A role assignment cannot be updated at all: every argument replaces it.
  azurerm_role_assignment: [
    'scope',
    'principal_id',
    'principal_type',
    'role_definition_name',
    'role_definition_id',
    'condition',
    'condition_version',
    'description',
    'delegated_managed_identity_resource_id',
    'skip_service_principal_aad_check',
  ],
  // A Flex Consumption app cannot move to another plan; a new app has a new hostname and new host keys.
  azurerm_function_app_flex_consumption: ['service_plan_id'],
  azurerm_service_plan: ['os_type'],
  azurerm_application_insights: ['application_type'],
  azurerm_eventgrid_topic: ['input_schema', 'input_mapping_fields', 'input_mapping_default_values'],
  azurerm_monitor_metric_alert: [],
  // Databricks: the object a grant or permission is about, and ids fixed at creation.
  databricks_service_principal: ['application_id'],
  databricks_directory: ['path'],
  databricks_secret_scope: ['name'],
  databricks_storage_credential: ['metastore_id'],
  databricks_permissions: ['sql_endpoint_id', 'cluster_policy_id', 'cluster_id', 'job_id', 'directory_path', 'directory_id', 'notebook_path', 'notebook_id', 'workspace_file_path', 'experiment_id', 'registered_model_id', 'serving_endpoint_id'],
  databricks_grants: ['metastore', 'catalog', 'schema', 'table', 'volume', 'model', 'function', 'external_location', 'storage_credential'],
};
/** Every Data Factory child (pipeline, trigger, linked service, dataset...) belongs to one factory for life. */
const FORCE_NEW_DATA_FACTORY_CHILD = ['data_factory_id'];

/**
 * The bundle the function apps deploy; a change in it alone means new code, nothing else. The Flex apps get
 * it from a terraform_data that publishes it (its hash and the path in its command); other apps name it.
 */
const CODE_ARGUMENTS: Record<string, RegExp> = {
  terraform_data: /^(triggers_replace\.bundleSha256|provisioner\[0\]\.local-exec\.command)$/,
  azurerm_linux_function_app: /^zip_deploy_file$/,
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
    const properties = propertyChanges(next.type, previous.body, next.body);
    if (properties.length === 0) continue;
    const forcing = forceNew(next.type).filter((argument) => properties.some((p) => p.path === argument || p.path.startsWith(`${argument}.`) || p.path.startsWith(`${argument}[`)));
    const code = CODE_ARGUMENTS[next.type];
    const codeOnly = forcing.length === 0 && code !== undefined && properties.every((p) => code.test(p.path));
    changes.push({
      cloud: 'azure',
      stack,
      address,
      path: next.path,
      type: next.type,
      action: forcing.length > 0 ? 'replace' : 'change',
      why:
        forcing.length > 0
          ? `replaced: ${forcing.join(', ')} cannot change in place${next.type === 'azurerm_role_assignment' && sameAccess(previous.body, next.body) ? '; recreated, no access change (same principal, role, scope and condition)' : replacementConsequence(next.type)}`
          : codeOnly ? 'new code deployed (the function bundle changed; settings did not)' : undefined,
      codeOnly,
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
      why: `address changed from ${old.address} to ${pair.address}: Terraform destroys the old one and creates the new one (unless a moved block says otherwise)${replacementConsequence(old.type)}`,
      codeOnly: false,
      stateful: isStateful(old.type),
      retention: retentionOf(old),
      properties: propertyChanges(old.type, old.body, pair.body),
    });
  }
  // A role assignment on a renamed resource is destroyed and created with it: the same grant, moved. (So is one
  // whose own address alone changed.)
  const renames = renamesIn(changes);
  for (const grant of added.filter((r) => r.type === 'azurerm_role_assignment')) {
    const old = removed.find((r) => r.type === 'azurerm_role_assignment' && sameAccess(withRenames(r.body, renames), grant.body));
    if (!old) continue;
    const scopeRenamed = JSON.stringify(withRenames(old.body, renames)) !== JSON.stringify(old.body);
    removed.splice(removed.indexOf(old), 1);
    added.splice(added.indexOf(grant), 1);
    changes.push({
      cloud: 'azure',
      stack,
      address: `${old.address} -> ${grant.address}`,
      path: grant.path,
      type: grant.type,
      action: 'replace',
      why: scopeRenamed
        ? 'address changed with its scope, which is renamed: recreated, no access change (same principal, role and condition, on the resource that replaces the old scope)'
        : `address changed from ${old.address} to ${grant.address}: recreated, no access change (same principal, role, scope and condition)`,
      codeOnly: false,
      stateful: false,
      properties: propertyChanges(grant.type, old.body, grant.body),
    });
  }
  for (const resource of added) changes.push({ cloud: 'azure', stack, address: resource.address, path: resource.path, type: resource.type, action: 'add', codeOnly: false, stateful: isStateful(resource.type), properties: [] });
  for (const resource of removed) {
    changes.push({ cloud: 'azure', stack, address: resource.address, path: resource.path, type: resource.type, action: 'destroy', codeOnly: false, stateful: isStateful(resource.type), retention: retentionOf(resource), properties: [] });
  }
  return changes.sort((a, b) => a.path.localeCompare(b.path) || a.address.localeCompare(b.address));
}

/** Old address -> new address of the resources a plan of one stack replaces by renaming. */
function renamesIn(changes: readonly ResourceChange[]): Map<string, string> {
  return new Map(changes.filter((change) => change.address.includes(' -> ')).map((change) => change.address.split(' -> ') as [string, string]));
}

/** A resource's body with its references to renamed resources pointing at their new addresses. */
function withRenames(body: Record<string, unknown>, renames: ReadonlyMap<string, string>): Record<string, unknown> {
  let text = JSON.stringify(body);
  for (const [from, to] of renames) text = text.replace(new RegExp(`\\$\\{${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[.}\\[])`, 'g'), () => `\${${to}`);
  return JSON.parse(text) as Record<string, unknown>;
}

function forceNew(type: string): string[] {
  return [...(type.startsWith('azurerm_') ? FORCE_NEW_AZURERM : []), ...(type.startsWith('azurerm_data_factory_') ? FORCE_NEW_DATA_FACTORY_CHILD : []), ...(FORCE_NEW[type] ?? [])];
}

/** What else a replacement takes with it, for types where that is the real risk. */
function replacementConsequence(type: string): string {
  if (type === 'azurerm_user_assigned_identity') return '; the new identity has a new principal id, so every role assignment, Key Vault access and Databricks grant given to it is replaced too';
  if (type === 'azurerm_data_factory') return '; its pipelines, triggers and linked services are recreated, its system-assigned identity (and its role assignments) is new, and its run history is lost';
  if (type === 'azurerm_function_app_flex_consumption') return '; the new app has a new hostname and new host keys, which the same apply writes to the Key Vault secret the pipelines read the key from';
  return '';
}

/**
 * Property changes of one resource. A pipeline's `activities_json` reads as
 * activities added and removed by name, and per-activity changes under
 * `activities_json.<name>`, instead of one long JSON string or array indexes.
 */
function propertyChanges(type: string, before: Record<string, unknown>, after: Record<string, unknown>): PropertyChange[] {
  if (type !== 'azurerm_data_factory_pipeline') return diffValues(before, after);
  const { activities_json: oldActivities, ...oldRest } = before;
  const { activities_json: newActivities, ...newRest } = after;
  return [...activityChanges(oldActivities, newActivities), ...diffValues(oldRest, newRest)].sort((a, b) => a.path.localeCompare(b.path));
}

function retentionOf(resource: TfResource): string {
  const lifecycle = resource.body.lifecycle as { prevent_destroy?: boolean } | undefined;
  return lifecycle?.prevent_destroy === true
    ? 'prevent_destroy: terraform apply refuses until the guard is removed in code'
    : 'no prevent_destroy: terraform deletes it with its data';
}

function attentionFor(changes: ResourceChange[], before: TfStack | undefined, after: TfStack | undefined): AttentionItem[] {
  const items: AttentionItem[] = [];
  const renames = renamesIn(changes);
  for (const change of changes) {
    const where = { cloud: 'azure' as const, stack: change.stack, resource: change.address };
    if (change.stateful && (change.action === 'destroy' || change.action === 'replace')) items.push({ ...where, kind: change.action, text: `${change.why ? `${change.why}. ` : ''}${change.retention ?? ''}`.trim() });
    const [oldAddress, newAddress] = change.address.includes(' -> ') ? change.address.split(' -> ') : [change.address, change.address];
    const previous = change.action === 'add' ? undefined : before?.resources.get(oldAddress!);
    const next = change.action === 'destroy' ? undefined : after?.resources.get(newAddress!);
    // A replacement that keeps who, what, where and under which condition (a changed description forces one, and so
    // does a renamed scope) grants nothing new.
    if (change.type === 'azurerm_role_assignment' && next && (change.action === 'add' || change.action === 'replace') && !(previous && sameAccess(withRenames(previous.body, renames), next.body))) {
      const widening = roleAssignmentText(next.body, previous?.body);
      items.push({ ...where, kind: 'iam-widening', text: `${widening.text} (${widening.reasons.join(', ')})` });
    }
    const oldExposure = new Set(exposures(change.type, previous?.body));
    for (const exposure of exposures(change.type, next?.body)) if (!oldExposure.has(exposure)) items.push({ ...where, kind: 'public-exposure', text: exposure });
  }
  return items;
}

type Activity = Record<string, unknown> & { name?: unknown; typeProperties?: Record<string, unknown> };
/** Where Data Factory nests activities inside an activity (ForEach, Until, If, Switch). */
const NESTED = ['activities', 'ifTrueActivities', 'ifFalseActivities', 'defaultActivities'] as const;

/** Activities by name, nested ones as `Outer/Inner`, each without its nested activities (they are entries of their own). */
function activitiesByName(value: unknown): Map<string, Activity> | undefined {
  let list: unknown = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(list)) return undefined;
  const byName = new Map<string, Activity>();
  const visit = (activities: unknown, prefix: string) => {
    for (const activity of (Array.isArray(activities) ? activities : []) as Activity[]) {
      if (!isObject(activity)) continue;
      const name = `${prefix}${String(activity.name ?? '?')}`;
      const typeProperties = { ...(activity.typeProperties ?? {}) };
      for (const key of NESTED) {
        if (typeProperties[key] === undefined) continue;
        visit(typeProperties[key], `${name}/`);
        delete typeProperties[key];
      }
      if (Array.isArray(typeProperties.cases)) {
        for (const entry of typeProperties.cases as Array<{ value?: unknown; activities?: unknown }>) visit(entry.activities, `${name}/`);
        typeProperties.cases = (typeProperties.cases as Array<{ value?: unknown }>).map((entry) => entry.value);
      }
      byName.set(name, { ...activity, typeProperties });
    }
  };
  visit(list, '');
  return byName;
}

/**
 * A pipeline's activities before and after, as a reviewer reads them: which
 * activities were added or removed (by name, nested ones as `ForEach/Inner`),
 * and for the ones in both, what changed inside (`activities_json.<name>.<path>`).
 * Falls back to a plain diff when either side is not a JSON list of activities.
 */
export function activityChanges(before: unknown, after: unknown): PropertyChange[] {
  if (equal(before, after)) return [];
  const old = activitiesByName(before ?? '[]');
  const next = activitiesByName(after ?? '[]');
  if (!old || !next) return diffValues(before, after, 'activities_json');
  const removed = [...old.keys()].filter((name) => !next.has(name));
  const added = [...next.keys()].filter((name) => !old.has(name));
  const changes: PropertyChange[] = [];
  if (removed.length + added.length > 0) changes.push({ path: 'activities_json (activities)', ...(removed.length ? { before: removed } : {}), ...(added.length ? { after: added } : {}) });
  for (const [name, activity] of next) {
    const previous = old.get(name);
    if (previous) changes.push(...diffValues(previous, activity, `activities_json.${/^[A-Za-z_$][\w$:-]*$/.test(name) ? name : JSON.stringify(name)}`));
  }
  return changes;
}
