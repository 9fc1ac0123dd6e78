/**
 * The platform never names a workload: outside `workloads/` (and the
 * workloads' own tests, `tests/workloads/`), no file imports a module of a
 * workload folder. They reach datasets, SQL, sources, models and generators
 * through the registry (pipelines/workloads/registry.ts), which reads
 * `workloads/index.ts`, the one list of workloads with code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../cli/synth-platform.ts';

const PLATFORM_FOLDERS = ['bench', 'bin', 'cli', 'config', 'lambdas', 'pipelines', 'stacks', 'tests'];
const SKIPPED = new Set(['node_modules', 'cdk.out', 'cdktf.out', 'fixtures', 'baselines']);

/**
 * Files that still import the Olist workload, each with why. The embedded ML
 * steps build the churn ABT and the segmentation base with code written for
 * Olist's seller feature store (issue #14 item 4 grows the model definition
 * so that they need not); the tests below exercise exactly those steps.
 * The list may only shrink: an entry that no longer imports a workload fails.
 */
const KNOWN_COUPLING: Readonly<Record<string, string>> = {
  'lambdas/ml/build-features.ts': 'builds the six Olist feature tables',
  'lambdas/ml/build-training-set.ts': "builds Olist's churn ABT and segment base",
  'lambdas/ml/read-training-set.ts': "reads Olist's snapshot features",
  'cli/commands/abt.ts': "exports Olist's churn ABT",
  'tests/lambdas/ml/build-features.test.ts': 'tests build-features.ts',
  'tests/lambdas/ml/build-training-set.test.ts': 'tests build-training-set.ts',
  'tests/lambdas/ml/read-training-set.test.ts': 'tests read-training-set.ts',
  'tests/lambdas/ml/managed-scoring.test.ts': "checks scoring against Olist's snapshot features",
  'tests/cli/run-command.test.ts': "checks the retrain flow's feature tables and `strata abt export`",
};

function typeScriptFiles(folder: string): string[] {
  return readdirSync(join(REPO_ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|mjs|js)$/.test(entry.name))
    .map((entry) => relative(REPO_ROOT, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((file) => !file.split('/').some((part) => SKIPPED.has(part)) && !file.startsWith('tests/workloads/'));
}

/** The workload modules a file imports (statically, dynamically or by re-export), as repository paths. */
function workloadImports(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((match) => match[1]!);
  return specifiers
    .map((specifier) => relative(REPO_ROOT, resolve(dirname(join(REPO_ROOT, file)), specifier)).split(sep).join('/'))
    .filter((target) => target.startsWith('workloads/') && target !== 'workloads/index.ts');
}

describe('the platform and the workloads', () => {
  const files = PLATFORM_FOLDERS.flatMap(typeScriptFiles);

  it('reads the source of every platform folder (the check sees the files it vouches for)', () => {
    expect(files).toContain('pipelines/workloads/registry.ts');
    expect(files).toContain('lambdas/handlers/build-trusted.ts');
    expect(files.length).toBeGreaterThan(300);
  });

  it('imports no workload module outside workloads/, except the ML steps still written for Olist', () => {
    const offenders = files.filter((file) => workloadImports(file).length > 0 && !(file in KNOWN_COUPLING));
    expect(offenders.map((file) => `${file} imports ${workloadImports(file).join(', ')}`)).toEqual([]);
  });

  it('keeps the list of known coupling honest: each entry still imports a workload', () => {
    expect(Object.keys(KNOWN_COUPLING).filter((file) => workloadImports(file).length === 0)).toEqual([]);
  });

  it('would catch an import of a workload module (the detector itself)', () => {
    expect(workloadImports('lambdas/ml/build-training-set.ts')).toContain('workloads/olist/features.ts');
    expect(workloadImports('pipelines/workloads/registry.ts')).toEqual([]);
  });
});
