/**
 * The Lambda code of every handler, built by one esbuild run with one entry
 * point per handler (lambdas/entrypoints/aws/<handler>.ts ->
 * <handler>/index.mjs), once per process. Seventeen separate builds, one per
 * function as NodejsFunction does them, were 9 of a prod synth's 11 seconds;
 * one build of all of them takes about one.
 *
 * Each bundle is the ESM for Node 24 with the AWS SDK v3 left to the runtime,
 * and the workloads' dataset files and SQL beside it: the registry reads
 * them from the code's folder at run time, so a changed table or model
 * changes the asset hash and redeploys the function.
 */
import { buildSync } from 'esbuild';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HANDLERS, type HandlerName } from '../../pipelines/flows/index.ts';
import { workloadBundleFiles } from '../../pipelines/workloads/bundle-files.ts';
import { workloadsRoot } from '../../pipelines/workloads/registry.ts';
import { withSynthProgress } from '../shared/synth-progress.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The file each bundle's handler is exported from (the function's handler is `index.handler`). */
export const LAMBDA_BUNDLE_FILE = 'index.mjs';

/** Bundle folders built in this process, by workloads root (the workload files beside the code are the root's). */
const built = new Map<string, string>();

/** The folder holding `<handler>/index.mjs` and the workload files for every handler; built on first call. */
export function lambdaBundlesFolder(): string {
  const root = workloadsRoot();
  const cached = built.get(root);
  if (cached) return cached;
  const outdir = mkdtempSync(join(tmpdir(), 'strata-lambdas-'));
  // The build is this process's scratch; the assets CDK stages from it are copies.
  process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
  const handlers = Object.keys(HANDLERS) as HandlerName[];
  withSynthProgress(`bundling ${handlers.length} Lambda handlers (one esbuild build)`, `bundled ${handlers.length} Lambda handlers`, () => buildSync({
    absWorkingDir: REPO_ROOT,
    entryPoints: Object.fromEntries(handlers.map((handler) => [`${handler}/index`, join(REPO_ROOT, 'lambdas', 'entrypoints', 'aws', `${handler}.ts`)])),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    sourcemap: false,
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    // ESM bundles of CommonJS dependencies still call require().
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  }));
  const workloadFiles = workloadBundleFiles();
  for (const handler of handlers) {
    for (const file of workloadFiles) {
      const target = join(outdir, handler, ...file.path.split('/'));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(file.source, target);
    }
  }
  built.set(root, outdir);
  return outdir;
}

/** One handler's bundle folder (its index.mjs and the workload files). */
export function lambdaBundleOf(handler: HandlerName): string {
  return join(lambdaBundlesFolder(), handler);
}
