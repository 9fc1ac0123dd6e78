/**
 * Reading the YAML files people edit (environment files, workload dataset
 * definitions): one parser, one wording of errors.
 */
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './config-error.ts';

/** YAML aliases allowed in one file: enough to reuse a block, too few to expand into gigabytes. */
const MAX_YAML_ALIASES = 100;

/**
 * Parses and validates the text of a YAML file a person wrote against a zod
 * schema; every problem is one line naming `file`, the field and what is
 * allowed there. `shape` says what the top level must be.
 */
export function parseYamlFile<T>(text: string, file: string, schema: z.ZodType<T>, shape: string): T {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(document.errors.map((error) => `${file}: ${yamlErrorLine(error.linePos?.[0])}${error.message.split(' at line')[0]}`));
  }
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    // The yaml library refuses alias expansion past the limit with a ReferenceError.
    if (!(error instanceof ReferenceError)) throw error;
    throw new ConfigError([`${file}: too many YAML aliases (more than ${MAX_YAML_ALIASES} expansions); write the values out instead`]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([`${file}: must be ${shape}`]);
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues, raw, file, schema));
  return result.data;
}

function yamlErrorLine(position: { line: number; col: number } | undefined): string {
  return position ? `line ${position.line}, column ${position.col}: ` : '';
}

function describeIssues(issues: z.core.$ZodIssue[], raw: unknown, file: string, schema: z.core.$ZodType): string[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(schema, path);
      return issue.keys.map((key) => {
        const keyPath = [...path, key];
        return `${file}: ${keyPath.join('.')} = ${show(valueAt(raw, keyPath))}: unknown key${allowed ? `; allowed here: ${allowed.join(', ')}` : ''}`;
      });
    }
    const value = valueAt(raw, path);
    const where = path.length > 0 ? path.join('.') : '(top level)';
    // A section given as a scalar or list: zod's own wording would not say what to write.
    const message = issue.code === 'invalid_type' && issue.expected === 'object' ? `must be a mapping of keys (allowed: ${allowedKeysAt(schema, path)?.join(', ')})` : issue.message;
    if (value === undefined) return [`${file}: ${where}: required; ${message}`];
    return [`${file}: ${where} = ${show(value)}: ${message}`];
  });
}

function valueAt(root: unknown, path: string[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The keys the schema accepts at a path, so a typo's message shows the right spelling. */
function allowedKeysAt(root: z.core.$ZodType, path: string[]): string[] | undefined {
  let schema = root;
  for (const key of path) {
    const shape = objectShape(schema);
    const next = shape?.[key];
    if (!next) return undefined;
    schema = next;
  }
  const shape = objectShape(schema);
  return shape ? Object.keys(shape).sort() : undefined;
}

function objectShape(schema: z.core.$ZodType): Record<string, z.core.$ZodType> | undefined {
  let current = schema;
  // Unwrap defaults, optionals and refinements down to the object.
  for (let depth = 0; depth < 8; depth++) {
    const def = current._zod.def as unknown as { type: string; shape?: Record<string, z.core.$ZodType>; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    if (def.type === 'object') return def.shape;
    const inner = def.innerType ?? def.in;
    if (!inner) return undefined;
    current = inner;
  }
  return undefined;
}

function show(value: unknown): string {
  if (typeof value === 'string') return value.length > 60 ? `${JSON.stringify(value.slice(0, 57))}... (${value.length.toLocaleString('en-US')} characters)` : JSON.stringify(value);
  if (value !== null && typeof value === 'object') {
    const json = JSON.stringify(value);
    return json.length > 60 ? `${json.slice(0, 57)}...` : json;
  }
  return String(value);
}
