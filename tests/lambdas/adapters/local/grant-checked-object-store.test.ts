import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbDatabase } from '../../../../lambdas/adapters/local/duckdb-query-engine.ts';
import { FolderObjectStore } from '../../../../lambdas/adapters/local/folder-object-store.ts';
import { AccessDeniedError, GrantCheckedObjectStore } from '../../../../lambdas/adapters/local/grant-checked-object-store.ts';
import { HANDLER_ACCESS, isGranted } from '../../../../pipelines/access.ts';

const lake = mkdtempSync(join(tmpdir(), 'strata-grants-'));
afterAll(() => rmSync(lake, { recursive: true, force: true }));
const folder = new FolderObjectStore(lake);

describe('the lake as a handler class may use it in the cloud (pipelines/access.ts)', () => {
  it('reads, writes and deletes under the grants, and lists under any read or write grant', () => {
    const ingest = HANDLER_ACCESS.ingest;
    expect(isGranted(ingest, 'read', 'raw', 'landing/a.csv')).toBe(true);
    expect(isGranted(ingest, 'read', 'raw', 'staged/orders/ingest_date=2026-12-03/x.parquet')).toBe(true);
    expect(isGranted(ingest, 'read', 'raw', 'orders/ingest_date=2026-12-03/x.csv')).toBe(false);
    expect(isGranted(ingest, 'write', 'raw', 'orders/ingest_date=2026-12-03/x.csv')).toBe(true);
    expect(isGranted(ingest, 'delete', 'raw', 'orders/ingest_date=2026-12-03/x.csv')).toBe(false);
    expect(isGranted(ingest, 'list', 'raw', 'orders/')).toBe(true);
    expect(isGranted(ingest, 'list', 'trusted', 'orders/')).toBe(false);
    expect(isGranted(HANDLER_ACCESS.quality, 'list', 'dataquality', 'rejected/')).toBe(false);
  });

  it('lets a handler do what its class is granted, and refuses the rest as S3 would, naming class, action and key', async () => {
    const ingest = new GrantCheckedObjectStore(folder, 'ingest');
    await ingest.write('raw', 'landing/a.csv', 'x');
    expect(new TextDecoder().decode(await ingest.read('raw', 'landing/a.csv'))).toBe('x');
    await ingest.write('raw', 'orders/ingest_date=2026-12-03/a.csv', 'x');

    await expect(ingest.read('raw', 'orders/ingest_date=2026-12-03/a.csv')).rejects.toThrow(
      'access denied: the ingest handlers may not read raw/orders/ingest_date=2026-12-03/a.csv',
    );
    await expect(ingest.delete('raw', 'orders/ingest_date=2026-12-03/a.csv')).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(ingest.list('trusted', 'orders/')).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(await ingest.create('raw', 'received/orders/0123456789ab.json', '{}')).toBe(true);
    await expect(new GrantCheckedObjectStore(folder, 'quality').create('raw', 'received/orders/x.json', '{}')).rejects.toThrow('the quality handlers may not write raw/received/orders/x.json');
    // A HEAD is a read, as S3 and ADLS authorize it.
    expect(await ingest.exists('raw', 'landing/a.csv')).toBe(true);
    await expect(ingest.exists('raw', 'orders/ingest_date=2026-12-03/a.csv')).rejects.toThrow('the ingest handlers may not read raw/orders/ingest_date=2026-12-03/a.csv');
    await expect(new GrantCheckedObjectStore(folder, 'transform').write('raw', 'landing/b.csv', 'x')).rejects.toThrow('the transform handlers may not write raw/landing/b.csv');
    await ingest.delete('raw', 'landing/a.csv');
    expect(await folder.list('raw', 'landing/')).toEqual([]);
  });

  it('holds the DuckDB engine to the same grants for the files it reads and writes', async () => {
    await folder.write('raw', 'staged/orders/ingest_date=2026-12-03/a.parquet', 'not read');
    const database = await DuckDbDatabase.open();
    try {
      const quality = await database.session(lake, { handlerClass: 'quality' });
      expect(() => quality.filesRelation('raw', ['staged/orders/ingest_date=2026-12-03/a.parquet'], [{ name: 'order_id', type: 'string' }])).toThrow(
        'the quality handlers may not read raw/staged/orders/ingest_date=2026-12-03/a.parquet',
      );
      await expect(quality.writeFiles({ layer: 'trusted', folder: 'orders/_v/c1' }, 'select 1 as a')).rejects.toThrow('the quality handlers may not write trusted/orders/_v/c1/');
      const transform = await database.session(lake, { handlerClass: 'transform' });
      expect(transform.filesRelation('raw', ['staged/orders/ingest_date=2026-12-03/a.parquet'], [{ name: 'order_id', type: 'string' }])).toContain('read_parquet');
      await Promise.all([quality.close(), transform.close()]);
    } finally {
      database.close();
    }
  });
});
