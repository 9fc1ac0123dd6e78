import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { environmentSchema, type Environment } from './schema.ts';

export const ENVIRONMENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'environments');

/** A config file that cannot be used; `problems` holds one line per problem, ready to print. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

export interface LoadedEnvironment {
  environment: Environment;
  /** The file it came from, as shown to people (relative to the working directory when inside it). */
  file: string;
  /** Absolute path of that file, for child processes. */
  path: string;
}

export interface EnvironmentSelection {
  /** An environment name: `config/environments/<env>.yaml`. */
  env?: string;
  /** A path to an environment file; wins over `env`. */
  config?: string;
}

export const DEFAULT_ENVIRONMENT = 'dev';
/** The largest environment file read; the shipped ones are under 10 KiB. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** YAML aliases allowed in one file: enough to reuse a block, too few to expand into gigabytes. */
const MAX_YAML_ALIASES = 100;

export function availableEnvironments(): string[] {
  return readdirSync(ENVIRONMENTS_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => name.slice(0, -'.yaml'.length))
    .sort();
}

/** Resolves `--env` / `--config` to a file path, defaulting to the dev environment. */
export function resolveEnvironmentFile(selection: EnvironmentSelection, cwd = process.cwd()): string {
  if (selection.config !== undefined) {
    const path = resolve(cwd, selection.config);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) throw new ConfigError([`${selection.config}: no such config file`]);
    // Checked before reading: a folder, a device (/dev/zero) or a huge file must not be read at all.
    if (!stat.isFile()) throw new ConfigError([`${selection.config}: not a file (${stat.isDirectory() ? 'a folder' : 'a device or pipe'}); give an environment YAML file`]);
    if (stat.size > MAX_CONFIG_BYTES) throw new ConfigError([`${selection.config}: ${stat.size.toLocaleString('en-US')} bytes; an environment file is at most ${MAX_CONFIG_BYTES.toLocaleString('en-US')}`]);
    return path;
  }
  const env = selection.env ?? DEFAULT_ENVIRONMENT;
  const path = join(ENVIRONMENTS_DIR, `${env}.yaml`);
  if (!/^[a-z0-9-]+$/.test(env) || !existsSync(path)) {
    throw new ConfigError([`unknown environment "${env}": must be one of ${availableEnvironments().join(', ')} (files in config/environments/), or pass --config <file>`]);
  }
  return path;
}

export function loadEnvironment(selection: EnvironmentSelection = {}, cwd = process.cwd()): LoadedEnvironment {
  const path = resolveEnvironmentFile(selection, cwd);
  const file = displayPath(path, cwd);
  return { environment: parseEnvironment(readBounded(path, file), file), file, path };
}

/** The file's text, refused past MAX_CONFIG_BYTES even if it grew since it was checked. */
function readBounded(path: string, file: string): string {
  const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
  const descriptor = openSync(path, 'r');
  try {
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) read = readSync(descriptor, buffer, length, buffer.length - length, null);
    if (length > MAX_CONFIG_BYTES) throw new ConfigError([`${file}: larger than ${MAX_CONFIG_BYTES.toLocaleString('en-US')} bytes; an environment file is at most that`]);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(descriptor);
  }
}

/** Parses and validates the text of an environment file; `file` names it in error messages. */
export function parseEnvironment(text: string, file: string): Environment {
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
    throw new ConfigError([`${file}: must be a YAML mapping with at least "name:"`]);
  }
  const result = environmentSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues, raw, file));
  return result.data;
}

function yamlErrorLine(position: { line: number; col: number } | undefined): string {
  return position ? `line ${position.line}, column ${position.col}: ` : '';
}

function describeIssues(issues: z.core.$ZodIssue[], raw: unknown, file: string): string[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(path);
      return issue.keys.map((key) => {
        const keyPath = [...path, key];
        return `${file}: ${keyPath.join('.')} = ${show(valueAt(raw, keyPath))}: unknown key${allowed ? `; allowed here: ${allowed.join(', ')}` : ''}`;
      });
    }
    const value = valueAt(raw, path);
    const where = path.length > 0 ? path.join('.') : '(top level)';
    // A section given as a scalar or list: zod's own wording would not say what to write.
    const message = issue.code === 'invalid_type' && issue.expected === 'object' ? `must be a mapping of keys (allowed: ${allowedKeysAt(path)?.join(', ')})` : issue.message;
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
function allowedKeysAt(path: string[]): string[] | undefined {
  let schema: z.core.$ZodType = environmentSchema;
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

function displayPath(path: string, cwd: string): string {
  const fromCwd = relative(cwd, path);
  return fromCwd.startsWith('..') || isAbsolute(fromCwd) ? path : fromCwd;
}
