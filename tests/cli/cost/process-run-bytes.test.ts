import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateCost, type CostLine } from '../../../cli/cost/estimate.ts';
import { loadPriceBook } from '../../../cli/cost/price-book.ts';
import { BYTES_PER_GB, dataPathInput, fullRefreshBytes, incrementalRunBytes, type DataPathInput } from '../../../cli/cost/process-run-bytes.ts';
import { loadUsage, USAGE_PROFILES, usageSchema } from '../../../cli/cost/usage.ts';
import { readSynthOutput, type SynthOutput } from '../../../cli/synthesized/synth-output.ts';
import { loadEnvironment } from '../../../config/load-environment.ts';
import { runStrataInProcess } from '../../support/run-cli.ts';

const GB = BYTES_PER_GB;
const input = (dataPath: Partial<DataPathInput['dataPath']> = {}, sizes: Partial<Omit<DataPathInput, 'dataPath'>> = {}): DataPathInput => ({
  rawGb: 160,
  trustedGb: 100,
  refinedGb: 40,
  ...sizes,
  dataPath: {
    newCsvGbPerProcessRun: 1,
    parquetBytesPerCsvByte: 0.5,
    rewrittenShare: 0.2,
    keyLookupShare: 0.5,
    cascadeParentBytesPerTrustedByte: 0.6,
    refinedInputBytesPerTrustedByte: 0.8,
    largestQueryShare: 0.4,
    fullRefreshesPerMonth: 1,
    ...dataPath,
  },
});

