/**
 * The pull-request comment. Risks first, then per-stack detail folded away.
 * It must fit a GitHub comment (65,536 characters; we keep 60,000): detail is
 * dropped level by level until it fits, and the attention section is the
 * last thing ever shortened. The JSON always has everything.
 */
import { money, signedMoney } from '../format/money.ts';
import { stableStringify } from './json-diff.ts';
import { mermaid } from './mermaid.ts';
import { ACTIONS, type AttentionItem, type Cloud, type Plan, type ResourceChange, type StackPlan } from './model.ts';

export const MAX_CHARS = 60_000;
const CLOUD_NAMES: Record<Cloud, string> = { aws: 'AWS', azure: 'Azure' };
const KIND_NAMES: Record<AttentionItem['kind'], string> = {
  destroy: 'destroy',
  replace: 'replace',
  'iam-widening': 'IAM widening',
  'public-exposure': 'public exposure',
  'nag-finding': 'new cdk-nag finding',
  'nag-acknowledgement': 'new cdk-nag acknowledgement',
};

interface Detail {
  readonly valueChars: number;
  readonly maxProperties: number;
  readonly properties: boolean;
  readonly diagrams: boolean;
  readonly stacks: boolean;
  readonly attentionChars: number;
}

const LEVELS: Detail[] = [
  { valueChars: 400, maxProperties: 60, properties: true, diagrams: true, stacks: true, attentionChars: 1000 },
  { valueChars: 120, maxProperties: 20, properties: true, diagrams: true, stacks: true, attentionChars: 1000 },
  { valueChars: 60, maxProperties: 6, properties: true, diagrams: false, stacks: true, attentionChars: 600 },
  { valueChars: 0, maxProperties: 0, properties: false, diagrams: false, stacks: true, attentionChars: 400 },
  { valueChars: 0, maxProperties: 0, properties: false, diagrams: false, stacks: false, attentionChars: 300 },
  { valueChars: 0, maxProperties: 0, properties: false, diagrams: false, stacks: false, attentionChars: 120 },
];

export function renderMarkdown(plan: Plan, limit = MAX_CHARS): string {
  let text = '';
  for (const [level, detail] of LEVELS.entries()) {
    text = render(plan, detail, level > 0);
    if (text.length <= limit) return text;
  }
  // Even one line per attention item is too long: keep the first ones that fit and say how many are left.
  const marker = '\n\n_Attention list cut to fit; every item is in plan.json._\n';
  return `${text.slice(0, limit - marker.length).replace(/\n[^\n]*$/, '')}${marker}`;
}

export function summaryLine(plan: Plan): string {
  const clouds = (['aws', 'azure'] as const).map((cloud) => `${CLOUD_NAMES[cloud]}: ${ACTIONS.map((action) => `${plan.counts[cloud][action]} to ${action}`).join(', ')}`);
  return `**strata plan** · ${clouds.join(' · ')} · monthly cost: ${costSummary(plan)}`;
}

function costSummary(plan: Plan): string {
  if (!plan.cost) return `not estimated (${plan.costNote ?? 'no environment'})`;
  const base = plan.cost.base.aws + plan.cost.base.azure;
  const head = plan.cost.head.aws + plan.cost.head.azure;
  const per = (['aws', 'azure'] as const).map((cloud) => `${CLOUD_NAMES[cloud]} ${signedMoney(plan.cost!.head[cloud] - plan.cost!.base[cloud])}`).join(', ');
  return `${signedMoney(head - base)} (${money(base)} -> ${money(head)}; ${per})`;
}

