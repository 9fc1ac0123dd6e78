/**
 * Usage profiles (`config/usage/<name>.json`): how much the platform is used,
 * which no environment file says (GB stored, queries run, minutes per job).
 * Sizing comes from the environment; usage from here; prices from the book.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../config/load-environment.ts';
import { LAYERS } from '../../config/schema.ts';
import { REPO_ROOT } from '../synth-platform.ts';

export const USAGE_DIR = join(REPO_ROOT, 'config', 'usage');
export const USAGE_PROFILES = ['small', 'medium', 'large'] as const;
export const DEFAULT_USAGE = 'medium';

const amount = (what: string) => z.number({ error: `must be a number >= 0 (${what})` }).min(0, { error: `must be a number >= 0 (${what})` });
const fraction = (what: string) =>
  z.number({ error: `must be a number from 0 to 1 (${what})` }).min(0, { error: `must be a number from 0 to 1 (${what})` }).max(1, { error: `must be a number from 0 to 1 (${what})` });
const perLayer = (what: string) => z.strictObject(Object.fromEntries(LAYERS.map((layer) => [layer, amount(what)])) as Record<(typeof LAYERS)[number], z.ZodNumber>);
const handler = z.strictObject({
  invocationsPerRun: amount('calls of this handler class per run of its flow (Lambda invocations on AWS, Azure Functions executions on Azure)'),
  secondsPerInvocation: amount('average billed duration of one call, seconds'),
});

export const usageSchema = z.strictObject({
  description: z.string({ error: 'must be a string' }),
  storage: z.strictObject({
    storedGb: perLayer('GB held in the layer, steady state'),
    writtenGbPerMonth: perLayer('GB written to the layer per month; with coolAfterDays it decides how much is still hot'),
    writeRequestsPerMonth: amount('PUT/LIST requests (AWS) or write operations (Azure) per month, all layers'),
    readRequestsPerMonth: amount('GET requests (AWS) or read operations (Azure) per month, all layers'),
  }),
  kms: z.strictObject({ requestsPerMonth: amount('KMS or Key Vault key operations per month') }),
  ingestion: z.strictObject({
    fileDropsPerMonth: amount('files put under raw/landing/ per month; each starts an ingest run (event-driven), on top of the schedules.ingestSweep runs'),
  }),
  /** The handler functions, cloud-neutral: Lambda on AWS, Azure Functions (Flex Consumption) on Azure run the same bundles. */
  functions: z.strictObject({ ingest: handler, transform: handler, quality: handler, ml: handler }),
  stepFunctions: z.strictObject({ expressSecondsPerExecution: amount('duration of an Express execution, seconds') }),
  /**
   * What one process run reads and writes, from what arrives per run: the
   * inputs of cli/cost/process-run-bytes.ts (see docs/cost.md). The sizes of
   * trusted, refined and raw come from storage.storedGb. Defaults were
   * measured on the synthetic Olist tables (tests/cli/cost/process-run-bytes-acceptance.test.ts).
   */
  dataPath: z.strictObject({
    newCsvGbPerProcessRun: amount('GB of CSV, uncompressed as received, that the ingest flow stages between two process runs; 0: no feed, every table is skipped; GB, no default'),
    parquetBytesPerCsvByte: amount('bytes of staged Parquet (with its rejects file) per CSV byte; the same records written again to trusted or quarantine count the same; ratio, default 0.6 (Olist history 0.62)').default(0.6),
    rewrittenShare: fraction(
      'share of trusted bytes in the partitions one increment rewrites: the partitions its keys fall in, and the whole of each unpartitioned table that receives a row (order_items, order_payments, customers, products); fraction, no default (an Olist batch of the sample: 0.34)',
    ),
    keyLookupShare: fraction(
      'share of trusted bytes the key lookups scan: the key, partition and lineage columns of the tables that receive files; 1 = every table receives files and whole files are counted, as the local run report counts; fraction, default 0.35 (key columns 0.6 of the Olist trusted Parquet x 0.6 of its bytes in tables that receive files every hour: geolocation and the category names rarely do)',
    ).default(0.35),
    cascadeParentBytesPerTrustedByte: amount('key-lookup bytes of the cascade parents (orders for its items, payments and reviews; customers for orders; products and sellers for items) per trusted byte; ratio, default 0.66 (Olist)').default(0.66),
    refinedInputBytesPerTrustedByte: amount('bytes the refined rebuild reads per trusted byte: each refined model reads its trusted inputs whole, orders and order_items twice; ratio, default 0.84 (Olist)').default(0.84),
    largestQueryShare: fraction('share of a run\'s scanned bytes its largest single statement scans (the largest table\'s lookup or rewrite, the widest refined join); compared with the workgroup\'s bytesScannedCutoffMb; fraction, default 0.4').default(0.4),
    fullRefreshesPerMonth: amount('`strata run --full-refresh` (or {"fullRefresh": true}) process runs per month, each rebuilding trusted from every staged file; runs per month, no default'),
  }),
  athena: z.strictObject({
    platformQueriesPerProcessRun: amount('statements the process flow runs on the platform workgroup per run, each billed at least 10 MB (Athena\'s minimum), on top of the bytes the data path scans'),
    biQueriesPerMonth: amount('queries BI users run per month'),
    biMbScannedPerQuery: amount('average MB a BI query scans (10 MB minimum is applied)'),
  }),
  logs: z.strictObject({ ingestedGbPerLogGroupPerMonth: amount('GB written per log group per month'), azureIngestedGbPerMonth: amount('GB into Log Analytics per month') }),
  training: z.strictObject({ minutesPerRun: amount('minutes a training job takes (capped by maxRuntimeMinutes)') }),
  dataFactory: z.strictObject({
    forEachItemsWhenDynamic: amount('average items a Data Factory ForEach iterates when its list is computed at run time, e.g. file drops per ingest run (a fixed list in the pipeline JSON is counted as written)'),
  }),
  eventGrid: z.strictObject({ operationsPerMonth: amount('Event Grid operations per month: events published plus delivery attempts') }),
  databricks: z.strictObject({
    autoscaleUtilisation: fraction('where between the cluster policy min and max workers an interactive cluster runs on average'),
    interactiveSessionsPerMonth: amount('all-purpose cluster sessions per month'),
    interactiveHoursPerSession: amount('busy hours per session; the idle auto-termination minutes are added'),
    pipelineSqlMinutesPerProcessRun: amount('minutes the pipelines SQL warehouse is busy per process run (statements from the transform and quality functions)'),
    pipelineSqlMinutesPerRetrainRun: amount('minutes the pipelines SQL warehouse is busy per retrain run (features, ABT, scores)'),
    pipelineClusterUtilisation: fraction('where between min and max pipelines warehouse clusters the runs keep it on average'),
    sqlSessionsPerMonth: amount('times the BI warehouse starts per month'),
    sqlHoursPerSession: amount('busy hours per warehouse start; the idle auto-stop minutes are added'),
    sqlClusterUtilisation: fraction('where between min and max warehouse clusters BI runs on average'),
  }),
});

