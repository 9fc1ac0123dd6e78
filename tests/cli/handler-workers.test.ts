import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../config/load-environment.ts';
import { HandlerWorkers } from '../../cli/run/handler-workers.ts';
import { FolderObjectStore } from '../../lambdas/adapters/local/folder-object-store.ts';
import type { UnpackFileDropResult } from '../../lambdas/ingest/unpack-file-drop.ts';

const lake = mkdtempSync(join(tmpdir(), 'strata-workers-'));
afterAll(() => rmSync(lake, { recursive: true, force: true }));
const store = new FolderObjectStore(lake);
const environment = loadEnvironment({ env: 'dev' }).environment;

describe('the local runner’s handler worker threads', () => {
  it('unpack drops in worker threads, at most two at once, with the results and errors a handler in the runner gives', async () => {
    const workers = new HandlerWorkers({ lake, environment, platformVersion: '0.0.0' }, 2);
    try {
      const drops = ['a', 'b', 'c'].map((name) => `landing/${name}/sellers.csv`);
      for (const [index, key] of drops.entries()) await store.write('raw', key, `seller_id,seller_zip_code_prefix,seller_city,seller_state\ns${index},01000,sao paulo,SP\n`);

      const results = (await Promise.all(drops.map((landingKey, index) => workers.run('unpack-file-drop', { landingKey, ingestedAt: `2026-12-03T09:00:00.00${index}Z` })))) as UnpackFileDropResult[];

      expect(workers.threads).toBe(2);
      expect(results.map((result) => [result.status, result.files.map((file) => file.stagedRows)])).toEqual([
        ['ingested', [1]],
        ['ingested', [1]],
        ['ingested', [1]],
      ]);
      expect((await store.list('raw', 'staged/sellers/')).map((object) => object.key)).toHaveLength(3);
      await expect(workers.run('unpack-file-drop', { landingKey: 'elsewhere/x.csv' })).rejects.toThrow('must be a file under "landing/"');
      await expect(workers.run('unpack-file-drop', {})).rejects.toMatchObject({ name: 'TypeError', message: expect.stringContaining('"landingKey" must be a non-empty string') });
    } finally {
      await workers.close();
    }
    expect(workers.threads).toBe(0);
  });
});
