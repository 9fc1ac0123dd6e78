/**
 * The environment a synthesized folder was made from: `strata synth` writes
 * it, resolved, beside cdk.out/ and cdktf.out/; `plan` on folders and
 * `cost --from` price the folder with it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadEnvironment, type LoadedEnvironment } from '../../config/load-environment.ts';
import type { SynthOutput } from './synth-output.ts';

/** Beside cdk.out/ and cdktf.out/: the environment they were synthesized from, resolved (defaults applied). */
export const SYNTH_RECORD = 'strata-synth.json';

export interface SynthRecord {
  /** The environment file's name (not its path: the output holds no path of this machine). */
  readonly file: string;
  readonly environment: LoadedEnvironment['environment'];
}

/**
 * Records what the output was synthesized from, so `plan` and `cost --from`
 * price it with the same environment instead of guessing one from its name.
 */
export function writeSynthRecord(outdir: string, loaded: LoadedEnvironment): void {
  const record: SynthRecord = { file: basename(loaded.path), environment: loaded.environment };
  writeFileSync(join(outdir, SYNTH_RECORD), `${JSON.stringify(record, null, 2)}\n`);
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
  /** Where the warning goes when a flag contradicts the record. @default - nowhere */
  readonly log?: (line: string) => void;
  /**
   * `env` prices only a folder without a record: plan's --env names the
   * environment of both sides, git refs included, not a file for this folder.
   * @default false
   */
  readonly envOnlyWithoutRecord?: boolean;
}

/**
 * The environment a folder side is priced with: the one it was synthesized
 * from (strata-synth.json), so every line is priced from the same sizing the
 * templates were made with. A --*-config or --env that says otherwise wins,
 * loudly; a folder without a record falls back to the flags, then to the
 * checked-in file the environment name its stacks are tagged with points to.
 */
export function folderEnvironment(spec: string, flag: string, output: SynthOutput, options: FolderEnvironmentOptions): LoadedEnvironment | undefined {
  const dir = resolve(spec);
  const record = readSynthRecord(dir);
  if (record && options.config === undefined && (options.envOnlyWithoutRecord ?? false)) {
    if (options.env !== undefined && options.env !== record.environment.name) {
      options.log?.(`warning: ${flag} ${spec} was synthesized from ${record.file} (environment ${record.environment.name}); priced with that, not with --env ${options.env}`);
    }
    return recordedEnvironment(spec, record);
  }
  const given = options.config !== undefined ? loadEnvironment({ config: options.config }) : options.env !== undefined ? loadEnvironment({ env: options.env }) : undefined;
  if (record) {
    if (!given) return recordedEnvironment(spec, record);
    if (JSON.stringify(given.environment) !== JSON.stringify(record.environment)) {
      options.log?.(`warning: ${flag} ${spec} was synthesized from ${record.file}, which differs from ${given.file}; pricing with ${given.file} as asked, so figures read from the templates and from the config may disagree`);
    }
    return given;
  }
  if (given) return given;
  return output.environment ? loadEnvironment({ env: output.environment }) : undefined;
}

function recordedEnvironment(spec: string, record: SynthRecord): LoadedEnvironment {
  return { environment: record.environment, file: `${record.file} (as synthesized into ${spec})`, path: join(resolve(spec), SYNTH_RECORD) };
}
