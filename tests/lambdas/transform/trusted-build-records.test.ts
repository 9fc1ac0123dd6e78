import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderObjectStore } from '../../../lambdas/adapters/local/folder-object-store.ts';
import type { TrustedBuild } from '../../../lambdas/transform/build-trusted.ts';
import { readTrustedBuilds, recordTrustedBuild } from '../../../lambdas/transform/trusted-build-records.ts';

const build = (table: string, rowsIn: number): TrustedBuild => ({
  table,
  status: 'built',
  rawFiles: 1,
  rowsIn,
  rowsOut: rowsIn - 1,
  quarantined: 1,
  rejected: 1,
  trustedBytes: 100,
  trustedFiles: 1,
  batchSources: [`raw/${table}/ingest_date=2026-01-01/x.csv`],
  rowsReleased: 0,
  rowsMerged: rowsIn - 1,
  partitionsWritten: [''],
  watermark: '2026-01-01T00:00:00.000Z',
  bytesRead: 10,
  bytesKeyLookup: 0,
  bytesWritten: 100,
  fullRefresh: false,
});

describe('the trusted builds a run records for its quality check', () => {
  let root: string;
  let store: FolderObjectStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'strata-trusted-builds-'));
    store = new FolderObjectStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads back each expected table’s build of that run, in the order asked', async () => {
    await recordTrustedBuild(store, 'run/1', build('orders', 10));
    await recordTrustedBuild(store, 'run/1', build('customers', 5));
    await recordTrustedBuild(store, 'run-2', build('orders', 99));
    expect(await readTrustedBuilds(store, 'run/1', ['orders', 'customers'])).toEqual([build('orders', 10), build('customers', 5)]);
  });

  it('keeps the last record of a table built twice in one run (a retried step)', async () => {
    await recordTrustedBuild(store, 'r', build('orders', 10));
    await recordTrustedBuild(store, 'r', build('orders', 12));
    expect(await readTrustedBuilds(store, 'r', ['orders'])).toEqual([build('orders', 12)]);
  });

  it('fails naming every expected table the run has no build of', async () => {
    await recordTrustedBuild(store, 'r', build('orders', 10));
    await expect(readTrustedBuilds(store, 'r', ['orders', 'customers', 'sellers'])).rejects.toThrow(
      'no trusted build recorded for run r of table(s) customers, sellers under dataquality/quarantine/_builds/r/',
    );
  });

  it('ignores a file under the run’s prefix that is not an expected table’s record', async () => {
    await recordTrustedBuild(store, 'r', build('orders', 10));
    await store.write('dataquality', 'quarantine/_builds/r/retired_table.json', '{"table":"retired_table"}\n');
    expect(await readTrustedBuilds(store, 'r', ['orders'])).toEqual([build('orders', 10)]);
  });
});
