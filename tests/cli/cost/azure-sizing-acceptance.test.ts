import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { costContext, estimateFor } from '../../../cli/cost/cost.ts';
import type { CostLine } from '../../../cli/cost/estimate.ts';
import { readSynthOutput, type SynthOutput } from '../../../cli/synthesized/synth-output.ts';
import { REPO_ROOT } from '../../../cli/synth-platform.ts';
import { loadEnvironment } from '../../../config/load-environment.ts';
import { runStrataInProcess } from '../../support/run-cli.ts';
import { TEST_VERSION } from '../../support/environments.ts';

const PROD = 'config/environments/prod.yaml';

/** The Azure half of `strata synth`, as the CLI runs it: the CDKTF app under tsx, into `<dir>/cdktf.out`. */
function synthAzure(config: string, dir: string): SynthOutput {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'stacks/azure/main.ts', '--config', config, '--outdir', join(dir, 'cdktf.out')], {
    cwd: REPO_ROOT,
    env: { ...process.env, STRATA_VERSION: TEST_VERSION },
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  return readSynthOutput(dir);
}

/**
 * Issue #6 acceptance: changing the Databricks sizing in the environment file
 * changes the synthesized compute and the cost estimate. A copy of prod.yaml
 * with a Medium pipelines warehouse of 2..4 clusters and Standard_D8ds_v5 nodes,
 * both synthesized for real.
 */
