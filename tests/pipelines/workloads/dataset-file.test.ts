import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../config/config-error.ts';
import { parseDatasetFile } from '../../../pipelines/workloads/dataset-file.ts';

const FILE = 'workloads/shop/datasets/sales.yaml';
const CONTEXT = { values: { channels: ['web', 'shop'] }, firstMonth: '2026-01' };

const VALID = `description: One row per sale.
sourceFile: sales.csv
primaryKey: [ sale_id ]
columns:
  - { name: sale_id, type: string, required: true, description: Sale. }
  - { name: store_id, type: string, references: stores.store_id, description: Store. }
  - { name: channel, type: string, acceptedValues: channels, description: Channel. }
  - { name: amount, type: "decimal(12,2)", range: { min: 0 }, description: Amount. }
  - { name: sold_at, type: timestamp, description: When. }
partition: { column: sale_month, kind: month, derivedFrom: sold_at }
`;

/** The one-line problems a file gets, or [] when it parses. */
function problemsOf(text: string, table = 'sales'): string[] {
  try {
    parseDatasetFile(text, FILE, table, CONTEXT);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe('a dataset file', () => {
  it('becomes the definition the platform reads: the file name is the table, value sets and references resolved, month partitions starting at the workload default', () => {
    const dataset = parseDatasetFile(VALID, FILE, 'sales', CONTEXT);
    expect(dataset).toMatchObject({ name: 'sales', layer: 'trusted', sourceFile: 'sales.csv', primaryKey: ['sale_id'] });
    expect(dataset.columns.find((column) => column.name === 'channel')?.acceptedValues).toEqual(['web', 'shop']);
    expect(dataset.columns.find((column) => column.name === 'store_id')?.references).toEqual({ table: 'stores', column: 'store_id', severity: 'error' });
    expect(dataset.partition).toEqual({ column: 'sale_month', kind: 'month', derivedFrom: 'sold_at', firstMonth: '2026-01' });
    // A column without `required` is optional: the false branch of the default.
    expect(dataset.columns.find((column) => column.name === 'amount')?.required).toBeUndefined();
  });

  it('keeps a warn-only reference as written', () => {
    const text = VALID.replace('references: stores.store_id', 'references: { table: stores, column: store_id, severity: warn }');
    expect(parseDatasetFile(text, FILE, 'sales', CONTEXT).columns[1]?.references).toEqual({ table: 'stores', column: 'store_id', severity: 'warn' });
  });

  it.each([
    ['a type the engines do not share', VALID.replace('type: timestamp', 'type: datetime'), /columns\.4\.type = "datetime": must be one of: string, int, bigint, double, decimal\(12,2\), timestamp, date, boolean/],
    ['an unknown key, with the keys allowed', VALID.replace('sourceFile:', 'sourcefile:'), /sourcefile = "sales\.csv": unknown key; allowed here: .*sourceFile/],
    ['a key that is not a column', VALID.replace('primaryKey: [ sale_id ]', 'primaryKey: [ sale_ident ]'), /primaryKey\.0 = "sale_ident": not a column of sales; columns: sale_id, store_id, channel, amount, sold_at/],
    ['a value set the workload does not declare', VALID.replace('acceptedValues: channels', 'acceptedValues: colours'), /columns\.2\.acceptedValues = "colours": no value set of that name; the workload declares: channels/],
    ['a reference that is not <table>.<column>', VALID.replace('references: stores.store_id', 'references: stores'), /columns\.1\.references = "stores": must be <table>\.<column>/],
    ['a partition derived from no column', VALID.replace('derivedFrom: sold_at', 'derivedFrom: sold'), /partition\.derivedFrom = "sold": not a column of sales/],
    ['a trusted table without its source file', VALID.replace('sourceFile: sales.csv\n', ''), /sourceFile: required for a trusted table \(the file name its CSVs arrive as, e\.g\. sales\.csv\)/],
    ['a refined table loaded from a file', `layer: refined\n${VALID}`, /sourceFile: a refined table is built by SQL, not loaded from a file/],
    ['a column listed twice', VALID.replace('name: amount', 'name: channel'), /columns: channel listed twice/],
    ['YAML that does not parse', 'description: [unclosed\n', /line \d+, column \d+/],
  ])('is refused for %s, in one line naming the file and the field', (_case, text, expected) => {
    const problems = problemsOf(text);
    expect(problems.some((problem) => problem.startsWith(`${FILE}: `) && expected.test(problem)), problems.join('\n')).toBe(true);
  });

  it('is refused when its file name is not a table name', () => {
    expect(problemsOf(VALID, 'Sales-2026')).toEqual([`${FILE}: the file name is the table name, and "Sales-2026" is not snake_case (a-z, 0-9, _)`]);
  });

  it('needs a first month when the workload declares none', () => {
    expect(() => parseDatasetFile(VALID, FILE, 'sales', { values: CONTEXT.values })).toThrow(/partition\.firstMonth: required \(yyyy-MM, the first month that can hold data\)/);
  });
});
