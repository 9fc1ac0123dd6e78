import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../config/load-environment.ts';
import { localHandlerPorts, type LocalPortsOptions } from '../../cli/run/local-ports.ts';
import { FolderObjectStore } from '../../lambdas/adapters/local/folder-object-store.ts';
import { ObjectStoreTracker } from '../../lambdas/adapters/tracking/object-store-tracker.ts';
import type { QueryEngine } from '../../lambdas/ports/query-engine.ts';

const lake = mkdtempSync(join(tmpdir(), 'strata-local-ports-'));
afterAll(() => rmSync(lake, { recursive: true, force: true }));
const store = new FolderObjectStore(lake);
const opened: string[] = [];
const options: LocalPortsOptions = {
  store,
  environment: loadEnvironment({ env: 'dev' }).environment,
  platformVersion: '0.0.0',
  tracker: new ObjectStoreTracker(store),
  openEngine: async (handlerClass) => {
    opened.push(handlerClass);
    return {} as QueryEngine;
  },
};

describe('the ports a handler gets locally', () => {
  it('open a query engine only for a class that runs queries in the cloud', async () => {
    await expect(localHandlerPorts(options, 'ingest').openEngine()).rejects.toThrow('the ingest handlers may not run queries');
    await localHandlerPorts(options, 'transform').openEngine();
    expect(opened).toEqual(['transform']);
  });

  it('hold the lake to the class’s grants', async () => {
    await expect(localHandlerPorts(options, 'quality').store.write('raw', 'landing/x.csv', 'x')).rejects.toMatchObject({ name: 'AccessDenied' });
    await localHandlerPorts(options, 'ingest').store.write('raw', 'landing/x.csv', 'x');
    expect(await store.list('raw', 'landing/')).toHaveLength(1);
  });
});
