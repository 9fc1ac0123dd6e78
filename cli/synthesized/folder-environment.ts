/**
 * What a synthesized folder was made from: `strata synth` writes the
 * environment, resolved, beside cdk.out/ and cdktf.out/, and the usage profile
 * its estimate is priced with; `plan` on folders and `cost --from` price the
 * folder with them, and refuse an environment flag that says otherwise.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadEnvironment, type LoadedEnvironment } from '../../config/load-environment.ts';
import { UsageError } from '../usage-error.ts';
import type { SynthOutput } from './synth-output.ts';

/** Beside cdk.out/ and cdktf.out/: the environment they were synthesized from, resolved (defaults applied), and the usage profile. */
export const SYNTH_RECORD = 'strata-synth.json';

/** The usage profile a folder is priced with, as it read when the folder was synthesized. */
export interface RecordedUsage {
  /** `small|medium|large`, or the profile file's name. */
  readonly name: string;
  /** `config/usage/<name>.json` for a shipped profile, else the file's name (the record holds no path of this machine). */
  readonly file: string;
  /** sha256 of the profile file's bytes: the same name with another hash is another profile. */
  readonly sha256: string;
  /** Its values with the defaults applied, which `cost --from` prices with, so a later edit of the file does not move the figures. */
  readonly profile: Readonly<Record<string, unknown>>;
}

export interface SynthRecord {
  /** The environment file's name (not its path: the output holds no path of this machine). */
  readonly file: string;
  readonly environment: LoadedEnvironment['environment'];
  /** Absent in folders synthesized before the usage was recorded, and in those synthPlatform writes alone (tests, plan's git refs). */
  readonly usage?: RecordedUsage;
}

/**
 * Records what the output was synthesized from, so `plan` and `cost --from`
 * price it with the same environment instead of guessing one from its name.
 */
export function writeSynthRecord(outdir: string, loaded: LoadedEnvironment): void {
  const record: SynthRecord = { file: basename(loaded.path), environment: loaded.environment };
  writeFileSync(join(outdir, SYNTH_RECORD), `${JSON.stringify(record, null, 2)}\n`);
}

/** Adds the usage profile to the record synth wrote, so `cost --from` prices the folder with the profile of its synth. */
export function recordUsage(outdir: string, usage: RecordedUsage): void {
  const record = readSynthRecord(outdir);
  if (!record) throw new Error(`${join(outdir, SYNTH_RECORD)}: no synth record to add the usage profile to`);
  writeFileSync(join(outdir, SYNTH_RECORD), `${JSON.stringify({ ...record, usage }, null, 2)}\n`);
}

/** The record of a synth folder, when it has one (older folders and fixtures do not). */
export function readSynthRecord(dir: string): SynthRecord | undefined {
  const path = join(dir, SYNTH_RECORD);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as SynthRecord) : undefined;
}

export interface FolderEnvironmentOptions {
  /** An environment name a flag gave. */
  readonly env?: string;
  /** An environment file a flag gave; wins over `env`. */
  readonly config?: string;
  /** The flag `config` came from, for the refusal. @default `--base-config` / `--head-config` for a plan side, else `--config` */
  readonly configFlag?: string;
  /**
   * `env` names the environment of both sides of a plan, git refs included,
   * not a file for this folder: with a record it must only agree with the
   * recorded environment's name, and the record prices the folder.
   * @default false
   */
  readonly envOnlyWithoutRecord?: boolean;
}

/**
 * The environment a folder side is priced with: the one it was synthesized
 * from (strata-synth.json), so every line is priced from the same sizing the
 * templates were made with. A flag that names another is refused (a UsageError,
 * exit 2): the total would be neither environment's. A folder without a record
 * falls back to the flags, then to the checked-in file of the environment its
 * stacks are tagged with.
 */
export function folderEnvironment(spec: string, flag: string, output: SynthOutput, options: FolderEnvironmentOptions): LoadedEnvironment | undefined {
  const record = readSynthRecord(resolve(spec));
  const synthesizedFrom = (record: SynthRecord) => `${flag} ${spec} was synthesized from ${record.file} (environment ${record.environment.name})`;
  const rerun = (selection: string) => `; drop the flag to price it as synthesized, or run \`strata synth ${selection} --outdir ${spec}\``;
  if (record && options.config === undefined && (options.envOnlyWithoutRecord ?? false)) {
    if (options.env !== undefined && options.env !== record.environment.name) {
      throw new UsageError(`${synthesizedFrom(record)}, not --env ${options.env}${rerun(`--env ${options.env}`)}`);
    }
    return recordedEnvironment(spec, record);
  }
  const given = options.config !== undefined ? loadEnvironment({ config: options.config }) : options.env !== undefined ? loadEnvironment({ env: options.env }) : undefined;
  if (!record) return given ?? (output.environment ? loadEnvironment({ env: output.environment }) : undefined);
  if (!given) return recordedEnvironment(spec, record);
  const difference = firstDifference(record.environment, given.environment);
  if (difference !== undefined) {
    const configFlag = options.configFlag ?? (flag === '--base' || flag === '--head' ? `${flag}-config` : '--config');
    const named = options.config !== undefined ? `${configFlag} ${options.config}` : `--env ${options.env} (${given.file})`;
    const selection = options.config !== undefined ? `--config ${options.config}` : `--env ${options.env}`;
    throw new UsageError(`${synthesizedFrom(record)}, which differs from ${named} at ${difference}${rerun(selection)}`);
  }
  return given;
}

function recordedEnvironment(spec: string, record: SynthRecord): LoadedEnvironment {
  return { environment: record.environment, file: `${record.file} (as synthesized into ${spec})`, path: join(resolve(spec), SYNTH_RECORD) };
}

/** The first key where two resolved environments differ, with both values (`sizing.databricks.autoscale.maxWorkers: 16 recorded, 8 given`). */
function firstDifference(recorded: unknown, given: unknown, path = ''): string | undefined {
  if (JSON.stringify(recorded) === JSON.stringify(given)) return undefined;
  if (recorded && given && typeof recorded === 'object' && typeof given === 'object' && !Array.isArray(recorded) && !Array.isArray(given)) {
    const a = recorded as Record<string, unknown>;
    const b = given as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
      const found = firstDifference(a[key], b[key], path ? `${path}.${key}` : key);
      if (found !== undefined) return found;
    }
  }
  const show = (value: unknown) => (value === undefined ? 'unset' : JSON.stringify(value));
  return `${path || '(the whole file)'}: ${show(recorded)} recorded, ${show(given)} given`;
}
