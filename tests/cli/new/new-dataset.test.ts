/**
 * `strata new dataset` on the files people actually have: other delimiters,
 * other encodings, byte-order marks, a header alone, nothing at all, a name
 * already taken, and the types and keys the sniffer must get right.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guessDelimiter, sniffCsv } from '../../../cli/new/sniff-csv.ts';
import { parseDatasetFile } from '../../../pipelines/workloads/dataset-file.ts';
import { csvFile, MACRO_OF, scratch, selectLines, strata, workloadsWith } from './run-new.ts';

const files = scratch('csv');
const datasetPath = (root: string, workload: string, table: string) => join(root, workload, 'datasets', `${table}.yaml`);
const modelPath = (root: string, workload: string, table: string) => join(root, workload, 'sql', 'trusted', `${table}.sql`);
const load = (root: string, workload: string, table: string) => parseDatasetFile(readFileSync(datasetPath(root, workload, table), 'utf8'), `${table}.yaml`, table, { values: {} });

/** One row per type the sniffer tells apart, 30 rows. */
function typedCsv(): string {
  const rows = ['id,code,count,big,ratio,amount,day,seen_at,active,iso_time,mostly_int,zip'];
  for (let i = 1; i <= 30; i++) {
    rows.push(
      [
        `a${i.toString(16).padStart(8, '0')}`,
        `0${100 + i}`,
        String(i * 3),
        String(5_000_000_000 + i),
        (i / 7).toFixed(6),
        (i * 1.25).toFixed(2),
        `2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
        `2024-02-${String((i % 28) + 1).padStart(2, '0')} 10:${String(i).padStart(2, '0')}:00`,
        i % 2 === 0 ? 'true' : 'False',
        `2024-03-01T10:00:${String(i).padStart(2, '0')}Z`,
        i === 30 ? 'n/a' : String(i),
        String(10000 + i),
      ].join(','),
    );
  }
  return `${rows.join('\n')}\n`;
}

describe('strata new dataset', () => {
  it('types every column from its values, and writes the macro of each type', async () => {
    const root = workloadsWith('shop');
    const result = await strata('new', 'dataset', 'events', '--from', csvFile(files, 'events.csv', typedCsv()), '--workloads-dir', root);
    expect(result.status, result.stderr).toBe(0);
    const definition = load(root, 'shop', 'events');
    expect(Object.fromEntries(definition.columns.map((column) => [column.name, column.type]))).toEqual({
      id: 'string',
      code: 'string', // leading zeros: a code
      count: 'int',
      big: 'bigint',
      ratio: 'double',
      amount: 'decimal(12,2)',
      day: 'date',
      seen_at: 'timestamp',
      active: 'boolean',
      iso_time: 'string', // a T and a zone: not every engine's cast reads it
      mostly_int: 'string', // one value is not a number
      zip: 'string', // the name says a code
    });
    expect(result.stdout).toMatch(/mostly_int\s+string\s+text: 1 of 30 values are not int \(e\.g\. "n\/a"\); as int they would be quarantined/);
    expect(result.stdout).toMatch(/iso_time\s+string\s+ISO 8601 timestamps with a T or a zone/);
    const lines = selectLines(readFileSync(modelPath(root, 'shop', 'events'), 'utf8'));
    definition.columns.forEach((column, index) => expect(lines[index]).toMatch(MACRO_OF[column.type]!));
  });

  it('finds a key of two columns, preferring identifier-like names', async () => {
    const rows = ['order_id,line_no,note,amount'];
    for (let order = 1; order <= 20; order++) for (let line = 1; line <= 3; line++) rows.push(`o${order},${line},note ${order * 10 + line},${(order * line).toFixed(2)}`);
    const root = workloadsWith('shop');
    const result = await strata('new', 'dataset', 'order_lines', '--from', csvFile(files, 'lines.csv', `${rows.join('\n')}\n`), '--workloads-dir', root);
    expect(result.status, result.stderr).toBe(0);
    // note is unique alone, but a single column wins only when it is unique: here it is, so it is the key...
    expect(load(root, 'shop', 'order_lines').primaryKey).toEqual(['note']);
    // ...and without it, the pair of identifier-like names is.
    const withoutNote = rows.map((row) => row.split(',').filter((_, index) => index !== 2).join(','));
    const again = await strata('new', 'dataset', 'order_lines2', '--from', csvFile(files, 'lines2.csv', `${withoutNote.join('\n')}\n`), '--workloads-dir', root);
    expect(again.status, again.stderr).toBe(0);
    expect(load(root, 'shop', 'order_lines2').primaryKey).toEqual(['order_id', 'line_no']);
    expect(again.stdout).toMatch(/key\s+\[order_id, line_no\] likely: unique and non-empty in all 60 rows \(the whole file\)/);
  });

  it('is unsure of a key found in a sample that is not the whole file', async () => {
    const rows = ['id,value,created_at', ...Array.from({ length: 500 }, (_, i) => `${i},${i % 7},2023-${String((i % 12) + 1).padStart(2, '0')}-01 08:00:00`)];
    const root = workloadsWith('shop');
    const result = await strata('new', 'dataset', 'cut', '--from', csvFile(files, 'cut.csv', `${rows.join('\n')}\n`), '--workloads-dir', root, '--sample-rows', '100');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/sample\s+100 rows: the first 100 data rows \(--sample-rows\); the file has more/);
    expect(result.stdout).toMatch(/key\s+\[id\] unsure: unique and non-empty in the first 100 rows \(the file has more\)/);
    // A large table with a timestamp: a month partition is suggested in a comment, never set from a sample.
    expect(result.stdout).toMatch(/partition\s+not set; the file has more than 100 rows: a month partition on created_at .* firstMonth 2023-01 is the sample's earliest/);
    const yaml = readFileSync(datasetPath(root, 'shop', 'cut'), 'utf8');
    expect(yaml).toMatch(/^# partition: \{ column: created_month, kind: month, derivedFrom: created_at, firstMonth: "2023-01" \}$/m);
    expect(load(root, 'shop', 'cut').partition).toBeUndefined();
  });

  it('reads a bounded start of a large file, never the whole of it', async () => {
    const row = `${'x'.repeat(200)},1\n`;
    const big = csvFile(files, 'big.csv', `text,n\n${row.repeat(40_000)}`); // 8 MB
    const sample = await sniffCsv(big, 100);
    expect(sample.rows).toHaveLength(100);
    expect(sample.cut).toBe(true);
    expect(sample.bytesRead).toBeLessThan(1024 * 1024);
  });

  it('refuses a semicolon-separated file, which the platform cannot stage, and writes nothing', async () => {
    const root = workloadsWith('shop');
    const csv = csvFile(files, 'semicolon.csv', 'id;name;amount\n1;"Zoë; the first";1,50\n2;Ana;2,75\n');
    const result = await strata('new', 'dataset', 'semi', '--from', csv, '--workloads-dir', root);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/delimiter\s+semicolon \(NOT a comma\): 3 fields in each of the first 3 records/);
    expect(result.stderr.trim()).toMatch(/semicolon\.csv: the file is semicolon-separated, and the platform stages comma-separated files only .*Nothing written\.$/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(datasetPath(root, 'shop', 'semi'))).toBe(false);
    expect(existsSync(modelPath(root, 'shop', 'semi'))).toBe(false);
  });

  it('tells tab, pipe and comma apart, following quotes', () => {
    expect(guessDelimiter('a\tb\tc\n1\t2\t3\n', true).delimiter.name).toBe('tab');
    expect(guessDelimiter('a|b\n1|2\n', true).delimiter.name).toBe('pipe');
    // Semicolons inside quoted fields, and a quoted newline, do not make it semicolon-separated.
    expect(guessDelimiter('a,b,c\n"x;y",2,3\n"p;q;\nr",5,6\n', true)).toMatchObject({ delimiter: { name: 'comma' }, fields: 3, consistent: 3 });
  });

  it('reads a latin1 file as latin1, says why, and declares it', async () => {
    const root = workloadsWith('shop');
    const csv = csvFile(files, 'latin1.csv', Buffer.from('id,name,city\n1,Jos\xe9,S\xe3o Paulo\n2,Ana,Bras\xedlia\n', 'latin1'));
    const result = await strata('new', 'dataset', 'people', '--from', csv, '--workloads-dir', root);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/encoding\s+latin1: no byte-order mark and not UTF-8 \(byte 0xE9 at offset 18 starts no UTF-8 character\)/);
    expect(load(root, 'shop', 'people').encoding).toBe('latin1');
    expect((await sniffCsv(csv, 10)).rows).toEqual([
      ['1', 'José', 'São Paulo'],
      ['2', 'Ana', 'Brasília'],
    ]);
  });

  it('warns that a latin1 file with bytes 0x80-0x9F may be Windows-1252', async () => {
    const root = workloadsWith('shop');
    const csv = csvFile(files, 'cp1252.csv', Buffer.from([...Buffer.from('id,quote\n1,'), 0x93, ...Buffer.from('hi'), 0x94, 0x0a]));
    const result = await strata('new', 'dataset', 'quotes', '--from', csv, '--workloads-dir', root);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/warning\s+2 bytes from 0x80 to 0x9F: in Windows-1252 those are letters/);
  });

  it('takes a UTF-8 byte-order mark for UTF-8, without it in the first column name', async () => {
    const root = workloadsWith('shop');
    const csv = csvFile(files, 'bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,name\n1,é\n2,b\n')]));
    const result = await strata('new', 'dataset', 'bom', '--from', csv, '--workloads-dir', root);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/encoding\s+utf-8: UTF-8 byte-order mark/);
    const definition = load(root, 'shop', 'bom');
    expect(definition.columns.map((column) => column.name)).toEqual(['id', 'name']);
    expect(definition.encoding).toBeUndefined();
  });

  it('takes a UTF-16LE byte-order mark for UTF-16LE, and declares it', async () => {
    const root = workloadsWith('shop');
    const csv = csvFile(files, 'utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,name\n1,é\n2,ü\n', 'utf16le')]));
    const result = await strata('new', 'dataset', 'wide', '--from', csv, '--workloads-dir', root);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/encoding\s+utf-16le: UTF-16LE byte-order mark/);
    expect(load(root, 'shop', 'wide')).toMatchObject({ encoding: 'utf-16le', columns: [{ name: 'id', type: 'int' }, { name: 'name', type: 'string' }] });
    expect((await sniffCsv(csv, 10)).rows).toEqual([
      ['1', 'é'],
      ['2', 'ü'],
    ]);
  });

  it('tells UTF-16LE without a byte-order mark by its NULs, and refuses UTF-16BE', async () => {
    const root = workloadsWith('shop');
    const csv = csvFile(files, 'utf16-nobom.csv', Buffer.from('id,name\n1,a\n2,b\n', 'utf16le'));
    const result = await strata('new', 'dataset', 'nobom', '--from', csv, '--workloads-dir', root);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/encoding\s+utf-16le: no byte-order mark, but every other byte is NUL/);
    expect(load(root, 'shop', 'nobom')).toMatchObject({ encoding: 'utf-16le', columns: [{ name: 'id' }, { name: 'name' }] });
    const bigEndian = Buffer.from('id,name\n1,a\n', 'utf16le').swap16();
    const refused = await strata('new', 'dataset', 'be', '--from', csvFile(files, 'utf16be.csv', bigEndian), '--workloads-dir', root);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/utf16be\.csv: UTF-16BE \(a NUL before every ASCII byte\); the platform reads utf-8, utf-16le and latin1 files/);
  });

  it('writes a file with only a header as strings and a guessed key, and says so', async () => {
    const root = workloadsWith('shop');
    const result = await strata('new', 'dataset', 'empty_table', '--from', csvFile(files, 'header.csv', 'name,customer_id,city\n'), '--workloads-dir', root);
    expect(result.status, result.stderr).toBe(0);
    const definition = load(root, 'shop', 'empty_table');
    expect(definition.columns.map((column) => column.type)).toEqual(['string', 'string', 'string']);
    expect(definition.primaryKey).toEqual(['customer_id']);
    expect(result.stdout).toMatch(/key\s+\[customer_id\] unsure: no data rows/);
    expect(result.stdout).toMatch(/warning\s+no data rows, only the header/);
  });

  it('refuses an empty file in one line naming it', async () => {
    const root = workloadsWith('shop');
    const result = await strata('new', 'dataset', 'nothing', '--from', csvFile(files, 'empty.csv', ''), '--workloads-dir', root);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^.*empty\.csv: empty \(0 bytes\); a CSV to sniff needs at least a header row naming its columns$/);
    expect(result.stdout).toBe('');
  });

  it('refuses a file of empty lines: it has no header', async () => {
    const result = await strata('new', 'dataset', 'blank', '--from', csvFile(files, 'blank.csv', '\n\n\r\n'), '--workloads-dir', workloadsWith('shop'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/blank\.csv: no header row/);
  });

  it('refuses a file whose first row is data, not a header', async () => {
    const root = workloadsWith('shop');
    const result = await strata('new', 'dataset', 'headless', '--from', csvFile(files, 'headless.csv', '5e274e7a,35182,timoteo\n5aa9e4fd,20231,rio\n'), '--workloads-dir', root);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/headless\.csv: the first row looks like data, not a header \(field 2 is "35182"\).*add a header row/);
    expect(existsSync(datasetPath(root, 'shop', 'headless'))).toBe(false);
  });

  it('names a missing --from file in one line, as a usage error', async () => {
    const result = await strata('new', 'dataset', 'ghost', '--from', join(files, 'no-such.csv'), '--workloads-dir', workloadsWith('shop'));
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(/^strata new: --from .*no-such\.csv: no such file$/);
  });

  it('needs --from, and a snake_case table name', async () => {
    expect((await strata('new', 'dataset', 'sellers', '--workloads-dir', workloadsWith('shop'))).stderr).toMatch(/--from <file\.csv> is required/);
    const bad = await strata('new', 'dataset', 'Order-Lines', '--from', 'x.csv');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/dataset name "Order-Lines" must be snake_case .* e\.g\. order_lines/);
    expect((await strata('new', 'dataset', 'x', '--from', 'x.csv', '--sample-rows', '0')).stderr).toMatch(/--sample-rows must be a whole number from 1 to 1,000,000 \(got "0"\)/);
    expect((await strata('new', 'datset')).stderr).toMatch(/cannot create "datset"; did you mean dataset\?; strata new creates: dataset, workload/);
  });

  it('renames header names to snake_case and warns that staging needs the header renamed too', async () => {
    const root = workloadsWith('shop');
    const csv = csvFile(files, 'camel.csv', 'Order ID,Customer Name,createdAt,Preço\nA1,x,2020-01-01 10:00:00,1.50\nA2,y,2020-01-02 11:00:00,2.00\n');
    const result = await strata('new', 'dataset', 'camel', '--from', csv, '--workloads-dir', root);
    expect(result.status, result.stderr).toBe(0);
    expect(load(root, 'shop', 'camel').columns.map((column) => column.name)).toEqual(['order_id', 'customer_name', 'created_at', 'preco']);
    expect(result.stdout).toMatch(/warning\s+4 header names are not snake_case \("Order ID" -> order_id, .*staging maps columns by their exact header names/);
  });

  it('refuses to overwrite the table files, and replaces them with --force', async () => {
    const root = workloadsWith('shop');
    const csv = csvFile(files, 'twice.csv', 'id,name\n1,a\n2,b\n');
    expect((await strata('new', 'dataset', 'twice', '--from', csv, '--workloads-dir', root)).status).toBe(0);
    writeFileSync(datasetPath(root, 'shop', 'twice'), 'edited by a person\n');
    const refused = await strata('new', 'dataset', 'twice', '--from', csv, '--workloads-dir', root);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toMatch(/^.*shop\/datasets\/twice\.yaml and .*shop\/sql\/trusted\/twice\.sql: already exist; pass --force to replace them$/);
    expect(readFileSync(datasetPath(root, 'shop', 'twice'), 'utf8')).toBe('edited by a person\n');
    const forced = await strata('new', 'dataset', 'twice', '--from', csv, '--workloads-dir', root, '--force');
    expect(forced.status, forced.stderr).toBe(0);
    expect(load(root, 'shop', 'twice').primaryKey).toEqual(['id']);
  });

  it('asks which workload when there are several, and refuses one that does not exist', async () => {
    const root = workloadsWith('shop', 'crm', '_shared', '.hidden');
    const csv = csvFile(files, 'which.csv', 'id\n1\n');
    const ambiguous = await strata('new', 'dataset', 'which', '--from', csv, '--workloads-dir', root);
    expect(ambiguous.status).toBe(2);
    expect(ambiguous.stderr).toMatch(/holds 2 workloads \(crm, shop\): say which with --workload <name>/);
    const unknown = await strata('new', 'dataset', 'which', '--from', csv, '--workloads-dir', root, '--workload', 'sales');
    expect(unknown.stderr).toMatch(/--workload sales: no such workload in .* \(workloads: crm, shop\); create it with strata new workload sales/);
    const chosen = await strata('new', 'dataset', 'which', '--from', csv, '--workloads-dir', root, '--workload', 'crm');
    expect(chosen.status, chosen.stderr).toBe(0);
    expect(existsSync(datasetPath(root, 'crm', 'which'))).toBe(true);
  });

  it('refuses a table name another workload already has: table names are shared', async () => {
    const root = workloadsWith('shop', 'crm');
    const csv = csvFile(files, 'shared.csv', 'id\n1\n');
    expect((await strata('new', 'dataset', 'shared', '--from', csv, '--workloads-dir', root, '--workload', 'crm')).status).toBe(0);
    const clash = await strata('new', 'dataset', 'shared', '--from', csv, '--workloads-dir', root, '--workload', 'shop', '--force');
    expect(clash.status).toBe(1);
    expect(clash.stderr).toMatch(/crm\/datasets\/shared\.yaml: workload crm already has a table shared/);
  });
});
