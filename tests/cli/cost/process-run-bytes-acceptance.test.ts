/**
 * The process-run bytes formula (cli/cost/process-run-bytes.ts) against the
 * pipeline: a small synthetic Olist feed, its history run through the real
 * local run (`strata run`), then one batch's ingest and process. The usage
 * profile is derived from what the batch brings and what the lake held
 * before its process run, never from the run's report; the formula's bytes
 * for that profile are then compared with the bytes the report says the run
 * read, looked up and wrote.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BYTES_PER_GB, fullRefreshBytes, incrementalRunBytes, type DataPathInput } from '../../../cli/cost/process-run-bytes.ts';
import { FolderObjectStore } from '../../../lambdas/adapters/local/folder-object-store.ts';
import { TableStore } from '../../../lambdas/lake/table-store.ts';
import { modelInputs } from '../../../lambdas/transform/build-refined.ts';
import { bytesOf, type TablePointer } from '../../../pipelines/contract/table-pointer.ts';
import { CATALOG, GENERATED_REFINED_DATASETS, GENERATED_TRUSTED_DATASETS, GENERATOR, SPLITTER } from '../../support/catalog.ts';
import { cascadeParentsOf } from '../../../pipelines/quality/rules.ts';
import { loadModel } from '../../../pipelines/sql/render.ts';
import { runStrata } from '../../support/run-cli.ts';

const TRUSTED = GENERATED_TRUSTED_DATASETS;
const REFINED = GENERATED_REFINED_DATASETS;

interface ReportTable {
  status: string;
  bytesRead: number;
  bytesKeyLookup: number;
  bytesWritten: number;
  partitionsWritten: { values: string[] };
  fullRefresh: boolean;
}

const scratch = mkdtempSync(join(tmpdir(), 'strata-cost-bytes-'));
const lake = join(scratch, 'lake');
const split = join(scratch, 'split');
const tables = new TableStore(new FolderObjectStore(lake));

function strataRun(args: string[]): void {
  const result = runStrata(['run', '--lake', lake, ...args], { env: { STRATA_VERSION: '0.0.0+test' } });
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
}

function latestReport(): Record<string, ReportTable> {
  const runs = readdirSync(join(lake, '_runs')).filter((name) => /^run-.*\.json$/.test(name)).sort();
  return (JSON.parse(readFileSync(join(lake, '_runs', runs.at(-1)!), 'utf8')) as { tables: Record<string, ReportTable> }).tables;
}

/** Bytes of the Parquet files under raw/staged/ and raw/rejects/ (what ingest staged). */
function stagedBytes(): number {
  const walk = (dir: string): number =>
    readdirSync(dir).reduce((sum, name) => {
      const path = join(dir, name);
      const stat = statSync(path);
      return sum + (stat.isDirectory() ? walk(path) : name.endsWith('.parquet') ? stat.size : 0);
    }, 0);
  return walk(join(lake, 'raw', 'staged')) + walk(join(lake, 'raw', 'rejects'));
}

async function pointers(layer: 'trusted' | 'refined'): Promise<Map<string, TablePointer | undefined>> {
  return new Map(await Promise.all((layer === 'trusted' ? TRUSTED : REFINED).map(async (dataset) => [dataset.name, await tables.read(layer, dataset.name)] as const)));
}

const partitionBytes = (pointer: TablePointer | undefined, value: string) => (pointer?.partitions[value]?.files ?? []).reduce((sum, file) => sum + file.bytes, 0);
const sum = (numbers: Iterable<number>) => [...numbers].reduce((a, b) => a + b, 0);

/**
 * The trusted bytes an increment rewrites, predicted from the batch's CSVs:
 * for a partitioned table the partitions its records fall in (the partition
 * derived from the record, as the trusted model derives it), for an
 * unpartitioned table all of it when the batch has a record for it.
 */
