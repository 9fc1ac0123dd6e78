import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../config/config-error.ts';
import { trustedBuildLevels } from '../../../pipelines/quality/rules.ts';
import { catalogFor, installedWorkloadNames } from '../../../pipelines/workloads/registry.ts';
import { CATALOG } from '../../support/catalog.ts';

const scratch = mkdtempSync(join(tmpdir(), 'strata-registry-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let roots = 0;

/** A workloads root of files only: `{ workload: { 'datasets/t.yaml': text, 'sql/trusted/t.sql': text } }`. */
function rootWith(workloads: Record<string, Record<string, string>>): string {
  const root = join(scratch, `root-${roots++}`);
  for (const [workload, files] of Object.entries(workloads)) {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, workload, path, '..'), { recursive: true });
      writeFileSync(join(root, workload, path), text);
    }
  }
  return root;
}

const table = (name: string, extra = '') =>
  `description: ${name}.\nsourceFile: ${name}.csv\nprimaryKey: [ id ]\ncolumns:\n  - { name: id, type: string, required: true, description: Id. }\n${extra}`;
const model = (name: string) => `select {{ text(id) }} as id, {{ lineage() }} from {{ source(${name}) }}\n`;

function problemsOf(names: string[], root: string): string[] {
  try {
    catalogFor(names, root);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe('the workload registry', () => {
  it('gathers the default workloads: Olist and weather tables, their relationships, models and the weather source', () => {
    expect(CATALOG.trusted).toHaveLength(9 + 1 + 1);
    expect(CATALOG.workloadOf('closed_deals').name).toBe('olist');
    expect(CATALOG.workloadOf('weather_current').name).toBe('weather');
    expect(CATALOG.refined.map((dataset) => dataset.name)).toEqual(['orders_enriched', 'seller_daily_sales', 'weather_hourly']);
    expect(CATALOG.relationships).toContainEqual({ table: 'order_items', column: 'seller_id', parentTable: 'sellers', parentColumn: 'seller_id', severity: 'error' });
    expect(CATALOG.models.map((each) => each.name)).toEqual(['seller-churn', 'seller-segments', 'order-delay', 'seller-activation', 'purchase-recommendation', 'rain-next-hour']);
    expect(CATALOG.sources('dev').map((source) => source.name)).toEqual(['weather_current']);
  });

  it('finds a workload of files only by its datasets/ folder, and no other folder', () => {
    const root = rootWith({ shop: { 'datasets/stores.yaml': table('stores'), 'sql/trusted/stores.sql': model('stores') }, notes: { 'README.md': 'not a workload' } });
    expect(installedWorkloadNames(root)).toEqual(['shop']);
    expect(catalogFor(['shop'], root).trusted.map((dataset) => dataset.name)).toEqual(['stores']);
  });

  it('refuses an environment naming a workload that is not installed, listing those that are', () => {
    const root = rootWith({ shop: { 'datasets/stores.yaml': table('stores'), 'sql/trusted/stores.sql': model('stores') } });
    expect(problemsOf(['shop', 'shpo'], root)).toEqual([`workloads: "shpo": no such workload; installed: shop (folders of ${root})`]);
  });

  it('refuses a dataset file without its SQL model, and a model without its dataset file, naming both files', () => {
    const root = rootWith({ shop: { 'datasets/stores.yaml': table('stores'), 'sql/trusted/sales.sql': model('sales') } });
    const folder = join(root, 'shop');
    expect(problemsOf(['shop'], root)).toEqual([
      `${folder}/datasets/stores.yaml: no SQL model ${folder}/sql/trusted/stores.sql builds it`,
      `${folder}/sql/trusted/sales.sql: no dataset file ${folder}/datasets/sales.yaml declares the table it builds`,
    ]);
  });

  it('refuses a reference to a table or column the environment does not have', () => {
    const root = rootWith({
      shop: {
        'datasets/sales.yaml': table('sales', '  - { name: store_id, type: string, references: stores.code, description: Store. }\n  - { name: till, type: string, references: tills.id, description: Till. }\n'),
        'sql/trusted/sales.sql': model('sales'),
        'datasets/stores.yaml': table('stores'),
        'sql/trusted/stores.sql': model('stores'),
      },
    });
    const problems = problemsOf(['shop'], root);
    expect(problems).toEqual([
      `${join(root, 'shop')}/datasets/sales.yaml: store_id references stores.code: stores has no column "code"`,
      expect.stringMatching(/sales\.yaml: till references tills\.id: no trusted table "tills" in this environment's workloads$/),
    ]);
  });

  it('refuses two workloads of one environment declaring the same table, and accepts each alone', () => {
    const files = { 'datasets/stores.yaml': table('stores'), 'sql/trusted/stores.sql': model('stores') };
    const root = rootWith({ north: files, south: files });
    expect(problemsOf(['north', 'south'], root)).toEqual([`${join(root, 'south')}: table "stores" is already declared by ${join(root, 'north')}; table names are unique across an environment's workloads`]);
    expect(problemsOf(['north'], root)).toEqual([]);
  });

  it('refuses a column description longer than a catalog column comment may be (255 characters), and accepts 255', () => {
    const column = (length: number) => `  - { name: note, type: string, description: ${'n'.repeat(length)} }\n`;
    const tooLong = rootWith({ shop: { 'datasets/notes.yaml': table('notes', column(256)), 'sql/trusted/notes.sql': model('notes') } });
    expect(problemsOf(['shop'], tooLong)).toEqual([`${join(tooLong, 'shop')}: notes.note: its description has 256 characters; at most 255 (it becomes the catalog's column comment)`]);
    const atLimit = rootWith({ shop: { 'datasets/notes.yaml': table('notes', column(255)), 'sql/trusted/notes.sql': model('notes') } });
    expect(problemsOf(['shop'], atLimit)).toEqual([]);
  });

  it('derives relationships from the columns\' references, so a parent is built a level before its child', () => {
    const root = rootWith({
      shop: {
        'datasets/sales.yaml': table('sales', '  - { name: store_id, type: string, references: stores.id, description: Store. }\n'),
        'sql/trusted/sales.sql': model('sales'),
        'datasets/stores.yaml': table('stores'),
        'sql/trusted/stores.sql': model('stores'),
      },
    });
    const catalog = catalogFor(['shop'], root);
    expect(catalog.relationships).toEqual([{ table: 'sales', column: 'store_id', parentTable: 'stores', parentColumn: 'id', severity: 'error' }]);
    expect(trustedBuildLevels(catalog)).toEqual([['stores'], ['sales']]);
  });
});
