/**
 * What a reviewer must not miss: stateful resources, IAM that widens, public
 * exposure. Rules are by resource type and policy shape, not by resource
 * name, so new stacks and constructs are covered as they appear.
 */
import { renderIntrinsic } from '../synthesized/intrinsics.ts';
import { isObject, stableStringify } from './json-diff.ts';

/** Resources whose replacement or destruction loses data or breaks everything that refers to them. */
const STATEFUL = new Set([
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::Glue::Database',
  'AWS::Glue::Table',
  'AWS::Logs::LogGroup',
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBCluster',
  'AWS::EFS::FileSystem',
  'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret',
  'AWS::SageMaker::ModelPackageGroup',
  'AWS::SageMaker::MlflowTrackingServer',
  'azurerm_resource_group',
  'azurerm_storage_account',
  'azurerm_storage_container',
  'azurerm_storage_data_lake_gen2_filesystem',
  'azurerm_key_vault',
  'azurerm_key_vault_key',
  'azurerm_key_vault_secret',
  'azurerm_databricks_workspace',
  'azurerm_log_analytics_workspace',
  // No data, but everything that refers to them breaks: a new identity is a new principal (its role
  // assignments and grants are replaced); a new factory has a new identity and loses its run history.
  'azurerm_user_assigned_identity',
  'azurerm_data_factory',
]);

export function isStateful(type: string): boolean {
  return STATEFUL.has(type);
}

// ---------------------------------------------------------------- IAM

const DATA_ACTION =
  /^(s3:(\*|Get\*|Put\*|Delete\*|(Get|Put|Delete|Restore)Object\w*|ListBucket\w*|Abort\w*)|kms:(\*|Decrypt\*?|Encrypt\*?|GenerateDataKey\w*\*?|ReEncrypt\w*\*?)|glue:(\*|(Create|Update|Delete|BatchCreate|BatchDelete|BatchUpdate|Get)(Table|Tables|Partition|Partitions|Database)\*?)|athena:(\*|StartQueryExecution|GetQueryResults)|dynamodb:|secretsmanager:(\*|GetSecretValue)|sqs:(\*|ReceiveMessage|SendMessage|DeleteMessage)|lakeformation:GetDataAccess|sagemaker:(\*|CreateTrainingJob))$/i;

interface Tuple {
  readonly key: string;
  readonly effect: string;
  readonly action: string;
  readonly resource: string;
  readonly principal: string;
  readonly condition: string;
  readonly statement: number;
  readonly document: string;
}

/** The policy documents a resource declares, by where they sit in its properties. */
function documents(properties: Record<string, unknown> | undefined): Array<{ where: string; doc: unknown }> {
  if (!properties) return [];
  const found: Array<{ where: string; doc: unknown }> = [];
  for (const key of ['PolicyDocument', 'AssumeRolePolicyDocument', 'KeyPolicy', 'ResourcePolicy']) if (properties[key] !== undefined) found.push({ where: key, doc: properties[key] });
  if (Array.isArray(properties.Policies)) {
    properties.Policies.forEach((policy: Record<string, unknown>, index) => found.push({ where: `Policies[${String(policy.PolicyName ?? index)}]`, doc: policy.PolicyDocument }));
  }
  // Lambda::Permission is a statement spread over properties.
  if (typeof properties.Action === 'string' && properties.Principal !== undefined && properties.FunctionName !== undefined) {
    found.push({ where: 'Permission', doc: { Statement: [{ Effect: 'Allow', Action: properties.Action, Principal: properties.Principal, Resource: properties.FunctionName, Condition: properties.SourceArn ? { ArnLike: { 'AWS:SourceArn': properties.SourceArn } } : undefined }] } });
  }
  return found;
}

/** A value as reviewers read it: references as `${Name}` / `${Name.Attr}`. */
export function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isObject(value) && (value['Fn::Join'] || value.Ref || value['Fn::GetAtt'] || value['Fn::Sub'])) return renderIntrinsic(value) ?? stableStringify(value);
  return stableStringify(value);
}