function predictedRewrittenBytes(folder: string, before: Map<string, TablePointer | undefined>): number {
  let bytes = 0;
  for (const dataset of TRUSTED) {
    const records = parse(readFileSync(join(folder, dataset.sourceFile!)), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    if (records.length === 0) continue;
    const pointer = before.get(dataset.name);
    if (!dataset.partition) {
      bytes += bytesOf(pointer);
      continue;
    }
    const partition = dataset.partition;
    const values = new Set(records.map((record) => (partition.kind === 'month' ? record[partition.derivedFrom]!.slice(0, 7) : record[partition.derivedFrom]!)));
    bytes += sum([...values].map((value) => partitionBytes(pointer, value)));
  }
  return bytes;
}

const csvBytes = (folder: string) => sum(readdirSync(folder).filter((name) => name.endsWith('.csv')).map((name) => statSync(join(folder, name)).size));

/** The trusted tables the batch's CSVs hold at least one record for (a file of a header alone merges nothing, so looks up nothing). */
function tablesWithRecords(folder: string): typeof TRUSTED {
  return TRUSTED.filter((dataset) => (parse(readFileSync(join(folder, dataset.sourceFile!)), { columns: true, skip_empty_lines: true }) as unknown[]).length > 0);
}

/**
 * The key-lookup terms of an increment: the share of trusted the tables with
 * records hold, and their cascade parents' bytes per byte of theirs (the
 * formula scales the parents' lookups with the share).
 */
function keyLookupOf(profile: DataPathInput, withRecords: typeof TRUSTED, trusted: Map<string, TablePointer | undefined>): DataPathInput {
  const size = (table: string) => bytesOf(trusted.get(table));
  const T = sum(TRUSTED.map((dataset) => size(dataset.name)));
  const looked = sum(withRecords.map((dataset) => size(dataset.name)));
  const cascade = sum(withRecords.flatMap((dataset) => cascadeParentsOf(CATALOG, dataset.name).map((parent) => size(parent.parentTable))));
  return { ...profile, dataPath: { ...profile.dataPath, keyLookupShare: looked / T, cascadeParentBytesPerTrustedByte: cascade / looked } };
}

/** The profile of what arrives and what the lake holds, in the profile's units (GB, ratios), from the lake before the process run. */
function profileOf(measured: { csv: number; staged: number; rewritten: number; trusted: Map<string, TablePointer | undefined>; refined: Map<string, TablePointer | undefined>; raw: number }): DataPathInput {
  const size = (table: string) => bytesOf(measured.trusted.get(table));
  const T = sum(TRUSTED.map((dataset) => size(dataset.name)));
  const cascade = sum(TRUSTED.flatMap((dataset) => cascadeParentsOf(CATALOG, dataset.name).map((parent) => size(parent.parentTable))));
  const refinedInputs = sum(REFINED.flatMap((dataset) => [...new Set(modelInputs(loadModel('refined', dataset.name).text).map((input) => input.table))].map(size)));
  return {
    rawGb: measured.raw / BYTES_PER_GB,
    trustedGb: T / BYTES_PER_GB,
    refinedGb: sum(REFINED.map((dataset) => bytesOf(measured.refined.get(dataset.name)))) / BYTES_PER_GB,
    dataPath: {
      newCsvGbPerProcessRun: measured.csv / BYTES_PER_GB,
      parquetBytesPerCsvByte: measured.staged / measured.csv,
      rewrittenShare: measured.rewritten / T,
      // A full refresh builds every table from records; the report counts whole files. An increment: keyLookupOf.
      keyLookupShare: 1,
      cascadeParentBytesPerTrustedByte: cascade / T,
      refinedInputBytesPerTrustedByte: refinedInputs / T,
      largestQueryShare: 0.4,
      fullRefreshesPerMonth: 1,
    },
  };
}

/**
 * Tolerances, and why: the staged term is measured (the ingest output the
 * run reads) and the rewritten partitions are predicted exactly from the
 * CSVs, so reads agree within 10%; a child's lookup reads its parents after
 * their build of the same run (they grew by the batch), 10%; trusted writes
 * count the batch's records at their staged size, while typed trusted
 * Parquet is smaller and header-only files write nothing, 20%.
 */
const TOLERANCE = { read: 0.1, keyLookup: 0.1, written: 0.2, refined: 0.2 };
const within = (estimate: number, measured: number, tolerance: number) => Math.abs(estimate - measured) <= tolerance * measured;

describe('process-run bytes: the formula follows a local incremental run (synthetic Olist, scale 0.02, history + 1 batch)', () => {
  let profile: DataPathInput;
  let incrementLookup: DataPathInput;
  let report: Record<string, ReportTable>;
  let refinedAfter: Map<string, TablePointer | undefined>;
  let trustedAfter: Map<string, TablePointer | undefined>;
  let historyStaged: number;

  beforeAll(async () => {
    const data = join(scratch, 'data');
    await GENERATOR.generate({ scale: 0.02, seed: 42, badRows: 0, outDir: data });
    await SPLITTER.split({ from: data, out: split, batches: 3, historyShare: 0.9, resend: 0.3, seed: 42 });
    strataRun(['--data', join(split, SPLITTER.historyFolder), '--flows', 'ingest,process']);
    historyStaged = stagedBytes();
    const batch = join(split, SPLITTER.folderName(1, 3));
    strataRun(['--data', batch, '--flows', 'ingest']);
    const staged = stagedBytes() - historyStaged;
    const trusted = await pointers('trusted');
    profile = profileOf({ csv: csvBytes(batch), staged, rewritten: predictedRewrittenBytes(batch, trusted), trusted, refined: await pointers('refined'), raw: 0 });
    incrementLookup = keyLookupOf(profile, tablesWithRecords(batch), trusted);
    strataRun(['--flows', 'process']);
    report = latestReport();
    trustedAfter = await pointers('trusted');
    refinedAfter = await pointers('refined');
  }, 60_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const reported = (field: 'bytesRead' | 'bytesKeyLookup' | 'bytesWritten') => sum(Object.values(report).map((table) => table[field]));

  it('reads the staged batch and the partitions it rewrites, not the history (report bytesRead)', () => {
    const estimate = incrementalRunBytes(profile);
    const measured = reported('bytesRead');
    expect(Object.values(report).every((table) => !table.fullRefresh)).toBe(true);
    expect(within(estimate.stagedRead + estimate.rewrittenRead, measured, TOLERANCE.read), `estimate ${estimate.stagedRead + estimate.rewrittenRead}, reported ${measured}`).toBe(true);
    // The figure tells the alternatives apart: reading every staged file, or every trusted partition, or none.
    expect(within(historyStaged + estimate.stagedRead + estimate.rewrittenRead, measured, TOLERANCE.read)).toBe(false);
    expect(within(estimate.stagedRead + profile.trustedGb * BYTES_PER_GB, measured, TOLERANCE.read)).toBe(false);
    expect(within(estimate.stagedRead, measured, TOLERANCE.read)).toBe(false);
  });

  it('looks up the keys of every table the batch has records for, and of its cascade parents (report bytesKeyLookup)', () => {
    const estimate = incrementalRunBytes(incrementLookup);
    // The batch has a table of a header alone (it reads nothing), so the share is below 1.
    expect(incrementLookup.dataPath.keyLookupShare).toBeLessThan(1);
    expect(within(estimate.keyLookup, reported('bytesKeyLookup'), TOLERANCE.keyLookup), `estimate ${estimate.keyLookup}, reported ${reported('bytesKeyLookup')}`).toBe(true);
  });

  it('writes the rewritten partitions and the batch to trusted and quarantine (report bytesWritten)', () => {
    const estimate = incrementalRunBytes(profile);
    expect(within(estimate.trustedWritten, reported('bytesWritten'), TOLERANCE.written), `estimate ${estimate.trustedWritten}, reported ${reported('bytesWritten')}`).toBe(true);
  });

  it('rebuilds refined whole from its trusted inputs (not in the report: measured from the lake)', () => {
    const estimate = incrementalRunBytes(profile);
    for (const dataset of REFINED) expect(refinedAfter.get(dataset.name)?.version, dataset.name).toBeGreaterThan(1);
    const written = sum(REFINED.map((dataset) => bytesOf(refinedAfter.get(dataset.name))));
    const inputs = sum(REFINED.flatMap((dataset) => [...new Set(modelInputs(loadModel('refined', dataset.name).text).map((input) => input.table))].map((table) => bytesOf(trustedAfter.get(table)))));
    expect(within(estimate.refinedWritten, written, TOLERANCE.refined), `estimate ${estimate.refinedWritten}, measured ${written}`).toBe(true);
    expect(within(estimate.refinedRead, inputs, TOLERANCE.refined), `estimate ${estimate.refinedRead}, measured ${inputs}`).toBe(true);
  });

  it('a full refresh reads every staged file, looks up only the cascade parents and writes trusted whole', async () => {
    const trusted = await pointers('trusted');
    const staged = stagedBytes();
    const T = sum(TRUSTED.map((dataset) => bytesOf(trusted.get(dataset.name))));
    // raw holds staged Parquet beside the CSVs; here only the Parquet is counted, so raw = staged x (1 + p) / p.
    const p = profile.dataPath.parquetBytesPerCsvByte;
    const refreshProfile: DataPathInput = { ...profile, trustedGb: T / BYTES_PER_GB, rawGb: (staged * (1 + p)) / p / BYTES_PER_GB };
    strataRun(['--flows', 'process', '--full-refresh']);
    const refreshed = latestReport();
    const estimate = fullRefreshBytes(refreshProfile);
    const total = (field: 'bytesRead' | 'bytesKeyLookup' | 'bytesWritten') => sum(Object.values(refreshed).map((table) => table[field]));
    expect(Object.values(refreshed).every((table) => table.fullRefresh)).toBe(true);
    expect(estimate.stagedRead).toBeCloseTo(staged, 0);
    // The report's bytesRead also counts the trusted partitions a full refresh replaces (which it does not read): at least every staged file.
    expect(total('bytesRead')).toBeGreaterThanOrEqual(staged);
    expect(within(estimate.keyLookup, total('bytesKeyLookup'), TOLERANCE.keyLookup), `estimate ${estimate.keyLookup}, reported ${total('bytesKeyLookup')}`).toBe(true);
    expect(within(estimate.trustedWritten, total('bytesWritten'), TOLERANCE.written), `estimate ${estimate.trustedWritten}, reported ${total('bytesWritten')}`).toBe(true);
  }, 30_000);
});