describe('acceptance: prod.yaml against a copy with bigger Databricks sizing, both synthesized', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'strata-azure-sizing-'));
  const copy = join(scratch, 'prod-bigger.yaml');
  let base: SynthOutput;
  let head: SynthOutput;
  let baseLines: CostLine[];
  let headLines: CostLine[];
  const line = (lines: CostLine[], id: string) => {
    const found = lines.find((l) => l.id === id);
    expect(found, id).toBeDefined();
    return found!;
  };

  beforeAll(async () => {
    const document = parse(readFileSync(PROD, 'utf8')) as Record<string, any>;
    expect(document.sizing.databricks.pipelineWarehouse).toMatchObject({ size: 'Small', minClusters: 1, maxClusters: 2 });
    Object.assign(document.sizing.databricks.pipelineWarehouse, { size: 'Medium', minClusters: 2, maxClusters: 4 });
    document.sizing.databricks.nodeType = 'Standard_D8ds_v5';
    writeFileSync(copy, stringify(document));
    base = synthAzure(PROD, join(scratch, 'base'));
    head = synthAzure(copy, join(scratch, 'head'));
    const context = costContext('medium', '2026-11-22');
    const azure = (config: string, synth: SynthOutput) => estimateFor(context, loadEnvironment({ config }), synth).clouds.find((cloud) => cloud.cloud === 'azure')!.lines;
    baseLines = azure(PROD, base);
    headLines = azure(copy, head);
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('synthesizes the pipelines warehouse with the new size and clusters, found by its purpose tag', async () => {
    const pipelinesWarehouse = (synth: SynthOutput) =>
      synth.azure
        .flatMap((stack) => [...stack.resources.values()])
        .find((r) => r.type === 'databricks_sql_endpoint' && JSON.stringify(r.body.tags).includes('"value":"pipelines"'))!.body;
    expect(pipelinesWarehouse(base)).toMatchObject({ cluster_size: 'Small', min_num_clusters: 1, max_num_clusters: 2 });
    expect(pipelinesWarehouse(head)).toMatchObject({ cluster_size: 'Medium', min_num_clusters: 2, max_num_clusters: 4 });
  });

  it('prices the pipelines warehouse at four times the base (twice the DBU/h, twice the clusters) and the interactive clusters at the bigger node', async () => {
    const before = line(baseLines, 'azure.databricks.sql.pipelines');
    const after = line(headLines, 'azure.databricks.sql.pipelines');
    expect(after.expected).toBeCloseTo(4 * before.expected, 6);
    expect(after.max).toBeCloseTo(4 * before.max, 6);
    expect(after.component).toBe('Databricks SQL warehouse (pipelines), Medium serverless');
    expect(after.formula).toContain('x 2 clusters x 24 DBU/h x $0.7');
    const interactive = line(headLines, 'azure.databricks.allPurpose');
    expect(interactive.formula).toContain('driver ($0.506 + 2 DBU x $0.55)');
    expect(interactive.expected).toBeGreaterThan(line(baseLines, 'azure.databricks.allPurpose').expected);
    // BI's warehouse did not change.
    expect(line(headLines, 'azure.databricks.sql').expected).toBe(line(baseLines, 'azure.databricks.sql').expected);
  });

  it('covers the pipeline resources found in the synth: a function line per handler class, a Data Factory line per pipeline, no job-cluster line', async () => {
    const ids = baseLines.map((l) => l.id);
    for (const handlerClass of ['ingest', 'transform', 'quality', 'ml']) expect(ids).toContain(`azure.functions.${handlerClass}`);
    // Besides the pipelines' lines, prod's private network prices the key reads on the factory's managed virtual network.
    expect(ids).toContain('azure.datafactory.managedVnet');
    expect(ids.filter((id) => id.startsWith('azure.datafactory.') && id !== 'azure.datafactory.managedVnet')).toHaveLength(base.azure.flatMap((s) => [...s.resources.values()]).filter((r) => r.type === 'azurerm_data_factory_pipeline').length);
    expect(ids).not.toContain('azure.databricks.jobs');
    expect(ids).toContain('azure.eventgrid');
    expect(ids).toContain('azure.monitor.metricAlerts');
  });

  it('times each WebHook step of the synthesized pipelines by its handler class (a 150 s transform step is 3 external minutes)', async () => {
    const context = costContext('medium', '2026-11-22');
    const slow = { ...context.usage.profile, functions: { ...context.usage.profile.functions, transform: { ...context.usage.profile.functions.transform, secondsPerInvocation: 150 } } };
    const lines = estimateFor({ ...context, usage: { ...context.usage, profile: slow } }, loadEnvironment({ config: PROD }), base).clouds.find((cloud) => cloud.cloud === 'azure')!.lines;
    // The builds run in process-steps, which the process pipeline starts when something is new.
    const process = line(lines, 'azure.datafactory.process-steps');
    // Counted at every process run, and said to be an upper bound: it runs only when the check finds work.
    expect(process.formula).toMatch(/^730 runs \(run by process \(Execute Pipeline\) when its check finds work; counted at every run of schedules\.process rate\(1 hour\), an upper bound\)/);
    expect(line(lines, 'azure.datafactory.process').formula).toContain('FindNewData 1 x 3 min (transform 150 s, rounded up)');
    // The trusted builds run in three maps, parents first: 7 (six Olist, one weather) + 1 + 3 tables.
    for (const part of ['BuildTrustedTable1 7 x 3 min', 'BuildTrustedTable2 1 x 3 min', 'BuildTrustedTable3 3 x 3 min']) expect(process.formula).toContain(`${part} (transform 150 s, rounded up)`);
    expect(process.formula).toContain('CheckQuality 1 x 1 min (quality 10 s, rounded up)');
    expect(process.expected).toBeGreaterThan(line(baseLines, 'azure.datafactory.process-steps').expected);
  });

  it('strata cost --vs prints both lines rising, with their formulas', async () => {
    const result = await runStrataInProcess(['cost', '--config', PROD, '--vs', copy, '--from', join(scratch, 'base'), '--vs-from', join(scratch, 'head')]);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    for (const component of ['Databricks SQL warehouse (pipelines)', 'Databricks all-purpose (interactive) compute']) {
      const index = lines.findIndex((text) => text.includes(component));
      expect(lines[index], component).toMatch(/\s\+\$[\d,]+\.\d\d$/);
      expect(lines[index + 1]).toMatch(/^\s+was: /);
      expect(lines[index + 2]).toMatch(/^\s+now: /);
    }
  });
});
