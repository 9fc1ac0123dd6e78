/**
 * The private networking component over the synthesized prod (private) and
 * dev (public) Azure platforms: endpoints, DNS zones and the factory's
 * managed virtual network are priced in prod and nothing in dev.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComponentInput } from '../../../cli/cost/components/component.ts';
import { managedNetworkMinutes, privateNetworkLines } from '../../../cli/cost/components/private-network.ts';
import { flowRunsOf } from '../../../cli/cost/flow-runs.ts';
import { loadPriceBook } from '../../../cli/cost/price-book.ts';
import { HOURS_PER_MONTH } from '../../../cli/cost/schedules.ts';
import { loadUsage } from '../../../cli/cost/usage.ts';
import type { SynthesizedResources } from '../../../cli/synthesized/resources.ts';
import type { TfResource } from '../../../cli/synthesized/synth-output.ts';
import type { Environment } from '../../../config/schema.ts';
import { buildAzureApp } from '../../../stacks/azure/azure-app.ts';
import { FUNCTION_APP_CLASSES } from '../../../stacks/azure/pipelines-stack.ts';
import { environmentNamed, TEST_VERSION } from '../../support/environments.ts';

const book = loadPriceBook();
const medium = loadUsage('medium').profile;

/** Every Terraform resource of the three Azure stacks, as the estimate sees them. */
function azureResources(environment: Environment): TfResource[] {
  const outdir = mkdtempSync(join(tmpdir(), 'strata-cost-network-'));
  try {
    const { platform, workspace, pipelines } = buildAzureApp({ environment, version: TEST_VERSION, outdir });
    return [platform, workspace, pipelines].flatMap((stack) => {
      const json = JSON.parse(Testing.synth(stack, true)) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
      return Object.entries(json.resource ?? {}).flatMap(([type, byName]) => Object.entries(byName).map(([name, body]) => ({ address: `${type}.${name}`, type, name, path: name, body })));
    });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function inputFor(environment: Environment, azure: TfResource[]): ComponentInput {
  const notes: string[] = [];
  const resources: SynthesizedResources = { aws: [], azure, hasAws: false };
  return { env: environment, usage: medium, usageName: 'medium', book, resources, flowRuns: flowRunsOf(environment, medium, notes), notes, warnings: [] };
}

const prod = environmentNamed('prod');
const dev = environmentNamed('dev');
let prodResources: TfResource[];
let devResources: TfResource[];
beforeAll(() => {
  prodResources = azureResources(prod);
  devResources = azureResources(dev);
}, 120_000);

describe('private networking component', () => {
  it('prices prod’s endpoints by the hour, their data by the GB, its DNS zones by the month and the key reads on the managed virtual network', () => {
    const lines = privateNetworkLines(inputFor(prod, prodResources));
    expect(lines.map((line) => line.id)).toEqual(['azure.privatelink.endpoints', 'azure.privatelink.data', 'azure.privatedns.zones', 'azure.datafactory.managedVnet']);
    const [endpoints, data, zones, managed] = lines;
    // Lake blob + dfs, the vault, and per function app its runtime account's blob, queue, table and its site.
    const count = 3 + FUNCTION_APP_CLASSES.length * 4;
    expect(endpoints!.expected).toBeCloseTo(count * HOURS_PER_MONTH * 0.01, 9);
    expect(endpoints!.kind).toBe('always-on');
    expect(endpoints!.formula).toBe(`${count} endpoints x 730 h x $0.01 = $${(count * 7.3).toFixed(2)}`);
    const written = Object.values(medium.storage.writtenGbPerMonth).reduce((total, value) => total + value, 0);
    expect(data!.expected).toBeCloseTo(written * 0.01, 9);
    expect(zones!.expected).toBeCloseTo(6 * 0.5, 9);
    expect(zones!.kind).toBe('always-on');
    expect(managed!.kind).toBe('usage-based');
    expect(managed!.expected).toBeGreaterThan(0);
  });

  it('counts one started minute per key read and run: the poller’s every-minute schedule dominates', () => {
    const notes: string[] = [];
    const flowRuns = flowRunsOf(prod, medium, notes);
    const pipelines = prodResources.filter((r) => r.type === 'azurerm_data_factory_pipeline').map((r) => r.body);
    const { minutes, parts } = managedNetworkMinutes(pipelines, flowRuns, notes);
    // poll-api: one key read per run, one run per API poll (schedules.ingest rate(1 minute) in prod).
    expect(parts).toContain(`poll-api ${flowRuns.polls.toLocaleString('en-US')} runs x 1 min`);
    expect(minutes).toBeGreaterThanOrEqual(flowRuns.polls);
    const managed = privateNetworkLines(inputFor(prod, prodResources)).find((line) => line.id === 'azure.datafactory.managedVnet')!;
    expect(managed.expected).toBeCloseTo((minutes / 60) * 1, 9);
    expect(notes).toEqual([]);
  });

  it('prices nothing for dev, which keeps its public endpoints', () => {
    expect(privateNetworkLines(inputFor(dev, devResources))).toEqual([]);
  });
});
