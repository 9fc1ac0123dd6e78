/**
 * The platform never names a workload: outside `workloads/` (and the
 * workloads' own tests, `tests/workloads/`), no file imports a module of a
 * workload folder. They reach datasets, SQL, sources, models and generators
 * through the registry (pipelines/workloads/registry.ts), which reads
 * `workloads/index.ts` (and the ML handlers `workloads/ml.ts`), the lists
 * of workloads with code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../cli/synth-platform.ts';

const PLATFORM_FOLDERS = ['bench', 'bin', 'cli', 'config', 'lambdas', 'pipelines', 'stacks', 'tests'];
const SKIPPED = new Set(['node_modules', 'cdk.out', 'cdktf.out', 'fixtures', 'baselines']);
/** The lists of workloads with code: what the registry (and the ML steps) read instead of naming one. */
const WORKLOAD_LISTS = new Set(['workloads/index.ts', 'workloads/ml.ts', 'workloads/generators.ts']);

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
    .filter((target) => target.startsWith('workloads/') && !WORKLOAD_LISTS.has(target));
}

describe('the platform and the workloads', () => {
  const files = PLATFORM_FOLDERS.flatMap(typeScriptFiles);

  it('reads the source of every platform folder (the check sees the files it vouches for)', () => {
    expect(files).toContain('pipelines/workloads/registry.ts');
    expect(files).toContain('lambdas/handlers/build-trusted.ts');
    expect(files.length).toBeGreaterThan(300);
  });

  it('imports no workload module outside workloads/', () => {
    const offenders = files.filter((file) => workloadImports(file).length > 0);
    expect(offenders.map((file) => `${file} imports ${workloadImports(file).join(', ')}`)).toEqual([]);
  });

  it('would catch an import of a workload module (the detector itself, on files that do)', () => {
    expect(workloadImports('workloads/olist/ml/olist-ml.ts')).toContain('workloads/olist/order-delay.ts');
    expect(workloadImports('tests/workloads/olist/ml/sample-lake.ts')).toContain('workloads/olist/ml/build-features.ts');
    expect(workloadImports('pipelines/workloads/registry.ts')).toEqual([]);
  });
});
