import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { environmentSchema, type Environment } from './schema.ts';
import { ConfigError } from './config-error.ts';
import { parseYamlFile } from './yaml-file.ts';

export { ConfigError };

export const ENVIRONMENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'environments');

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
  return parseYamlFile(text, file, environmentSchema, 'a YAML mapping with at least "name:"');
}

function displayPath(path: string, cwd: string): string {
  const fromCwd = relative(cwd, path);
  return fromCwd.startsWith('..') || isAbsolute(fromCwd) ? path : fromCwd;
}
