/** Values of synthesized Terraform JSON: references between resources, names, tags, lists that may be one item. */
import type { TfResource } from './synth-output.ts';

/** `${type.name.attribute}` references in a Terraform value, as addresses `type.name`. */
export function references(value: unknown): string[] {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return [...text.matchAll(/\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)[.}\[]/g)].map((match) => `${match[1]}.${match[2]}`);
}

/** Whether `value` names `resource`: its literal `name`, or a reference to it. */
export function names(value: unknown, resource: TfResource): boolean {
  return (typeof value === 'string' && value === resource.body.name) || references(value).includes(resource.address);
}

/** The resource's own `name` when it is a literal (stable and what the portal shows), else its Terraform name. */
export function literalName(resource: TfResource): string {
  return typeof resource.body.name === 'string' && !resource.body.name.includes('${') ? resource.body.name : resource.name;
}

/** A block Terraform JSON allows as one object or a list of them, as a list. */
export function asList(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

/** A tag of a Databricks resource (`tags.custom_tags` as `{key, value}` list) or an azurerm one (`tags` map). */
export function tagOf(body: Record<string, unknown>, key: string): string | undefined {
  const tags = body.tags as Record<string, unknown> | undefined;
  if (!tags) return undefined;
  if (typeof tags[key] === 'string') return tags[key] as string;
  for (const tag of asList(tags.custom_tags) as Array<{ key?: unknown; value?: unknown }>) if (tag.key === key && typeof tag.value === 'string') return tag.value;
  return undefined;
}

/** JSON held in a string attribute (`activities_json`), or undefined when it is not JSON. */
export function parseJsonAttribute(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
