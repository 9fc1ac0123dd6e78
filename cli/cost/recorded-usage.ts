/**
 * The usage profile a synthesized folder is priced with: the one `strata
 * synth` recorded beside it (strata-synth.json), as it read then, so `cost
 * --from` gives the same figures however config/usage/ changes afterwards.
 * Usage is not in the templates, so pricing a folder with another profile
 * mixes nothing: a --usage flag wins, with a warning naming what it replaces.
 * Two folders priced against each other share one profile, or the delta
 * would hold a usage change as well as theirs.
 */
import { join, resolve } from 'node:path';
import { SYNTH_RECORD, type RecordedUsage } from '../synthesized/folder-environment.ts';
import { UsageError } from '../usage-error.ts';
import { loadUsage, parseProfile, USAGE_PROFILES, type LoadedUsage } from './usage.ts';

/** A folder being priced, named as its flag named it, with the usage its record holds (none for a git ref or an older folder). */
export interface PricedFolder {
  readonly flag: string;
  readonly spec: string;
  readonly usage?: RecordedUsage;
}

/** What a synth record stores of a loaded profile: its values and where they came from. */
export function recordedUsage(loaded: LoadedUsage): RecordedUsage {
  // A profile file's name as loaded may be a path of this machine; the record holds its file name instead.
  const shipped = (USAGE_PROFILES as readonly string[]).includes(loaded.name);
  return { name: shipped ? loaded.name : loaded.recordedFile, file: loaded.recordedFile, sha256: loaded.sha256, profile: loaded.profile };
}

/**
 * The profile to price `folders` with: `--usage` when given (warning for each
 * folder recorded with another), else the one profile the folders recorded,
 * else the default. Folders recorded with different profiles and no --usage
 * are refused (exit 2).
 */
export function usageFor(selection: string | undefined, folders: readonly PricedFolder[], log: (line: string) => void): LoadedUsage {
  const recorded = folders.filter((folder): folder is PricedFolder & { usage: RecordedUsage } => folder.usage !== undefined);
  const values = (usage: { profile: unknown }) => JSON.stringify(usage.profile);
  if (selection !== undefined) {
    const given = loadUsage(selection);
    for (const folder of recorded) {
      if (values(folder.usage) !== values(given)) log(`warning: ${synthesizedWith(folder)}; pricing with --usage ${selection} as asked`);
    }
    return given;
  }
  const [first, ...rest] = recorded;
  if (!first) return loadUsage();
  const other = rest.find((folder) => values(folder.usage) !== values(first.usage));
  if (other) throw new UsageError(`${synthesizedWith(first)}, ${other.flag} ${other.spec} with usage ${describe(other.usage)}; pass --usage to price both with one profile`);
  const where = `${join(resolve(first.spec), SYNTH_RECORD)}: usage.profile`;
  return { name: first.usage.name, file: `${first.usage.file} (as recorded in ${first.spec})`, profile: parseProfile(first.usage.profile, where), sha256: first.usage.sha256, recordedFile: first.usage.file };
}

function synthesizedWith(folder: PricedFolder & { usage: RecordedUsage }): string {
  return `${folder.flag} ${folder.spec} was synthesized with usage ${describe(folder.usage)}`;
}

function describe(usage: RecordedUsage): string {
  return `${usage.name} (${usage.file}, sha256 ${usage.sha256.slice(0, 12)})`;
}
