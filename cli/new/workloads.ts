/**
 * Where `strata new` writes: the workloads folder (the repository's
 * `workloads/`, or STRATA_WORKLOADS_DIR as the platform's registry reads it,
 * or --workloads-dir), its workloads (folders not starting with `.` or `_`),
 * and the skeleton of a new one.
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../config/load-environment.ts';
import { TABLE_NAME_PATTERN } from '../../pipelines/workloads/dataset-file.ts';
import { workloadsRoot } from '../../pipelines/workloads/registry.ts';
import { UsageError } from '../usage-error.ts';

/** --workloads-dir, else where the registry reads workloads (STRATA_WORKLOADS_DIR, else the repository's workloads/). */
export function workloadsDir(option: string | undefined): string {
  return resolve(option ?? workloadsRoot());
}

/** The workloads of a folder: its folders, but hidden ones and `_`-prefixed ones (as the registry skips them). */
export function workloadNames(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => !name.startsWith('.') && !name.startsWith('_') && statSync(join(root, name)).isDirectory())
    .sort();
}

/** A workload name as an environment's `workloads:` list accepts it (config/schema.ts). */
export const WORKLOAD_NAME = /^[a-z][a-z0-9_-]*$/;

/** A table name as a dataset file's name must be. */
export const TABLE_NAME = TABLE_NAME_PATTERN;

const suggestName = (name: string, separator: '_' | '-') =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, separator)
    .replace(/^[^a-z]+|[_-]+$/g, '');

export function requireTableName(name: string): void {
  if (TABLE_NAME.test(name)) return;
  const suggestion = suggestName(name, '_');
  throw new UsageError(`dataset name "${name}" must be snake_case (a-z, 0-9 and _, starting with a letter): it is the table's name${suggestion ? `, e.g. ${suggestion}` : ''}`);
}

export function requireWorkloadName(name: string): void {
  if (WORKLOAD_NAME.test(name)) return;
  const suggestion = suggestName(name, '_');
  throw new UsageError(`workload name "${name}" must be lowercase letters, digits, _ and - (starting with a letter), as an environment's workloads: list names it${suggestion ? `, e.g. ${suggestion}` : ''}`);
}

/** The workload a dataset goes to: the one named, or the only one there is. */
export function chooseWorkload(root: string, shown: string, requested: string | undefined): string {
  const names = workloadNames(root);
  if (requested !== undefined) {
    requireWorkloadName(requested);
    if (!names.includes(requested)) {
      throw new UsageError(`--workload ${requested}: no such workload in ${shown}/ (${names.length > 0 ? `workloads: ${names.join(', ')}` : 'it has none'}); create it with strata new workload ${requested}`);
    }
    return requested;
  }
  if (names.length === 1) return names[0]!;
  if (names.length === 0) throw new UsageError(`${shown}/ holds no workload: create one with strata new workload <name>, or name another folder with --workloads-dir`);
  throw new UsageError(`${shown}/ holds ${names.length} workloads (${names.join(', ')}): say which with --workload <name>`);
}

export function workloadReadme(name: string): string {
  return `# ${name}

A workload: tables the platform loads and builds, kept as files. Adding a
table needs no code.

- \`datasets/<table>.yaml\`: one per table: what a row is, its columns and
  types, its primary key and the checks a row must pass. The file name is the
  table's name, shared by every workload, so it must be unique across them.
- \`sql/trusted/<table>.sql\`: for a table loaded from CSV files, the model
  that types the staged text columns (\`{{ text(c) }}\`, \`{{ int(c) }}\`,
  \`{{ timestamp(c) }}\`...), ending with \`{{ lineage() }}\` and
  \`from {{ source(<table>) }}\`.
- \`sql/refined/<table>.sql\`: a business table built from trusted ones
  (\`{{ ref(trusted, <table>) }}\`); its dataset file says \`layer: refined\`.
- \`workload.ts\` (optional): code for what files cannot say (value sets the
  dataset files name, HTTP sources, models, a data generator), listed in
  workloads/index.ts.

Add a table from a CSV file, then review both files it writes:

    strata new dataset <table> --from <file.csv> --workload ${name}

(docs/new-dataset.md says what it guesses and how to check it.) To deploy and
run the workload, list \`${name}\` under \`workloads:\` in an environment file.
`;
}

/** Writes `<root>/<name>/` with its README, `datasets/` and `sql/trusted/`; refuses a folder that exists. Returns the paths written. */
export function writeWorkloadSkeleton(root: string, name: string, shown: (path: string) => string): string[] {
  const directory = join(root, name);
  if (existsSync(directory)) throw new ConfigError([`${shown(directory)}: already exists; a new workload needs a folder of its own (add tables to it with strata new dataset <table> --from <file.csv> --workload ${name})`]);
  const written = [join(directory, 'README.md'), join(directory, 'datasets', '.gitkeep'), join(directory, 'sql', 'trusted', '.gitkeep')];
  mkdirSync(join(directory, 'datasets'), { recursive: true });
  mkdirSync(join(directory, 'sql', 'trusted'), { recursive: true });
  writeFileSync(written[0]!, workloadReadme(name));
  writeFileSync(written[1]!, '');
  writeFileSync(written[2]!, '');
  return written;
}
