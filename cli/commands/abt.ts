import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { DuckDbDatabase } from '../../lambdas/adapters/local/duckdb-query-engine.ts';
import { SNAPSHOT_COLUMN } from '../../pipelines/models/index.ts';
import { trainingFeatures } from '../../lambdas/ml/read-training-set.ts';
import { installedCatalog } from '../../pipelines/workloads/registry.ts';
import { parseOptions } from '../parse-options.ts';
import { requireFileTarget, requireFolderOrAbsent } from '../path-checks.ts';
import { UsageError } from '../usage-error.ts';

const SUBCOMMANDS = ['export'] as const;

/**
 * The training sets that can be exported, by model: classifiers' ABTs and
 * rankers' interactions with their split, clusterers' bases (no split: a
 * clusterer fits every row), so a reference tool fits and judges the same
 * rows; the first is the default.
 */
function exportable() {
  const catalog = installedCatalog();
  return catalog.models.map((model) => ({ model, dataset: catalog.tableNamed(model.trainingSet) }));
}

function usage(): string {
  const [first] = exportable();
  return `Usage: strata abt export --out <file.csv> [--model <name>] [--lake <folder>]

Writes a model's training set (a classifier's analytical base table and a
ranker's interactions, with their split; a clusterer's base; in refined,
built by the retrain flow) as CSV,
to look at the training data outside the platform:
a header of the table's columns${first ? ` (${first.model.name}: refined/${first.dataset.name}, ${trainingFeatures(first.dataset, first.model).length} features)` : ''},
then one row per entity and snapshot (a ranker's: and item), ordered by snapshot, entity, item. Dates
are yyyy-MM-dd, a missing value is an empty field.

Options:
  --out <file.csv>   where to write the CSV (its folder is created; the file is replaced)
  --model <name>     whose training set (default: ${first?.model.name ?? 'none installed'}; models: ${exportable().map((each) => each.model.name).join(', ') || 'none'})
  --lake <folder>    the lake \`strata run\` wrote (default: ./lake)`;
}

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** A path as the user would type it: relative below the working folder, absolute elsewhere. */
function shown(path: string): string {
  const below = relative(process.cwd(), path);
  return below && !below.startsWith('..') ? below : path;
}

/** Whether a folder holds a Parquet file anywhere below it. */
function hasParquet(folder: string): boolean {
  try {
    return readdirSync(folder, { recursive: true }).some((name) => String(name).endsWith('.parquet'));
  } catch {
    return false;
  }
}

export const abtCommand = {
  summary: "export a model's training set (an ABT with its split; the churn model's by default) from a local lake as CSV",
  get usage(): string {
    return usage();
  },
  async run(argv: string[]): Promise<number> {
    const [subcommand, ...rest] = argv;
    if (subcommand === undefined || subcommand.startsWith('-')) throw new UsageError(`a subcommand is required: ${SUBCOMMANDS.join(', ')}`);
    if (!(SUBCOMMANDS as readonly string[]).includes(subcommand)) throw new UsageError(`unknown subcommand "${subcommand}"; subcommands: ${SUBCOMMANDS.join(', ')}`);
    const options = parseOptions(rest, { lake: { type: 'string' }, out: { type: 'string' }, model: { type: 'string' } });
    if (options.out === undefined || options.out === '') throw new UsageError('--out <file.csv> is required: where to write the ABT');
    requireFileTarget('--out', options.out);
    if (options.lake !== undefined) requireFolderOrAbsent('--lake', options.lake);
    const lake = resolve(options.lake ?? 'lake');
    const out = resolve(options.out);
    const available = exportable();
    const chosen = options.model === undefined ? available[0] : available.find((each) => each.model.name === options.model);
    if (!chosen) {
      const known = available.map((each) => each.model.name).join(', ') || 'none installed';
      throw new UsageError(
        options.model === undefined
          ? `no installed workload has a model with a training set to export`
          : `--model ${options.model}: no such model; models: ${known}`,
      );
    }
    const { dataset, model } = chosen;
    const table = join(lake, 'refined', dataset.name);
    if (!hasParquet(table)) {
      console.error(
        `strata abt export: no ABT in ${shown(table)} yet; ` +
          'run `strata run --flows all` first (its retrain flow builds the features and the ABT)',
      );
      return 1;
    }

    const started = performance.now();
    const database = await DuckDbDatabase.open();
    const engine = await database.session(lake);
    const features = trainingFeatures(dataset, model).map((column) => column.name);
    const columns = dataset.columns.map((column) =>
      column.type === 'date' ? `strftime(${column.name}, '%Y-%m-%d') as ${column.name}` : column.type === 'int' || column.type === 'bigint' ? `cast(${column.name} as bigint) as ${column.name}` : column.name,
    );
    // Written aside, then renamed: a failed export leaves no half file.
    const partial = `${out}.partial-${process.pid}`;
    let rows: number;
    try {
      mkdirSync(dirname(out), { recursive: true });
      const [written] = await engine.query<{ Count: bigint }>(
        `copy (
           select ${columns.join(', ')}
           from ${engine.relations.ref('refined', dataset.name)}
           order by ${SNAPSHOT_COLUMN}, ${model.entity}${model.item ? `, ${model.item}` : ''}
         ) to ${literal(partial)} (format csv, header true, delimiter ',')`,
      );
      rows = Number(written?.Count ?? 0);
      renameSync(partial, out);
    } catch (error) {
      rmSync(partial, { force: true });
      const message = (error as Error).message.split('\n')[0] ?? '';
      if (/not found|does not have a column/i.test(message)) {
        console.error(`strata abt export: ${shown(table)} does not have the columns this version writes (${message}); rebuild it with \`strata run --flows all\``);
        return 1;
      }
      throw error;
    } finally {
      await engine.close();
      database.close();
    }
    console.log(
      `strata abt export: ${rows.toLocaleString('en-US')} rows${features.length > 0 ? ` × ${features.length} features` : ''} -> ${shown(out)} ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return 0;
  },
};