function render(plan: Plan, detail: Detail, trimmed: boolean): string {
  const out: string[] = [summaryLine(plan), ''];
  const side = (s: Plan['base']) => `\`${s.label}\`${s.version ? ` (${s.version})` : ''}`;
  out.push(`base ${side(plan.base)} -> head ${side(plan.head)}${plan.head.environment ? `, environment \`${plan.head.environment}\`` : ''}`, '');
  if (trimmed) out.push('_Detail trimmed to fit a pull-request comment; the full plan is in plan.json._', '');

  out.push('### Needs attention', '');
  if (plan.attention.length === 0) out.push('Nothing: no stateful resource is destroyed or replaced, no IAM access widens, nothing becomes public, no new cdk-nag finding or acknowledgement.');
  for (const item of plan.attention) {
    out.push(clip(`- **${KIND_NAMES[item.kind]}** · ${CLOUD_NAMES[item.cloud]} \`${item.stack}\` · \`${item.resource}\`: ${readableReferences(item.text)}`, detail.attentionChars));
  }
  out.push('');

  if (plan.cost) {
    const changed = plan.cost.lines.filter((line) => Math.abs(line.delta) >= 0.005);
    out.push('### Monthly cost', '');
    if (changed.length === 0) out.push(`No line changes (usage profile \`${plan.cost.usage}\`).`);
    else {
      out.push(`Usage profile \`${plan.cost.usage}\`; lines that change:`, '', '| component | base | head | delta |', '|---|---:|---:|---:|');
      for (const line of changed) out.push(`| ${CLOUD_NAMES[line.cloud as Cloud]} ${line.component} | ${money(line.base)} | ${money(line.head)} | ${signedMoney(line.delta)} |`);
      if (detail.properties) {
        out.push('');
        for (const line of changed) if (line.formula) out.push(`- ${line.component}: ${line.formula}`);
      }
    }
    out.push('');
  }

  for (const cloud of ['aws', 'azure'] as const) {
    const stacks = plan.stacks.filter((stack) => stack.cloud === cloud);
    if (stacks.length === 0) continue;
    out.push(`### ${CLOUD_NAMES[cloud]}`, '');
    const unchanged = stacks.filter((stack) => stack.status === 'unchanged');
    for (const stack of stacks.filter((s) => s.status !== 'unchanged')) out.push(...renderStack(stack, detail));
    if (unchanged.length > 0) out.push(`Unchanged: ${unchanged.map((stack) => `\`${stack.name}\``).join(', ')}`, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function counts(changes: ResourceChange[]): string {
  return ACTIONS.map((action) => [action, changes.filter((c) => c.action === action).length] as const)
    .filter(([, n]) => n > 0)
    .map(([action, n]) => `${n} to ${action}`)
    .join(', ');
}

function renderStack(stack: StackPlan, detail: Detail): string[] {
  const status = stack.status === 'added' ? 'new stack, ' : stack.status === 'removed' ? 'stack removed, ' : '';
  const summary = `<code>${stack.name}</code>: ${status}${counts(stack.changes) || 'outputs only'}`;
  if (!detail.stacks) return [`- ${summary}`, ''];
  const out = [`<details><summary>${summary}</summary>`, ''];
  // Grouped by the top-level construct, so one construct's resources read together.
  const groups = new Map<string, ResourceChange[]>();
  for (const change of stack.changes) {
    const group = change.path.includes('/') ? change.path.slice(0, change.path.indexOf('/')) : '(stack)';
    groups.set(group, [...(groups.get(group) ?? []), change]);
  }
  for (const [group, changes] of groups) {
    out.push(`**${group}**`, '');
    for (const change of changes) {
      const name = group === '(stack)' ? change.path : change.path.slice(group.length + 1);
      const what = change.codeOnly ? 'code changed' : change.action;
      out.push(`- ${what} \`${name}\` ${change.type}${change.why ? ` · ${change.why}` : ''}`);
      if (detail.properties && !change.codeOnly && change.action !== 'add' && change.action !== 'destroy') {
        for (const property of change.properties.slice(0, detail.maxProperties)) out.push(`  - \`${property.path}\`: ${value(property.before, detail)} -> ${value(property.after, detail)}`);
        if (change.properties.length > detail.maxProperties) out.push(`  - ... ${change.properties.length - detail.maxProperties} more in plan.json`);
      }
      if (detail.diagrams && change.stateMachine) {
        const notes = [
          change.stateMachine.addedStates.length ? `added: ${change.stateMachine.addedStates.join(', ')}` : '',
          change.stateMachine.removedStates.length ? `removed: ${change.stateMachine.removedStates.join(', ')}` : '',
        ].filter(Boolean);
        out.push('', `  State machine \`${name}\`${notes.length ? ` (${notes.join('; ')})` : ''}:`, '', '```mermaid', mermaid(change.stateMachine.definition, change.stateMachine.addedStates), '```', '');
      }
    }
    out.push('');
  }
  if (stack.other.length > 0 && detail.properties) {
    out.push('**outputs**', '');
    for (const property of stack.other.slice(0, detail.maxProperties)) out.push(`- \`${property.path}\`: ${value(property.before, detail)} -> ${value(property.after, detail)}`);
    out.push('');
  }
  out.push('</details>', '');
  return out;
}

function value(raw: unknown, detail: Detail): string {
  if (raw === undefined) return '(none)';
  const text = typeof raw === 'string' ? raw : stableStringify(raw);
  const clipped = clip(readableReferences(text).replace(/\s+/g, ' '), detail.valueChars);
  return `\`${clipped.replace(/`/g, "'")}\``;
}

/**
 * Terraform references in words: `${data.terraform_remote_state.platform.outputs.container_ids.refined}`
 * reads "the platform stack's output container_ids.refined", `${azurerm_user_assigned_identity.ml.principal_id}`
 * "the principal_id of azurerm_user_assigned_identity.ml".
 */
export function readableReferences(text: string): string {
  return text
    .replace(/\$\{data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w.[\]"-]+)\}/g, "the $1 stack's output $2")
    .replace(/\$\{((?:azurerm|azuread|databricks|terraform|random|time)_[\w]+\.[\w-]+)\.([\w.[\]-]+)\}/g, 'the $2 of $1');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 3))}...`;
}