function list(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function principals(value: unknown): string[] {
  if (value === undefined) return [''];
  if (value === '*') return ['*'];
  if (isObject(value) && !value.Ref && !value['Fn::GetAtt'] && !value['Fn::Join']) {
    return Object.entries(value).flatMap(([kind, names]) => list(names).map((name) => `${kind}:${show(name)}`));
  }
  return list(value).map(show);
}

function tuples(properties: Record<string, unknown> | undefined): Tuple[] {
  const out: Tuple[] = [];
  for (const { where, doc } of documents(properties)) {
    const parsed = typeof doc === 'string' ? safeParse(doc) : doc;
    list((parsed as { Statement?: unknown })?.Statement).forEach((raw, index) => {
      const statement = raw as Record<string, unknown>;
      const effect = String(statement.Effect ?? 'Allow');
      const actions = statement.NotAction !== undefined ? list(statement.NotAction).map((a) => `NOT ${show(a)}`) : list(statement.Action).map(show);
      const resources = statement.NotResource !== undefined ? list(statement.NotResource).map((r) => `NOT ${show(r)}`) : list(statement.Resource ?? '').map(show);
      const condition = statement.Condition === undefined ? '' : stableStringify(statement.Condition);
      for (const principal of principals(statement.Principal)) {
        for (const action of actions) {
          for (const resource of resources) {
            out.push({ key: [where, effect, action, resource, principal, condition].join('|'), effect, action, resource, principal, condition, statement: index, document: where });
          }
        }
      }
    });
  }
  return out;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface Widening {
  readonly text: string;
  readonly reasons: string[];
}

/**
 * Access that `after` grants and `before` did not: new Allow (action, resource,
 * principal, condition) combinations, and Deny guards that went away. Only
 * widenings with a reason (wildcards, principals, data actions, a removed
 * guard) are returned; a new log-stream permission is detail, not attention.
 */
export function iamWidenings(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined, managedBefore: unknown, managedAfter: unknown): Widening[] {
  const old = new Set(tuples(before).map((t) => t.key));
  const next = tuples(after);
  const nextKeys = new Set(next.map((t) => t.key));
  const added = next.filter((t) => t.effect === 'Allow' && !old.has(t.key));
  const removedDeny = tuples(before).filter((t) => t.effect === 'Deny' && !nextKeys.has(t.key));
  const oldPrincipals = new Set(tuples(before).map((t) => `${t.document}|${t.principal}`));

  const result: Widening[] = [];
  const groups = new Map<string, Tuple[]>();
  for (const tuple of added) {
    const key = `${tuple.document}|${tuple.statement}|${tuple.principal}|${tuple.condition}`;
    groups.set(key, [...(groups.get(key) ?? []), tuple]);
  }
  for (const group of groups.values()) {
    const first = group[0]!;
    const actions = [...new Set(group.map((t) => t.action))].sort();
    const resources = [...new Set(group.map((t) => t.resource))].sort();
    const reasons: string[] = [];
    if (actions.some((a) => a === '*' || /:\*$/.test(a) || a.startsWith('NOT '))) reasons.push('wildcard action');
    if (resources.some((r) => r === '*' || r.startsWith('NOT '))) reasons.push('wildcard resource');
    if (first.principal && !oldPrincipals.has(`${first.document}|${first.principal}`)) reasons.push(first.principal === '*' || first.principal === 'AWS:*' ? 'any principal' : 'new principal');
    const data = actions.filter((a) => DATA_ACTION.test(a));
    if (data.length > 0) reasons.push('data actions');
    if (reasons.length === 0) continue;
    const who = first.principal ? ` to ${first.principal}` : '';
    const when = first.condition ? ` if ${first.condition}` : '';
    const on = resources.some(Boolean) ? ` on ${resources.join(', ')}` : '';
    result.push({ text: `${first.document}: Allow ${actions.join(', ')}${on}${who}${when}`, reasons });
  }
  const denyGroups = new Map<string, Tuple[]>();
  for (const tuple of removedDeny) denyGroups.set(`${tuple.document}|${tuple.statement}`, [...(denyGroups.get(`${tuple.document}|${tuple.statement}`) ?? []), tuple]);
  for (const group of denyGroups.values()) {
    result.push({ text: `${group[0]!.document}: Deny ${[...new Set(group.map((t) => t.action))].sort().join(', ')} removed`, reasons: ['guard removed'] });
  }
  const oldManaged = new Set(list(managedBefore).map(show));
  // A policy of the same template (`${LogicalId}`) is reported as its own resource; others (AWS managed) here.
  for (const arn of list(managedAfter).map(show)) if (!oldManaged.has(arn) && !/^\$\{[A-Za-z0-9]+\}$/.test(arn)) result.push({ text: `ManagedPolicyArns: attaches ${arn}`, reasons: ['managed policy attached'] });
  return result;
}

// ---------------------------------------------------------------- public exposure

/** Ways a resource is reachable by anyone; compared before/after so only new exposure is reported. */
export function exposures(type: string, properties: Record<string, unknown> | undefined): string[] {
  if (!properties) return [];
  const found: string[] = [];
  if (type === 'AWS::S3::Bucket') {
    const block = properties.PublicAccessBlockConfiguration as Record<string, unknown> | undefined;
    const off = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'].filter((flag) => block?.[flag] !== true);
    if (off.length > 0) found.push(`public access block off: ${off.join(', ')}`);
  }
  if (type === 'AWS::EC2::SecurityGroup' || type === 'AWS::EC2::SecurityGroupIngress') {
    const rules = type === 'AWS::EC2::SecurityGroup' ? list(properties.SecurityGroupIngress) : [properties];
    for (const rule of rules as Array<Record<string, unknown>>) {
      if (rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0') found.push(`ingress from the internet on ${String(rule.IpProtocol)} ${String(rule.FromPort ?? '')}-${String(rule.ToPort ?? '')}`);
    }
  }
  if (type === 'AWS::Lambda::Url' && properties.AuthType === 'NONE') found.push('function URL without authentication');
  if (type === 'AWS::ApiGateway::Method' && properties.AuthorizationType === 'NONE') found.push('API method without authorization');
  for (const tuple of tuples(properties)) {
    if (tuple.effect === 'Allow' && (tuple.principal === '*' || tuple.principal === 'AWS:*') && !tuple.condition) found.push(`${tuple.document} allows ${tuple.action} to anyone`);
  }
  if (type === 'azurerm_storage_account') {
    if (properties.allow_nested_items_to_be_public === true) found.push('blobs can be made public (allow_nested_items_to_be_public)');
    if (reachableFromAnyNetwork(properties, firstBlock(properties.network_rules)?.default_action)) found.push(ANY_NETWORK);
    if (properties.shared_access_key_enabled === true) found.push('shared keys accepted (shared_access_key_enabled)');
  }
  if (type === 'azurerm_key_vault' && reachableFromAnyNetwork(properties, firstBlock(properties.network_acls)?.default_action)) found.push(ANY_NETWORK);
  if (type === 'azurerm_function_app_flex_consumption' || type === 'azurerm_linux_function_app' || type === 'azurerm_windows_function_app') {
    if (reachableFromAnyNetwork(properties, firstBlock(properties.site_config)?.ip_restriction_default_action)) found.push(ANY_NETWORK);
  }
  if (type === 'azurerm_databricks_workspace') {
    if ((properties.custom_parameters as Record<string, unknown> | undefined)?.no_public_ip !== true) found.push('cluster nodes get public IPs (custom_parameters.no_public_ip not true)');
    if (properties.public_network_access_enabled === true) found.push('workspace reachable from any network (public_network_access_enabled)');
  }
  if (type === 'azurerm_storage_container' && ['blob', 'container'].includes(String(properties.container_access_type))) found.push(`anonymous read (container_access_type ${String(properties.container_access_type)})`);
  return [...new Set(found)];
}

const ANY_NETWORK = 'reachable from any network (public_network_access_enabled, which defaults to true, and no default Deny)';

/**
 * An azurerm resource whose public endpoint takes anyone's traffic: public network access not turned off (it is on
 * when left out, the provider's default) and no firewall that denies by default. Turning public access on, or
 * dropping the setting, is new exposure.
 */
function reachableFromAnyNetwork(properties: Record<string, unknown>, defaultAction: unknown): boolean {
  return properties.public_network_access_enabled !== false && defaultAction !== 'Deny';
}

/** A nested block as CDKTF writes it: an object, or a one-element list. */
function firstBlock(value: unknown): Record<string, unknown> | undefined {
  const block = Array.isArray(value) ? value[0] : value;
  return block && typeof block === 'object' ? (block as Record<string, unknown>) : undefined;
}

/** Azure role assignments as widening: who gets which role where, and under which ABAC condition (with the one it replaces). */
export function roleAssignmentText(body: Record<string, unknown>, before?: Record<string, unknown>): Widening {
  const role = show(body.role_definition_name ?? body.role_definition_id ?? '?');
  const reasons = ['new principal'];
  if (/data|crypto|secret|key vault|owner|contributor/i.test(role)) reasons.push('data actions');
  const condition = typeof body.condition === 'string' && body.condition.trim() ? ` if ${readableCondition(body.condition, show(body.scope ?? ''))}` : '';
  const oldCondition = before && typeof before.condition === 'string' && before.condition.trim() ? readableCondition(before.condition, show(before.scope ?? '')) : undefined;
  const was = before && !equalText(before.condition, body.condition) ? `; was ${oldCondition ? `if ${oldCondition}` : 'unconditioned'}` : '';
  if (before && before.condition !== undefined && body.condition === undefined) reasons.push('condition removed');
  return { text: `role "${role}" to ${show(body.principal_id ?? '?')} on ${show(body.scope ?? '?')}${condition}${was}`, reasons };
}

/** Two role assignments that give the same principal the same role on the same scope under the same condition. */
export function sameAccess(before: Record<string, unknown>, after: Record<string, unknown>): boolean {
  const keys = ['principal_id', 'role_definition_name', 'role_definition_id', 'scope'] as const;
  return keys.every((key) => JSON.stringify(before[key]) === JSON.stringify(after[key])) && equalText(before.condition, after.condition);
}

function equalText(a: unknown, b: unknown): boolean {
  return (typeof a === 'string' ? a.replace(/\s+/g, ' ').trim() : a) === (typeof b === 'string' ? b.replace(/\s+/g, ' ').trim() : b);
}

// ---------------------------------------------------------------- ABAC conditions

const BLOB_DATA = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs';
const ATTRIBUTES: Array<[RegExp, string]> = [
  [/@Resource\[Microsoft\.Storage\/storageAccounts\/blobServices\/containers\/blobs:path\]/g, 'blob path'],
  [/@Resource\[Microsoft\.Storage\/storageAccounts\/blobServices\/containers:name\]/g, 'container'],
  [/@Resource\[Microsoft\.Storage\/storageAccounts\/blobServices\/containers\/blobs\/tags:([^\]]+)\]/g, 'blob tag $1'],
  [/@Request\[Microsoft\.Storage\/storageAccounts\/blobServices\/containers\/blobs:prefix\]/g, 'listed prefix'],
  [/@(Resource|Request|Principal|Environment)\[[^\]]*?([^/:\]]+)\]/g, '$2'],
];
const OPERATORS: Array<[RegExp, string]> = [
  [/\bStringStartsWithIgnoreCase\b/g, 'starts with (any case)'],
  [/\bStringStartsWith\b/g, 'starts with'],
  [/\bStringNotStartsWith\b/g, 'does not start with'],
  [/\bStringEqualsIgnoreCase\b/g, '= (any case)'],
  [/\bStringEquals\b/g, '='],
  [/\bStringNotEquals\b/g, '!='],
  [/\bStringLike\b/g, 'like'],
  [/\bStringNotLike\b/g, 'not like'],
  [/\bForAnyOfAnyValues:/g, 'any of '],
];