describe('process-run bytes formula', () => {
  it('an incremental run: staged new, key lookup of all of trusted and its cascade parents, the rewritten partitions, refined whole, quality of what was written', async () => {
    const bytes = incrementalRunBytes(input());
    expect(bytes.fullRefresh).toBe(false);
    expect(bytes.stagedRead).toBeCloseTo(0.5 * GB, 0); // 1 GB CSV x 0.5
    expect(bytes.keyLookup).toBeCloseTo(100 * 0.5 * 1.6 * GB, 0); // T x k x (1 + c) = 80 GB
    expect(bytes.rewrittenRead).toBeCloseTo(20 * GB, 0); // T x s
    expect(bytes.trustedWritten).toBeCloseTo(20.5 * GB, 0); // R + S
    expect(bytes.refinedRead).toBeCloseTo(80 * GB, 0); // T x i
    expect(bytes.refinedWritten).toBeCloseTo(40 * GB, 0); // F
    expect(bytes.qualityRead).toBeCloseTo(60.5 * GB, 0); // W + F
    expect(bytes.scanned).toBeCloseTo((0.5 + 80 + 20 + 80 + 60.5) * GB, 0);
    expect(bytes.written).toBeCloseTo(60.5 * GB, 0);
    expect(bytes.largestQuery).toBeCloseTo(0.4 * bytes.scanned, 0);
  });

  it('touched share 0 rewrites nothing (new partitions only); 1 rewrites all of trusted', async () => {
    const none = incrementalRunBytes(input({ rewrittenShare: 0 }));
    expect(none.rewrittenRead).toBe(0);
    expect(none.trustedWritten).toBeCloseTo(0.5 * GB, 0);
    expect(none.keyLookup).toBeGreaterThan(0); // the lookup still scans every key: it is how the merge finds that nothing is replaced
    const all = incrementalRunBytes(input({ rewrittenShare: 1 }));
    expect(all.rewrittenRead).toBeCloseTo(100 * GB, 0);
    expect(all.trustedWritten).toBeCloseTo(100.5 * GB, 0);
  });

  it('no new data per run skips every table: nothing scanned or written', async () => {
    const bytes = incrementalRunBytes(input({ newCsvGbPerProcessRun: 0 }));
    expect([bytes.stagedRead, bytes.keyLookup, bytes.rewrittenRead, bytes.refinedRead, bytes.qualityRead, bytes.scanned, bytes.written, bytes.largestQuery]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('an empty lake: the first increment reads and writes only the batch and what refined holds', async () => {
    const bytes = incrementalRunBytes(input({}, { trustedGb: 0, refinedGb: 0 }));
    expect(bytes.keyLookup).toBe(0);
    expect(bytes.rewrittenRead).toBe(0);
    expect(bytes.scanned).toBeCloseTo(2 * 0.5 * GB, 0); // staged, then quality of the written batch
  });

  it('a full refresh: every staged file, the cascade parents only, trusted and refined written whole, whatever the touched share', async () => {
    const bytes = fullRefreshBytes(input({ rewrittenShare: 0.9 }));
    expect(bytes.fullRefresh).toBe(true);
    expect(bytes.stagedRead).toBeCloseTo(160 * (0.5 / 1.5) * GB, 0); // raw x p/(1+p)
    expect(bytes.keyLookup).toBeCloseTo(100 * 0.5 * 0.6 * GB, 0); // T x k x c
    expect(bytes.rewrittenRead).toBe(0);
    expect(bytes.trustedWritten).toBeCloseTo(100 * GB, 0);
    expect(bytes.qualityRead).toBeCloseTo(140 * GB, 0);
    expect(bytes.written).toBeCloseTo(140 * GB, 0);
    expect(fullRefreshBytes(input({ rewrittenShare: 0 })).scanned).toBe(bytes.scanned);
  });

  it('fills the structural ratios from their defaults when a profile leaves them out', async () => {
    const profile = structuredClone(loadUsage('medium').profile) as Record<string, any>;
    profile.dataPath = { newCsvGbPerProcessRun: 0.1, rewrittenShare: 0.2, fullRefreshesPerMonth: 1 };
    const parsed = usageSchema.parse(profile);
    expect(parsed.dataPath).toEqual({
      newCsvGbPerProcessRun: 0.1,
      rewrittenShare: 0.2,
      fullRefreshesPerMonth: 1,
      parquetBytesPerCsvByte: 0.6,
      keyLookupShare: 0.35,
      cascadeParentBytesPerTrustedByte: 0.66,
      refinedInputBytesPerTrustedByte: 0.84,
      largestQueryShare: 0.4,
    });
    expect(() => usageSchema.parse({ ...profile, dataPath: { ...profile.dataPath, rewrittenShare: 1.5 } })).toThrow(/rewrittenShare|from 0 to 1/);
    expect(() => usageSchema.parse({ ...profile, crawler: { minutesPerRun: 1, dpu: 2 } })).toThrow();
  });
});

describe('strata cost prices the process runs from the data path', () => {
  const book = loadPriceBook();
  const prod = loadEnvironment({ env: 'prod' }).environment;
  const scratch = mkdtempSync(join(tmpdir(), 'strata-cost-synth-'));
  let synth: SynthOutput;

  beforeAll(async () => {
    const result = await runStrataInProcess(['synth', '--env', 'prod', '--outdir', scratch]);
    expect(result.status, result.stderr).toBe(0);
    synth = readSynthOutput(scratch);
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const platform = (lines: CostLine[]) => lines.filter((line) => line.id.startsWith('aws.athena.') && line.component.includes('PlatformWorkgroup'));

  it.each(USAGE_PROFILES)('%s: an incremental line and a full-refresh line, each stating the formula with its figures', (name) => {
    const usage = loadUsage(name).profile;
    const estimate = estimateCost({ environment: prod, usage, book, synth, usageName: name });
    const lines = platform(estimate.clouds.find((cloud) => cloud.cloud === 'aws')!.lines);
    expect(lines.map((line) => line.component)).toEqual(['Athena, workgroup PlatformWorkgroup/WorkGroup, incremental process runs', 'Athena, workgroup PlatformWorkgroup/WorkGroup, full refresh']);
    const [incremental, refresh] = lines as [CostLine, CostLine];
    const bytes = incrementalRunBytes(dataPathInput(usage));
    const runGb = (bytes.scanned + bytes.written) / GB + (usage.athena.platformQueriesPerProcessRun * 10) / 1024;
    expect(incremental.expected).toBeCloseTo(((730 * runGb) / 1024) * 5, 6);
    expect(incremental.formula).toMatch(/^per run: staged new .* key lookup .* rewritten partitions .* refined rebuild .* quality .*730 process runs \(schedules\.process rate\(1 hour\)\)/);
    const full = fullRefreshBytes(dataPathInput(usage));
    const refreshGb = (full.scanned + full.written) / GB + (usage.athena.platformQueriesPerProcessRun * 10) / 1024;
    expect(refresh.expected).toBeCloseTo(((usage.dataPath.fullRefreshesPerMonth * refreshGb) / 1024) * 5, 6);
    expect(refresh.formula).toMatch(/^per full refresh: every staged file .* full refreshes\/month \(usage dataPath\.fullRefreshesPerMonth\)/);
  });

  it('warns in one line when a run\'s largest query would pass prod\'s bytesScannedCutoffMb, and not when it stays under', () => {
    const warnings = (name: string) => estimateCost({ environment: prod, usage: loadUsage(name).profile, book, synth, usageName: name }).warnings;
    expect(warnings('small')).toEqual([]);
    const medium = warnings('medium');
    expect(medium).toHaveLength(1);
    expect(medium[0]).toMatch(/^warning: usage medium: the largest query of an incremental run scans about [\d,.]+ GB and of a full refresh about [\d,.]+ GB .*bytesScannedCutoffMb 102,400: Athena would cancel it$/);
  });

  it('renders for every profile through the command, the full refresh line included', async () => {
    for (const name of USAGE_PROFILES) {
      const result = await runStrataInProcess(['cost', '--env', 'prod', '--usage', name, '--from', scratch]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain('Athena, workgroup PlatformWorkgroup/WorkGroup, incremental process runs');
      expect(result.stdout).toContain('Athena, workgroup PlatformWorkgroup/WorkGroup, full refresh');
      expect(result.stdout).not.toMatch(/crawler/i);
    }
  }, 60_000);
});
