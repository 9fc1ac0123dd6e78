/**
 * CloudFormation intrinsics (`Fn::Join`, `Fn::Sub`, `Ref`, `Fn::GetAtt`) read
 * as text: CDK builds JSON documents (state machine definitions, policies) out
 * of them, and both the estimate and the plan need to read those documents.
 */

/** Renders `Fn::Join` / `Fn::Sub` strings with placeholders for references, so JSON built by CDK can be parsed. */
export function renderIntrinsic(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if (Array.isArray(record['Fn::Join'])) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => renderIntrinsic(part) ?? placeholder(part)).join(separator);
  }
  if (record['Fn::Sub'] !== undefined) {
    const sub = record['Fn::Sub'];
    return typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
  }
  return placeholder(value);
}

function placeholder(value: unknown): string {
  const record = value as Record<string, unknown>;
  if (typeof record?.Ref === 'string') return `\${${record.Ref}}`;
  if (Array.isArray(record?.['Fn::GetAtt'])) return `\${${(record['Fn::GetAtt'] as string[]).join('.')}}`;
  return '${...}';
}