export type UsageProfile = z.output<typeof usageSchema>;

export interface LoadedUsage {
  readonly name: string;
  readonly file: string;
  readonly profile: UsageProfile;
  /** sha256 of the file's bytes. */
  readonly sha256: string;
  /** How a synth record names the file: `config/usage/<name>.json`, or the file's name (no path of this machine). */
  readonly recordedFile: string;
}

/** `small|medium|large` or a path to a profile file. */
export function loadUsage(selection: string = DEFAULT_USAGE, cwd = process.cwd()): LoadedUsage {
  const named = (USAGE_PROFILES as readonly string[]).includes(selection);
  const path = named ? join(USAGE_DIR, `${selection}.json`) : resolve(cwd, selection);
  const file = show(path, cwd);
  if (!existsSync(path)) throw new ConfigError([`${selection}: no such usage profile; use one of ${USAGE_PROFILES.join(', ')} (config/usage/) or a path to a profile file`]);
  const bytes = readFileSync(path);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ConfigError([`${file}: not valid JSON: ${(error as Error).message}`]);
  }
  return {
    name: named ? selection : file,
    file,
    profile: parseProfile(raw, file),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    recordedFile: named ? `config/usage/${selection}.json` : basename(path),
  };
}

/** A profile's values, validated, defaults applied; `where` names it in each refusal (a file, or a synth record's `usage.profile`). */
export function parseProfile(raw: unknown, where: string): UsageProfile {
  const result = usageSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.flatMap((issue) => {
        const at = issue.path.join('.') || '(top level)';
        if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${where}: ${[...issue.path, key].join('.')}: unknown key`);
        return [`${where}: ${at}: ${issue.message}`];
      }),
    );
  }
  return result.data;
}

function show(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith('..') ? path : rel;
}
