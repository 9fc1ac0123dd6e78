import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { committedTables, summaryOf, type CommittedTable } from '../lake/committed-tables.ts';
import { alignedTable, csvLines } from '../lake/format.ts';
import { LakeQuery, oneLine } from '../lake/lake-query.ts';
import { UsageError } from '../usage-error.ts';

const USAGE = `Usage: strata lake tables [--lake <folder>] [--json]
       strata lake query [--lake <folder>] [--json | --csv] "<select>"

Looks into a lake that \`strata run\` wrote, through the table pointers
(<layer>/<table>/_table.json): only committed versions, never files a build
left beside them.

  tables   every committed table: version, watermark (trusted tables), rows,
           files, bytes and when it was committed
  query    runs DuckDB SQL over the committed tables, named <layer>.<table>:
           trusted.orders, refined.churn_scores, dataquality.quarantine_orders,
           dataquality.results; prints an aligned table

Options:
  --lake <folder>   the lake (default: ./lake)
  --json            tables: a JSON array; query: one JSON object per row
  --csv             query: CSV with a header row

Exit codes: 0 ok, 1 the query failed, 2 bad usage or no lake.`;

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { lake: { type: 'string' }, json: { type: 'boolean' }, csv: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[\w+\]: /, ''));
  }
}

const shown = (lake: string) => relative(process.cwd(), lake) || '.';

/** The lake's committed tables; none (or no folder): the one line saying so, as undefined. */
async function tablesOrNone(lake: string): Promise<CommittedTable[] | undefined> {
  const tables = existsSync(lake) ? await committedTables(lake, (message) => console.error(`warning: ${message}; left out`)) : [];
  if (tables.length > 0) return tables;
  console.error(`no lake at ${shown(lake)}: run \`strata run\` first`);
  return undefined;
}

async function tablesCommand(lake: string, json: boolean): Promise<number> {
  const tables = await tablesOrNone(lake);
  if (!tables) return 2;
  const summaries = tables.map(summaryOf);
  if (json) {
    console.log(JSON.stringify(summaries, null, 2));
    return 0;
  }
  const count = (value: number) => value.toLocaleString('en-US');
  const lines = alignedTable({
    columns: ['table', 'version', 'watermark', 'rows', 'files', 'bytes', 'committed at'],
    rows: summaries.map((summary) => [summary.table, String(summary.version), summary.watermark, count(summary.rows), count(summary.files), count(summary.bytes), summary.committedAt]),
    numeric: [false, true, false, true, true, true, false],
  });
  console.log(lines.join('\n'));
  return 0;
}

async function queryCommand(lake: string, sql: string, format: 'table' | 'json' | 'csv'): Promise<number> {
  const tables = await tablesOrNone(lake);
  if (!tables) return 2;
  let query: LakeQuery;
  try {
    query = await LakeQuery.open(lake, tables);
  } catch (error) {
    console.error(`cannot open the lake's tables: ${oneLine(error)}`);
    return 1;
  }
  try {
    const result = await query.run(sql);
    if (format === 'json') {
      for (const row of result.json) console.log(JSON.stringify(Object.fromEntries(result.columns.map((column, index) => [column, row[index]]))));
    } else if (format === 'csv') {
      console.log(csvLines({ columns: result.columns, rows: result.text }).join('\n'));
    } else {
      console.log(alignedTable({ columns: result.columns, rows: result.text, numeric: result.numeric }).join('\n'));
      console.log(`(${result.text.length.toLocaleString('en-US')} row${result.text.length === 1 ? '' : 's'})`);
    }
    return 0;
  } catch (error) {
    console.error(`query failed: ${oneLine(error)}`);
    return 1;
  } finally {
    query.close();
  }
}

export const lakeCommand = {
  summary: 'list the committed tables of a lake, or query them with DuckDB SQL',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parse(argv);
    const [subcommand, ...rest] = positionals;
    const lake = resolve(values.lake ?? 'lake');
    if (subcommand === 'tables') {
      if (rest.length > 0) throw new UsageError(`tables takes no arguments (got ${rest.join(' ')})`);
      if (values.csv) throw new UsageError('--csv is for query; tables prints a table or --json');
      return tablesCommand(lake, values.json === true);
    }
    if (subcommand === 'query') {
      if (rest.length !== 1 || rest[0]!.trim() === '') throw new UsageError('query takes one SQL statement, quoted: strata lake query "select ..."');
      if (values.json && values.csv) throw new UsageError('--json and --csv: choose one');
      return queryCommand(lake, rest[0]!, values.json ? 'json' : values.csv ? 'csv' : 'table');
    }
    throw new UsageError(subcommand === undefined ? 'which: tables or query?' : `unknown subcommand "${subcommand}"; subcommands: tables, query`);
  },
};
