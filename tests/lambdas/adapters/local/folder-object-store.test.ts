import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderObjectStore } from '../../../../lambdas/adapters/local/folder-object-store.ts';

describe('FolderObjectStore', () => {
  let root: string;
  let store: FolderObjectStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'strata-folder-store-'));
    store = new FolderObjectStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('removes the folders a delete leaves empty, up to the layer, and keeps those that still hold objects', async () => {
    await store.write('trusted', 'orders/_v/c000001/part-0.parquet', 'a');
    await store.write('trusted', 'orders/_v/c000002/part-0.parquet', 'b');

    await store.delete('trusted', 'orders/_v/c000001/part-0.parquet');

    expect(existsSync(join(root, 'trusted', 'orders', '_v', 'c000001'))).toBe(false);
    expect(existsSync(join(root, 'trusted', 'orders', '_v', 'c000002'))).toBe(true);
    await store.delete('trusted', 'orders/_v/c000002/part-0.parquet');
    expect(existsSync(join(root, 'trusted', 'orders'))).toBe(false);
    expect(existsSync(join(root, 'trusted'))).toBe(true);
    expect(await store.list('trusted', 'orders/')).toEqual([]);
  });

  it('writes into a folder that deletes beside it empty and remove at the same time', async () => {
    // One round loses the race about one time in eight without the retry; twenty nearly always do.
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, index) => {
          await store.write('raw', `landing/${round}/drop-${index}.csv`, 'x');
          await store.delete('raw', `landing/${round}/drop-${index}.csv`);
          await store.write('raw', `landing/${round}/kept-${index}.csv`, 'y');
        }),
      );
      expect(await store.list('raw', `landing/${round}/`), `round ${round}`).toHaveLength(50);
    }
  });

  it('lists the keys with a prefix, whether it ends at a folder or inside a name, without the folders beside it', async () => {
    for (const key of ['orders/_table.json', 'orders/_v/c000001/part-0.parquet', 'orders_enriched/_table.json', 'orderly/a.csv', 'other/x']) await store.write('trusted', key, 'x');
    const keys = async (prefix: string) => (await store.list('trusted', prefix)).map((object) => object.key);

    expect(await keys('orders/_table.json')).toEqual(['orders/_table.json']);
    expect(await keys('orders/')).toEqual(['orders/_table.json', 'orders/_v/c000001/part-0.parquet']);
    expect(await keys('orders')).toEqual(['orders/_table.json', 'orders/_v/c000001/part-0.parquet', 'orders_enriched/_table.json']);
    expect(await keys('orders/_v/c0')).toEqual(['orders/_v/c000001/part-0.parquet']);
    expect(await keys('')).toHaveLength(5);
  });

  it('tells whether an object is at exactly a key: not a longer key, not a folder, not a write in progress', async () => {
    await store.write('raw', 'received/orders/0123456789ab.json', '{}');
    expect(await store.exists('raw', 'received/orders/0123456789ab.json')).toBe(true);
    expect(await store.exists('raw', 'received/orders/0123456789a')).toBe(false);
    expect(await store.exists('raw', 'received/orders')).toBe(false);
    expect(await store.exists('raw', 'received/orders/0123456789ab.json/below')).toBe(false);
  });

  it('creates an object only where none is: of writers racing for one key, exactly one places its body', async () => {
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, writer) => store.create('raw', 'received/orders/0123456789ab.json', `writer ${writer}`)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(new TextDecoder().decode(await store.read('raw', 'received/orders/0123456789ab.json'))).toBe(`writer ${outcomes.indexOf(true)}`);
    expect(await store.create('raw', 'received/orders/0123456789ab.json', 'late')).toBe(false);
    expect(await store.list('raw', 'received/')).toEqual([{ key: 'received/orders/0123456789ab.json', sizeBytes: 8 }]);
  });

  it('deleting a key that is not there is no error', async () => {
    await expect(store.delete('raw', 'landing/none.csv')).resolves.toBeUndefined();
  });
});
