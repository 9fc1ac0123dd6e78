/**
 * Acceptance: `strata new dataset` on each of the nine real Olist sample
 * files proposes what the hand-written definitions of workloads/olist/
 * say: the same columns in the same order with the same types, and the same
 * primary key, or it says it is unsure of the key where it differs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDatasetFile } from '../../../pipelines/workloads/dataset-file.ts';
import { MACRO_OF, olistSample, REPO, scratch, selectLines, strata, workloadsWith, type Result } from './run-new.ts';

interface HandWritten {
  readonly table: string;
  readonly sourceFile: string;
  readonly primaryKey: string[];
  readonly columns: { name: string; type: string }[];
}

const OLIST_DATASETS = join(REPO, 'workloads', 'olist', 'datasets');

/** The hand-written trusted tables of the nine Olist CSVs the sample holds (the marketing funnel's closed deals are not in it). */
const HAND_WRITTEN: HandWritten[] = readdirSync(OLIST_DATASETS)
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => ({ table: file.replace(/\.yaml$/, ''), ...(parse(readFileSync(join(OLIST_DATASETS, file), 'utf8')) as Omit<HandWritten, 'table'>) }))
  .filter((dataset) => dataset.sourceFile !== undefined && existsSync(join(REPO, 'tests', 'fixtures', 'olist-sample', `${dataset.sourceFile}.gz`)));

/**
 * Where the sniffer's key is expected to match, and where it cannot know.
 * geolocation: the sample repeats whole rows (several rows per zip prefix
 * with the same coordinates), so no column set is unique and the
 * hand-written [zip, lat, lng] is a choice, not something the data shows.
 */
const KEY_OUTCOME: Record<string, 'match' | 'unsure'> = {
  customers: 'match',
  geolocation: 'unsure',
  order_items: 'match',
  order_payments: 'match',
  order_reviews: 'match',
  orders: 'match',
  product_category_name_translation: 'match',
  products: 'match',
  sellers: 'match',
};

const csvFolder = scratch('olist-csv');
const workloads = workloadsWith('olist');
const results = new Map<string, Result>();

beforeAll(async () => {
  for (const dataset of HAND_WRITTEN) {
    const csv = olistSample(csvFolder, dataset.sourceFile);
    results.set(dataset.table, await strata('new', 'dataset', dataset.table, '--from', csv, '--workloads-dir', workloads));
  }
});

const written = (table: string) => readFileSync(join(workloads, 'olist', 'datasets', `${table}.yaml`), 'utf8');
const keyLine = (result: Result) => result.stdout.split('\n').find((line) => /^\s+key\s/.test(line)) ?? '';

describe('strata new dataset on the Olist sample', () => {
  it('covers the nine trusted tables of workloads/olist', () => {
    expect(HAND_WRITTEN.map((dataset) => dataset.table).sort()).toEqual(Object.keys(KEY_OUTCOME).sort());
  });

  describe.each(HAND_WRITTEN.map((dataset) => [dataset.table, dataset] as const))('%s', (table, handWritten) => {
    it('writes a definition that loads, with the file name as sourceFile and the encoding left at utf-8', () => {
      expect(results.get(table)!.status, results.get(table)!.stderr).toBe(0);
      const definition = parseDatasetFile(written(table), `${table}.yaml`, table, { values: {} });
      expect(definition.sourceFile).toBe(handWritten.sourceFile);
      expect(definition.encoding).toBeUndefined();
      expect(definition.layer).toBe('trusted');
      expect(definition.description).toMatch(/^TODO: /);
    });

    it('proposes the hand-written columns, in order, with their types', () => {
      const definition = parseDatasetFile(written(table), `${table}.yaml`, table, { values: {} });
      expect(definition.columns.map(({ name, type }) => ({ name, type }))).toEqual(handWritten.columns.map(({ name, type }) => ({ name, type })));
    });

    it(KEY_OUTCOME[table] === 'match' ? 'proposes the hand-written primary key, and says it is likely' : 'says it is unsure of the key, which differs from the hand-written one', () => {
      const definition = parseDatasetFile(written(table), `${table}.yaml`, table, { values: {} });
      const line = keyLine(results.get(table)!);
      if (KEY_OUTCOME[table] === 'match') {
        expect(definition.primaryKey).toEqual(handWritten.primaryKey);
        expect(line).toMatch(/\] likely: unique and non-empty in all [\d,]+ rows \(the whole file\)/);
      } else {
        expect(definition.primaryKey).not.toEqual(handWritten.primaryKey);
        expect(line).toMatch(/\] unsure: /);
      }
      // The key columns, and only they, are required.
      expect(definition.columns.filter((column) => column.required).map((column) => column.name)).toEqual(definition.columns.map((column) => column.name).filter((name) => definition.primaryKey.includes(name)));
    });

    it('writes the trusted model with the macro of each column type', () => {
      const sql = readFileSync(join(workloads, 'olist', 'sql', 'trusted', `${table}.sql`), 'utf8');
      const lines = selectLines(sql);
      expect(lines).toHaveLength(handWritten.columns.length);
      handWritten.columns.forEach((column, index) => {
        const match = MACRO_OF[column.type]!.exec(lines[index]!);
        expect(match, `${lines[index]} for a ${column.type} column`).not.toBeNull();
        expect([match![1], match![2]]).toEqual([column.name, column.name]);
      });
      expect(sql.trimEnd().endsWith(`  {{ lineage() }}\nfrom {{ source(${table}) }}`)).toBe(true);
    });
  });

  it('reports one line per decision and the two files it wrote', () => {
    const out = results.get('sellers')!.stdout;
    for (const topic of ['encoding', 'delimiter', 'header', 'sample', 'key', 'required', 'partition', 'review']) expect(out).toMatch(new RegExp(`^  ${topic}\\s`, 'm'));
    expect(out.match(/^ {2}column\s/gm)).toHaveLength(4);
    expect(out).toMatch(/seller_zip_code_prefix\s+string\s+whole numbers, [\d,]+ with a leading zero \(e\.g\. "0\d{4}"\): a code, kept as text/);
    expect(out).toMatch(/^wrote .*olist\/datasets\/sellers\.yaml$/m);
    expect(out).toMatch(/^wrote .*olist\/sql\/trusted\/sellers\.sql$/m);
  });

  it('reads the reviews file, whose texts hold quoted newlines, as its 8,225 records', () => {
    expect(results.get('order_reviews')!.stdout).toMatch(/sample\s+8,225 rows: the whole file/);
  });

  it('finds the reviews key only where the sample shows reused review ids: on the first 1,000 rows it proposes [review_id] and is unsure', async () => {
    // The first repeat of a review_id is at data row 1,171.
    const csv = olistSample(csvFolder, 'olist_order_reviews_dataset.csv');
    const result = await strata('new', 'dataset', 'order_reviews', '--from', csv, '--workloads-dir', workloadsWith('olist'), '--sample-rows', '1000');
    expect(result.status).toBe(0);
    expect(keyLine(result)).toMatch(/\[review_id\] unsure: unique and non-empty in the first 1,000 rows \(the file has more\)/);
  });

  it('says why it is unsure of the geolocation key: repeated rows, and a sample that is not the whole file', () => {
    const result = results.get('geolocation')!;
    expect(keyLine(result)).toMatch(/no set of up to 3 non-empty columns is unique in the first 10,000 rows \(the file has more\)/);
    expect(result.stdout).toMatch(/warning\s+[\d,]+ of 10,000 sampled rows repeat an earlier row exactly/);
    expect(result.stdout).toMatch(/partition\s+not set, though the file has more than 10,000 rows/);
  });
});