/** Splits at a top-level ` AND ` / ` OR ` (outside parentheses and quotes). */
function splitTop(text: string, operator: 'AND' | 'OR'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === "'") quoted = !quoted;
    else if (!quoted && char === '(') depth++;
    else if (!quoted && char === ')') depth--;
    else if (!quoted && depth === 0 && text.startsWith(` ${operator} `, i)) {
      parts.push(text.slice(start, i).trim());
      start = i + operator.length + 2;
      i = start - 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

/** Removes parentheses that wrap the whole text. */
function unwrap(text: string): string {
  let current = text.trim();
  for (;;) {
    if (!current.startsWith('(') || !current.endsWith(')')) return current;
    let depth = 0;
    let quoted = false;
    let wrapsAll = true;
    for (let i = 0; i < current.length; i++) {
      const char = current[i]!;
      if (char === "'") quoted = !quoted;
      else if (!quoted && char === '(') depth++;
      else if (!quoted && char === ')') {
        depth--;
        if (depth === 0 && i < current.length - 1) {
          wrapsAll = false;
          break;
        }
      }
    }
    if (!wrapsAll) return current;
    current = current.slice(1, -1).trim();
  }
}

/** `ActionMatches{'…/blobs/read'} AND NOT SubOperationMatches{'Blob.List'}` -> `read (not Blob.List)`. */
function actionName(text: string): string {
  const body = unwrap(text);
  const action = /ActionMatches\{'([^']+)'\}/.exec(body)?.[1];
  if (!action) return readableExpression(body);
  const short = action.startsWith(`${BLOB_DATA}/`) ? `blob ${action.slice(BLOB_DATA.length + 1)}` : action;
  const sub = /NOT SubOperationMatches\{'([^']+)'\}/.exec(body)?.[1];
  const only = /(?<!NOT )SubOperationMatches\{'([^']+)'\}/.exec(body)?.[1];
  return `${short}${sub ? ` (not ${sub})` : ''}${only ? ` (${only} only)` : ''}`;
}

