import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { DuckDbDatabase } from '../../lambdas/adapters/local/duckdb-query-engine.ts';
import { abtChurn, SNAPSHOT_FEATURES } from '../../workloads/olist/features.ts';
import { parseOptions } from '../parse-options.ts';
import { requireFileTarget, requireFolderOrAbsent } from '../path-checks.ts';
import { UsageError } from '../usage-error.ts';

const SUBCOMMANDS = ['export'] as const;

const USAGE = `Usage: strata abt export --out <file.csv> [--lake <folder>]

Writes the seller churn ABT (refined/${abtChurn.name}, built by the retrain flow)
as CSV, to look at the training data outside the platform: a header
seller_id,dt_reference,churn,split,<the ${SNAPSHOT_FEATURES.length} features>, then one row
per seller and snapshot, ordered by dt_reference then seller_id. Dates are
yyyy-MM-dd, churn is 0 or 1, a missing feature is an empty field.

Options:
  --out <file.csv>   where to write the CSV (its folder is created; the file is replaced)
  --lake <folder>    the lake \`strata run\` wrote (default: ./lake)`;

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
  summary: 'export the churn ABT (the training data of the churn model) from a local lake as CSV',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const [subcommand, ...rest] = argv;
    if (subcommand === undefined || subcommand.startsWith('-')) throw new UsageError(`a subcommand is required: ${SUBCOMMANDS.join(', ')}`);
    if (!(SUBCOMMANDS as readonly string[]).includes(subcommand)) throw new UsageError(`unknown subcommand "${subcommand}"; subcommands: ${SUBCOMMANDS.join(', ')}`);
    const options = parseOptions(rest, { lake: { type: 'string' }, out: { type: 'string' } });
    if (options.out === undefined || options.out === '') throw new UsageError('--out <file.csv> is required: where to write the ABT');
    requireFileTarget('--out', options.out);
    if (options.lake !== undefined) requireFolderOrAbsent('--lake', options.lake);
    const lake = resolve(options.lake ?? 'lake');
    const out = resolve(options.out);
    const table = join(lake, 'refined', abtChurn.name);
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
    const features = SNAPSHOT_FEATURES.map((column) => column.name);
    // Written aside, then renamed: a failed export leaves no half file.
    const partial = `${out}.partial-${process.pid}`;
    let rows: number;
    try {
      mkdirSync(dirname(out), { recursive: true });
      const [written] = await engine.query<{ Count: bigint }>(
        `copy (
           select seller_id, strftime(dt_reference, '%Y-%m-%d') as dt_reference, cast(churn as integer) as churn, split, ${features.join(', ')}
           from ${engine.relations.ref('refined', abtChurn.name)}
           order by dt_reference, seller_id
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
      `strata abt export: ${rows.toLocaleString('en-US')} rows × ${features.length} features -> ${shown(out)} ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return 0;
  },
};
