/**
 * Helpers for the Azure stack specifications: build environments from YAML and
 * synthesize both stacks to parsed Terraform JSON.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import type { Environment } from '../../../config/schema.ts';
import { buildAzureApp } from '../../../stacks/azure/azure-app.ts';
import { WORKLOADS_DIR_VARIABLE } from '../../../pipelines/workloads/registry.ts';

export { TEST_VERSION } from '../../support/environments.ts';
import { TEST_VERSION } from '../../support/environments.ts';

// Synthesized Terraform JSON is untyped by nature.
export type TfJson = Record<string, any>;

export interface SynthesizedAzure {
  platform: TfJson;
  workspace: TfJson;
}

/**
 * Synthesizes both stacks in memory (Testing.synth) and parses them. The
 * test files of a worker share one module cache: each environment and
 * version is synthesized once per worker, and every caller gets its own copy.
 */
export function synthStacks(environment: Environment, version = TEST_VERSION): SynthesizedAzure {
  // Workloads are read from the folder STRATA_WORKLOADS_DIR names, so it is part of what was synthesized.
  const key = JSON.stringify([environment, version, process.env[WORKLOADS_DIR_VARIABLE] ?? null]);
  let synthesized = synthesizedStacks.get(key);
  if (synthesized === undefined) {
    synthesized = synthesizeStacks(environment, version);
    synthesizedStacks.set(key, synthesized);
  }
  return structuredClone(synthesized);
}

const synthesizedStacks = new Map<string, SynthesizedAzure>();

function synthesizeStacks(environment: Environment, version: string): SynthesizedAzure {
  // cdktf's App creates its outdir even when nothing is written to it.
  const outdir = mkdtempSync(join(tmpdir(), 'strata-azure-test-'));
  try {
    const { platform, workspace } = buildAzureApp({ environment, version, outdir });
    return { platform: JSON.parse(Testing.synth(platform, true)) as TfJson, workspace: JSON.parse(Testing.synth(workspace, true)) as TfJson };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** All resources of one Terraform type, by logical name. */
export function resourcesOf(stack: TfJson, type: string): Record<string, TfJson> {
  return (stack.resource?.[type] ?? {}) as Record<string, TfJson>;
}

/** The single resource of a type; fails when there is not exactly one. */
export function onlyResource(stack: TfJson, type: string): TfJson {
  const all = Object.values(resourcesOf(stack, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0] as TfJson;
}