function readableExpression(text: string): string {
  let out = text.replace(/\s+/g, ' ').trim();
  for (const [pattern, replacement] of [...ATTRIBUTES, ...OPERATORS]) out = out.replace(pattern, replacement);
  return out;
}

/**
 * An Azure ABAC condition (version 2.0) in words. The storage idiom
 * `((!(ActionMatches{a}) AND !(ActionMatches{b})) OR (<expression>))` — "these
 * actions only where the expression holds" — reads as
 * `blob write, blob add/action only where blob path starts with 'x/'`; clauses
 * joined with AND are separated by `; `. `container != '<name>'` in an
 * assignment scoped to that very container (`scope` names it) can never hold:
 * those actions read as `refused`. Anything else keeps its structure with
 * attribute and operator names shortened.
 */
export function readableCondition(condition: string, scope = ''): string {
  const clauses = splitTop(unwrap(condition.replace(/\s+/g, ' ')), 'AND');
  return clauses
    .map((clause) => {
      const sides = splitTop(unwrap(clause), 'OR');
      const [guard, ...rest] = sides;
      const negated = splitTop(unwrap(guard ?? ''), 'AND').map(unwrap);
      if (rest.length === 0 || !negated.every((part) => part.startsWith('!'))) return readableExpression(clause);
      const actions = negated.map((part) => actionName(part.slice(1)));
      const where = rest.map((side) => splitTop(unwrap(side), 'OR').map((part) => readableExpression(unwrap(part))).join(' or ')).join(' or ');
      const ownContainer = /^container != '([^']+)'$/.exec(where)?.[1];
      if (ownContainer && scope.split(/[^A-Za-z0-9-]+/).includes(ownContainer)) return `${actions.join(', ')} refused`;
      return `${actions.join(', ')} only where ${where}`;
    })
    .join('; ');
}
