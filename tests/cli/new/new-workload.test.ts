/** `strata new workload`: an empty workload the platform reads, and a dataset scaffolded into it. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWorkloadFolder } from '../../../pipelines/workloads/workload-folder.ts';
import { csvFile, scratch, strata } from './run-new.ts';

describe('strata new workload', () => {
  it('writes a README, datasets/ and sql/trusted/', async () => {
    const root = scratch('workload');
    const result = await strata('new', 'workload', 'shop', '--workloads-dir', root);
    expect(result.status, result.stderr).toBe(0);
    expect(readdirSync(join(root, 'shop')).sort()).toEqual(['README.md', 'datasets', 'sql']);
    expect(existsSync(join(root, 'shop', 'datasets', '.gitkeep'))).toBe(true);
    expect(existsSync(join(root, 'shop', 'sql', 'trusted', '.gitkeep'))).toBe(true);
    const readme = readFileSync(join(root, 'shop', 'README.md'), 'utf8');
    expect(readme).toMatch(/^# shop\n/);
    expect(readme).toContain('strata new dataset <table> --from <file.csv> --workload shop');
    expect(readme).toContain('sql/trusted/<table>.sql');
    expect(result.stdout).toMatch(/strata new workload: .*shop\/ with README\.md, datasets\/\.gitkeep, sql\/trusted\/\.gitkeep/);
  });

  it('refuses a folder that exists', async () => {
    const root = scratch('workload');
    expect((await strata('new', 'workload', 'shop', '--workloads-dir', root)).status).toBe(0);
    const again = await strata('new', 'workload', 'shop', '--workloads-dir', root);
    expect(again.status).toBe(1);
    expect(again.stderr.trim()).toMatch(/shop: already exists; a new workload needs a folder of its own/);
  });

  it('takes the names an environment\'s workloads: list takes, and no other', async () => {
    const root = scratch('workload');
    expect((await strata('new', 'workload', 'point-of-sale', '--workloads-dir', root)).status).toBe(0);
    const bad = await strata('new', 'workload', 'My Shop', '--workloads-dir', root);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/workload name "My Shop" must be lowercase letters, digits, _ and - .* e\.g\. my_shop/);
    expect((await strata('new', 'workload')).stderr).toMatch(/<name> is required: strata new workload <name>/);
  });

  it('is the default workload of a dataset when it is the only one, and the platform reads the two files as a table', async () => {
    const root = scratch('workload');
    await strata('new', 'workload', 'shop', '--workloads-dir', root);
    const csv = csvFile(scratch('csv'), 'stores.csv', 'store_id,opened_on,revenue\n1,2020-01-01,10.50\n2,2021-06-01,7.25\n');
    const result = await strata('new', 'dataset', 'stores', '--from', csv, '--workloads-dir', root);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/for workload shop/);
    const files = readWorkloadFolder(join(root, 'shop'), 'shop', { values: {} });
    expect(files.datasets.map((dataset) => [dataset.name, dataset.columns.map((column) => column.type)])).toEqual([['stores', ['int', 'date', 'decimal(12,2)']]]);
    expect(files.models.map((model) => model.file)).toEqual(['workloads/shop/sql/trusted/stores.sql']);
  });
});
