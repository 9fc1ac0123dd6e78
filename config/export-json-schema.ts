/**
 * Writes config/environment.schema.json, the JSON Schema editors use for
 * completion and inline docs in environment files, and
 * docs/environment-reference.md, the table of every key made from it
 * (`npm run schema`). A test fails when either committed file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { environmentSchema } from './schema.ts';

export const JSON_SCHEMA_PATH = join(dirname(fileURLToPath(import.meta.url)), 'environment.schema.json');
export const REFERENCE_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'environment-reference.md');

function jsonSchemaObject(): Record<string, unknown> {
  const schema = z.toJSONSchema(environmentSchema, { io: 'input', target: 'draft-2020-12' });
  return { ...schema, title: 'Strata environment', description: 'config/environments/<name>.yaml: the sizing and settings of one Strata environment.' };
}

export function environmentJsonSchema(): string {
  return `${JSON.stringify(jsonSchemaObject(), null, 2)}\n`;
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  propertyNames?: SchemaNode;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  description?: string;
}

/** An object a union accepts besides its plain values (`{aws: ..., azure: ...}`), its keys' values inline. */
function objectOption(node: SchemaNode): string | undefined {
  if (node.type !== 'object' || !node.properties) return undefined;
  const keys = Object.entries(node.properties).map(([key, child]) => `${key}: ${allowed(child).replaceAll('`', '').replaceAll(', ', '|')}`);
  return `\`{${keys.join(', ')}}\``;
}

/** What a leaf accepts, in a few words. */
function allowed(node: SchemaNode): string {
  if (node.enum) return node.enum.map((value) => `\`${String(value)}\``).join(', ');
  const options = node.oneOf ?? node.anyOf;
  if (options?.every((option) => option.const !== undefined)) return options.map((option) => String(option.const)).join(', ');
  if (node.oneOf ?? node.anyOf) return (node.oneOf ?? node.anyOf)!.map((option) => (option.properties?.type?.const ? `\`{type: ${String(option.properties.type.const)}, ...}\`` : objectOption(option) ?? allowed(option))).join(' or ');
  const low = node.minimum ?? (node.exclusiveMinimum === undefined ? undefined : `> ${node.exclusiveMinimum}`);
  const range = low !== undefined && node.maximum !== undefined ? ` ${low} to ${node.maximum}` : low !== undefined ? ` from ${low}` : node.maximum !== undefined ? ` up to ${node.maximum}` : '';
  if (node.type === 'integer') return `integer${range}`;
  if (node.type === 'number') return `number${range}`;
  if (node.type === 'boolean') return '`true`, `false`';
  if (node.type === 'string') return 'text';
  if (node.type === 'array') return `list of ${allowed(node.items ?? {})}`;
  if (node.type === 'object' && typeof node.additionalProperties === 'object') return `map of name to ${allowed(node.additionalProperties)}`;
  return node.type ?? 'any';
}

function rowsOf(node: SchemaNode, path: string[]): string[] {
  const isSection = node.type === 'object' && node.properties && !node.oneOf;
  if (isSection) return Object.entries(node.properties!).flatMap(([key, child]) => rowsOf(child, [...path, key]));
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [`| \`${path.join('.')}\` | ${cell(allowed(node))} | ${cell(node.description ?? '')} |`];
}

/** The table of every key of an environment file, from the schema's own descriptions. */
export function environmentReference(): string {
  const schema = jsonSchemaObject() as SchemaNode;
  return [
    '# Environment file reference',
    '',
    '<!-- Generated from config/schema.ts by `npm run schema`; a test fails when it is stale. Do not edit by hand. -->',
    '',
    'Every key of `config/environments/<name>.yaml`. Every key is optional except `name`;',
    'what a key does, its default and its unit are in the last column. How the keys',
    'move the bill is in [cost.md](cost.md); the guide to the file is [config.md](config.md).',
    '',
    '| key | allowed | what it does |',
    '|---|---|---|',
    ...rowsOf(schema, []),
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(JSON_SCHEMA_PATH, environmentJsonSchema());
  writeFileSync(REFERENCE_PATH, environmentReference());
  console.log(`wrote ${JSON_SCHEMA_PATH} and ${REFERENCE_PATH}`);
}
