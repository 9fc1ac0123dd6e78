/**
 * Acceptance of the incremental trusted build: the Olist sample split into a
 * history and three batches by purchase date (with re-sent, changed orders),
 * run batch by batch into lake A and all at once into lake B, gives the same
 * trusted and refined tables, row by row.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../config/load-environment.ts';
import { dropFilesIn, runLocally, type LocalRunResult } from '../../cli/run/local-runner.ts';
import { synthesizeFlows, type SynthesizedFlow } from '../../cli/run/synthesized-flows.ts';
import { REPO_ROOT } from '../../cli/synth-platform.ts';
import { DuckDbDatabase } from '../../lambdas/adapters/local/duckdb-query-engine.ts';
import type { TrustedBuild } from '../../lambdas/transform/build-trusted.ts';
import { LINEAGE } from '../../pipelines/contract/lake-layout.ts';
import { SAMPLE_TRUSTED_DATASETS as OLIST_DATASETS, SPLITTER } from '../support/catalog.ts';

const SOURCE_FILES = OLIST_DATASETS.map((dataset) => dataset.sourceFile!);
import { GENERATED_REFINED_DATASETS as REFINED_DATASETS } from '../support/catalog.ts';

const SAMPLE = join(REPO_ROOT, 'tests', 'fixtures', 'olist-sample');

const FOLDERS = ['history', 'batch-01', 'batch-02', 'batch-03'];


describe('incremental batches: batch by batch = all at once', () => {
  const work = mkdtempSync(join(tmpdir(), 'strata-incremental-'));
  const split = join(work, 'split');
  const lakeA = join(work, 'lake-a');
  const lakeB = join(work, 'lake-b');
  const environment = loadEnvironment({ env: 'dev' }).environment;
  const runsA: LocalRunResult[] = [];
  let runB: LocalRunResult;
  let database: DuckDbDatabase;

  beforeAll(async () => {
    const sample = join(work, 'sample');
    mkdirSync(sample, { recursive: true });
    for (const file of SOURCE_FILES) writeFileSync(join(sample, file), gunzipSync(readFileSync(join(SAMPLE, `${file}.gz`))));
    await SPLITTER.split({ from: sample, out: split, batches: 3, historyShare: 0.7, resend: 0.3, seed: 42 });
    const flows: SynthesizedFlow[] = (await synthesizeFlows(environment, '0.0.0')).filter((flow) => flow.flow === 'ingest' || flow.flow === 'process');

    // Lake A: one run per folder, every CSV of it dropped, as `strata run --data <folder>` does.
    for (const folder of FOLDERS) {
      runsA.push(await runLocally({ environment, platformVersion: '0.0.0', flows, lake: lakeA, landingFiles: await dropFilesIn(join(split, folder)) }));
    }
    // Lake B: everything in one run, a zip per folder (same file names), named so landing lists them oldest first.
    // A header-only entry would refuse its whole zip (empty-file), so those carry nothing and stay out.
    const drops = join(work, 'drops');
    mkdirSync(drops);
    const landingFiles = FOLDERS.map((folder, index) => {
      const entries: Record<string, Uint8Array> = {};
      for (const file of SOURCE_FILES) entries[file] = readFileSync(join(split, folder, file));
      const path = join(drops, `${String(index).padStart(2, '0')}-${folder}.zip`);
      writeFileSync(path, zipSync(entries));
      return path;
    });
    // Every drop unpacked in a worker thread, two at a time: the same rows as lake A's one drop after the other.
    runB = await runLocally({ environment, platformVersion: '0.0.0', flows, lake: lakeB, landingFiles, workerDropBytes: 0 });
    database = await DuckDbDatabase.open();
  }, 120_000);
  afterAll(() => {
    database?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const builds = (run: LocalRunResult) => run.taskResults.filter((task) => task.handler === 'build-trusted').map((task) => task.result as TrustedBuild);

  it('runs every flow of every run to success', () => {
    for (const [index, run] of [...runsA, runB].entries()) {
      expect(run.outcomes.map((outcome) => [outcome.flow, outcome.status, outcome.error ?? '']), `run ${index}`).toEqual([
        ['ingest', 'succeeded', ''],
        ['process', 'succeeded', ''],
      ]);
      for (const build of builds(run)) expect(build.status, `run ${index} ${build.table}: ${build.error ?? ''}`).not.toBe('failed');
    }
  });

  it('merges only the batch: a batch run rewrites just the purchase months of its orders and re-sends', () => {
    const orders = (run: LocalRunResult) => builds(run).find((build) => build.table === 'orders')!;
    for (const [index, run] of runsA.entries()) {
      const sent = parse(readFileSync(join(split, FOLDERS[index]!, 'olist_orders_dataset.csv')), { columns: true }) as Record<string, string>[];
      const months = [...new Set(sent.map((order) => order.order_purchase_timestamp!.slice(0, 7)))].sort();
      const build = orders(run);
      expect(build.status, FOLDERS[index]).toBe('built');
      expect(build.rowsMerged, FOLDERS[index]).toBe(sent.length);
      expect([...build.partitionsWritten!].sort(), FOLDERS[index]).toEqual(months);
    }
    expect(orders(runsA[3]!).partitionsWritten!.length).toBeLessThan(orders(runsA[0]!).partitionsWritten!.length);
  });

  async function rowsOf(lake: string, layer: 'trusted' | 'refined', table: string): Promise<string[]> {
    const engine = await database.session(lake);
    try {
      const relation = engine.relations.ref(layer, table);
      const columns = (await engine.query<{ column_name: string }>(`select column_name from (describe select * from ${relation})`)).map((row) => row.column_name);
      // When each record arrived differs between the lakes by construction; which record won must not.
      const kept = columns.filter((column) => column !== LINEAGE.ingestedAt);
      const rows = await engine.query<{ j: string }>(`select cast(to_json(struct_pack(${kept.map((c) => `"${c}" := "${c}"`).join(', ')})) as varchar) as j from ${relation}`);
      return rows.map((row) => row.j).sort();
    } finally {
      await engine.close();
    }
  }

  const tables = [...OLIST_DATASETS.map((dataset) => ['trusted', dataset.name] as const), ...REFINED_DATASETS.map((dataset) => ['refined', dataset.name] as const)];
  it.each(tables)('%s.%s: the same rows in both lakes', async (layer, table) => {
    const [a, b] = [await rowsOf(lakeA, layer, table), await rowsOf(lakeB, layer, table)];
    expect(a.length, `${layer}.${table} rows`).toBeGreaterThan(0);
    const inA = new Set(a);
    const inB = new Set(b);
    const onlyA = a.filter((row) => !inB.has(row));
    const onlyB = b.filter((row) => !inA.has(row));
    expect({ rows: b.length, onlyInBatchByBatch: onlyA.slice(0, 3), onlyInAllAtOnce: onlyB.slice(0, 3), differing: onlyA.length }).toEqual({
      rows: a.length,
      onlyInBatchByBatch: [],
      onlyInAllAtOnce: [],
      differing: 0,
    });
  });

  it('keeps the re-sent version of every re-sent order (delivered), batch by batch and all at once: a later drop of one run wins, two unpacked at a time', async () => {
    const resent = new Map<string, string>();
    for (const folder of FOLDERS.slice(1)) {
      const lines = readFileSync(join(split, folder, 'olist_orders_dataset.csv'), 'utf8').trimEnd().split('\n').slice(1);
      for (const line of lines) if (line.split(',')[2] === 'delivered') resent.set(line.split(',')[0]!, line.split(',')[6]!);
    }
    for (const lake of [lakeA, lakeB]) {
      const engine = await database.session(lake);
      try {
        const rows = await engine.query<{ order_id: string; order_status: string }>(`select order_id, order_status from ${engine.relations.ref('trusted', 'orders')}`);
        const status = new Map(rows.map((row) => [row.order_id, row.order_status]));
        const notDelivered = [...resent.keys()].filter((id) => status.get(id) !== 'delivered');
        expect(notDelivered.length, `${lake === lakeA ? 'batch by batch' : 'all at once'}: re-sent orders not delivered in trusted, e.g. ${notDelivered.slice(0, 3).join(', ')}`).toBe(0);
      } finally {
        await engine.close();
      }
    }
  });
});

