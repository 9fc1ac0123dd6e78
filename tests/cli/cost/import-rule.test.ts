import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../cli/synth-platform.ts';

const CLI = join(REPO_ROOT, 'cli');

/** Every .ts file under a folder of cli/, as a path relative to cli/. */
function sources(folder: string): string[] {
  return (readdirSync(join(CLI, folder), { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(CLI, join(entry.parentPath, entry.name)));
}

/** The modules a file imports (static, re-exported or dynamic), relative to cli/; packages and node: modules left out. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(CLI, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+['"]([^'"]+)['"]/g), ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => match[1]!);
  return specifiers.filter((specifier) => specifier.startsWith('.')).map((specifier) => relative(CLI, resolve(dirname(join(CLI, file)), specifier)));
}

describe('who imports whom between the estimator, the plan and the shared reader', () => {
  it('finds the imports it checks (the rule is not passing on an empty list)', () => {
    expect(importsOf('cost/estimate.ts')).toContain('synthesized/resources.ts');
    expect(importsOf('plan/plan.ts')).toContain('cost/cost.ts');
  });

  it('never has the estimator (cli/cost/) import the plan (cli/plan/)', () => {
    const offending = sources('cost').flatMap((file) => importsOf(file).filter((target) => target.startsWith('plan/')).map((target) => `${file} -> ${target}`));
    expect(offending).toEqual([]);
  });

  it('has the plan reach the estimator through its entry module, cli/cost/cost.ts, only', () => {
    const offending = sources('plan').flatMap((file) => importsOf(file).filter((target) => target.startsWith('cost/') && target !== 'cost/cost.ts').map((target) => `${file} -> ${target}`));
    expect(offending).toEqual([]);
  });

  it('keeps the shared reader of the synthesized output (cli/synthesized/) and the money format (cli/format/) free of both', () => {
    const offending = [...sources('synthesized'), ...sources('format')].flatMap((file) => importsOf(file).filter((target) => target.startsWith('cost/') || target.startsWith('plan/')).map((target) => `${file} -> ${target}`));
    expect(offending).toEqual([]);
  });
});

describe('the estimate', () => {
  it('composes every priced component: a module under cli/cost/components/ that estimate.ts leaves out prices nothing', () => {
    const components = sources('cost/components').filter((file) => file !== join('cost', 'components', 'component.ts'));
    expect(components.length).toBeGreaterThan(10);
    const composed = new Set(importsOf('cost/estimate.ts'));
    expect(components.filter((file) => !composed.has(file))).toEqual([]);
  });
});
