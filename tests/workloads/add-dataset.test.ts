/**
 * Adding a dataset is adding files: a copy of the test workload `shop`
 * (tests/fixtures/workloads/shop, one table, no code) gets a second table,
 * `sales`, by writing `datasets/sales.yaml` and `sql/trusted/sales.sql` and
 * nothing else. Then both clouds' synth declare it, and a local run
 * ingests, stages, checks, builds, quarantines and reports it.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { Testing } from 'cdktf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../cli/synth-platform.ts';
import { WORKLOADS_DIR_VARIABLE } from '../../pipelines/workloads/registry.ts';
import { flowRunsOf } from '../../cli/cost/flow-runs.ts';
import { loadUsage } from '../../cli/cost/usage.ts';
import type { Environment } from '../../config/schema.ts';
import { addPlatform, createAwsApp } from '../../stacks/aws/aws-app.ts';
import { buildAzureApp } from '../../stacks/azure/azure-app.ts';
import { environmentFrom, TEST_VERSION } from '../support/environments.ts';
import { runStrata, type CliResult } from '../support/run-cli.ts';
import { resourcesOf, synthStacks, type TfJson } from '../stacks/azure/synth-helpers.ts';

const SALES_DATASET = `description: One row per sale of a store.
sourceFile: sales.csv
primaryKey: [ sale_id ]
columns:
  - { name: sale_id, type: string, required: true, description: Sale identifier. }
  - { name: store_id, type: string, required: true, references: stores.store_id, description: Store that sold. }
  - { name: amount, type: "decimal(12,2)", required: true, range: { min: 0 }, description: "Amount, EUR." }
  - { name: sold_at, type: timestamp, required: true, description: When it was sold. }
partition: { column: sale_month, kind: month, derivedFrom: sold_at, firstMonth: "2026-01" }
`;

const SALES_MODEL = `select
  {{ text(sale_id) }} as sale_id,
  {{ text(store_id) }} as store_id,
  {{ decimal(amount) }} as amount,
  {{ timestamp(sold_at) }} as sold_at,
  {{ lineage() }}
from {{ source(sales) }}
`;

const STORES_CSV = 'store_id,city,opened_on\nS1,Lisboa,2025-03-01\nS2,Porto,2025-06-15\n';
// Five sales: three good, one negative amount (a rule), one of a store that never arrived (waits for its parent).
const SALES_CSV = [
  'sale_id,store_id,amount,sold_at',
  'A1,S1,12.50,2026-02-01 10:00:00',
  'A2,S1,3.10,2026-02-01 11:30:00',
  'A3,S2,40.00,2026-03-05 09:15:00',
  'A4,S2,-5.00,2026-03-05 09:20:00',
  'A5,S9,7.00,2026-03-06 17:45:00',
].join('\n');

// Two of five sales rejected is above the default 20% share: allowed here, as a team would for a small table.
const ENVIRONMENT_YAML = 'name: shoptest\nworkloads: [ shop ]\nquality: { maxQuarantinedShareByTable: { sales: 0.5 } }\n';

describe('a dataset added to a workload by files only', () => {
  const work = mkdtempSync(join(tmpdir(), 'strata-add-dataset-'));
  const root = join(work, 'workloads');
  const shop = join(root, 'shop');
  const previousRoot = process.env[WORKLOADS_DIR_VARIABLE];
  let aws: Template;
  let awsPipelines: Template;
  let azurePipelines: TfJson;
  let environment: Environment;
  let azure: { workspace: TfJson; platform: TfJson };
  let run: CliResult;
  let report: { tables: Record<string, { raw: number; trusted: number; quarantined: number; status: string }>; quality: { table: string; rule: string; passed: boolean; failingRows: number }[]; flows: { flow: string }[] };

  beforeAll(() => {
    cpSync(join(REPO_ROOT, 'tests', 'fixtures', 'workloads', 'shop'), shop, { recursive: true });
    // The whole change: two new files.
    writeFileSync(join(shop, 'datasets', 'sales.yaml'), SALES_DATASET);
    writeFileSync(join(shop, 'sql', 'trusted', 'sales.sql'), SALES_MODEL);
    process.env[WORKLOADS_DIR_VARIABLE] = root;

    environment = environmentFrom(ENVIRONMENT_YAML);
    const app = createAwsApp({ outdir: join(work, 'cdk.out'), bundle: false });
    const stacks = addPlatform(app, environment, TEST_VERSION);
    app.synth();
    aws = Template.fromStack(stacks.catalog);
    awsPipelines = Template.fromStack(stacks.pipelines);
    azure = synthStacks(environment);
    azurePipelines = JSON.parse(Testing.synth(buildAzureApp({ environment, version: TEST_VERSION, outdir: join(work, 'cdktf.out') }).pipelines, true)) as TfJson;

    const data = join(work, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'stores.csv'), STORES_CSV);
    writeFileSync(join(data, 'sales.csv'), `${SALES_CSV}\n`);
    writeFileSync(join(work, 'shoptest.yaml'), ENVIRONMENT_YAML);
    const lake = join(work, 'lake');
    run = runStrata(['run', '--data', data, '--lake', lake, '--config', join(work, 'shoptest.yaml'), '--flows', 'all'], {
      env: { [WORKLOADS_DIR_VARIABLE]: root, STRATA_VERSION: '0.1.0+add-dataset-test' },
    });
    const runId = /^run (run-\S+) (succeeded|failed) in /m.exec(run.stdout)?.[1];
    if (runId) report = JSON.parse(readFileSync(join(lake, '_runs', `${runId}.json`), 'utf8'));
  }, 120_000);
  afterAll(() => {
    if (previousRoot === undefined) delete process.env[WORKLOADS_DIR_VARIABLE];
    else process.env[WORKLOADS_DIR_VARIABLE] = previousRoot;
    rmSync(work, { recursive: true, force: true });
  });

  const glueTables = (name: string) =>
    Object.values(aws.findResources('AWS::Glue::Table')).filter((table) => (table.Properties as { TableInput: { Name: string } }).TableInput.Name === name);

  it('is declared on AWS: its staged raw table and its trusted table in Glue, with a Data Quality ruleset', () => {
    expect(glueTables('sales')).toHaveLength(2);
    expect(glueTables('stores')).toHaveLength(2);
    const rulesets = Object.values(aws.findResources('AWS::Glue::DataQualityRuleset')).map((ruleset) => (ruleset.Properties as { Ruleset: string }).Ruleset);
    expect(rulesets.some((ruleset) => ruleset.includes('ReferentialIntegrity "store_id" "stores.store_id"') && ruleset.includes('ColumnValues "amount" >= 0'))).toBe(true);
    // Only the environment's workload: no Olist table is declared.
    expect(glueTables('orders')).toEqual([]);
  });

  it('is declared on Azure: its staged raw table and rejects in Unity Catalog', () => {
    const names = Object.values(resourcesOf(azure.workspace, 'databricks_sql_table')).map((table) => table.name as string);
    expect(names).toEqual(expect.arrayContaining(['sales', 'sales_rejects', 'stores', 'stores_rejects']));
    expect(names).not.toContain('orders');
  });

  it('has nothing to poll and nothing to retrain: no poll schedule, pipeline or retrain flow on either cloud, and cost counts none', () => {
    const schedules = Object.values(awsPipelines.findResources('AWS::Scheduler::Schedule')).map((schedule) => (schedule.Properties as { Name: string }).Name);
    expect(schedules.some((name) => name.includes('poll-api'))).toBe(false);
    const machines = Object.values(awsPipelines.findResources('AWS::StepFunctions::StateMachine')).map((machine) => (machine.Properties as { StateMachineName: string }).StateMachineName);
    expect(machines.map((name) => name.replace(/^strata-shoptest-/, '')).sort()).toEqual(['ingest-flow', 'process-flow']);
    const pipelines = Object.values(resourcesOf(azurePipelines, 'azurerm_data_factory_pipeline')).map((pipeline) => pipeline.name as string);
    expect(pipelines.some((name) => name.includes('poll') || name.includes('retrain'))).toBe(false);
    const notes: string[] = [];
    expect(flowRunsOf(environment, loadUsage().profile, notes)).toMatchObject({ retrain: 0, polls: 0 });
    expect(notes).toEqual([expect.stringContaining('no models'), expect.stringContaining('no HTTP sources')]);
  });

  it('is ingested, built and reported by a local run, losing no row, with no retrain flow (the workload has no model)', () => {
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(report.flows.map((flow) => flow.flow)).toEqual(['ingest', 'process']);
    expect(report.tables.stores).toMatchObject({ raw: 2, trusted: 2, quarantined: 0 });
    expect(report.tables.sales).toMatchObject({ raw: 5, trusted: 3, quarantined: 2 });
    const salesRules = report.quality.filter((rule) => rule.table === 'sales');
    expect(salesRules.find((rule) => rule.rule === 'row_count_reconciliation(raw = trusted + quarantined)')?.passed).toBe(true);
    expect(salesRules.find((rule) => rule.rule === 'referential_integrity(store_id -> stores.store_id)')?.passed).toBe(true);
  });
});
