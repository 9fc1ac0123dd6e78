/**
 * Leaf-level differences between two JSON values. Strings that hold JSON
 * (IAM policies, state machine definitions, Databricks cluster policies) are
 * parsed and diffed as JSON, so a one-state change shows as one line, not as
 * two kilobytes of escaped text.
 */
import type { PropertyChange } from './model.ts';
import { renderIntrinsic } from '../synthesized/intrinsics.ts';

export function diffValues(before: unknown, after: unknown, path = ''): PropertyChange[] {
  if (equal(before, after)) return [];
  const parsedBefore = asJson(before);
  const parsedAfter = asJson(after);
  if (parsedBefore !== undefined && parsedAfter !== undefined) return diffValues(parsedBefore, parsedAfter, path);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffValues(before[key], after[key], join(path, key)));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, index) => diffValues(item, after[index], `${path}[${index}]`));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.every(isScalar) && after.every(isScalar)) {
    // Lists of names (actions, node types): say what was added and removed rather than index by index.
    const added = after.filter((item) => !before.some((old) => equal(old, item)));
    const removed = before.filter((item) => !after.some((next) => equal(next, item)));
    if (added.length + removed.length > 0) return [{ path, ...(removed.length ? { before: removed } : {}), ...(added.length ? { after: added } : {}) }];
    return [{ path, before, after }];
  }
  return [{ path, before, after }];
}

function asJson(value: unknown): unknown {
  // CDK builds JSON documents with Fn::Join around references; render them so they parse.
  const text = typeof value === 'string' ? value : isObject(value) && 'Fn::Join' in value ? renderIntrinsic(value) : undefined;
  if (text === undefined || !/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function join(path: string, key: string): string {
  const safe = /^[A-Za-z_$][\w$:-]*$/.test(key) ? key : JSON.stringify(key);
  return path ? `${path}.${safe}` : safe;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

export function equal(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

/** JSON with sorted keys: the same value always renders the same text. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return 'undefined';
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isObject(value))
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys(value[key])]),
    );
  return value;
}
