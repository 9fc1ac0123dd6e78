/**
 * The Azure function apps' code: one zip for every handler class (the app
 * setting STRATA_HANDLER_CLASS picks which handlers an app registers),
 * deployed with zip deploy. Built with esbuild from
 * lambdas/entrypoints/azure/function-app.ts, like the AWS bundles, and
 * zipped deterministically: two builds of one commit are byte-identical, so
 * the asset hash (and the Terraform plan) changes exactly when the code or
 * the workload files (dataset definitions, SQL models) do.
 *
 * Layout (the Functions Node worker loads package.json's `main`):
 *   index.mjs      the bundle: handlers, adapters, @azure/functions
 *   package.json   {"type": "module", "main": "index.mjs"}
 *   host.json      version 2.0; the extension bundle (v4), for the step queue's
 *                  trigger and output binding (HTTP triggers are built into the host)
 *   <workload>/datasets/ <workload>/sql/   the workloads' dataset files and SQL models,
 *                  where the registry looks at run time (beside the code: the
 *                  workloads root is the bundle's folder)
 */
import { buildSync } from 'esbuild';
import { zipSync, type Zippable } from 'fflate';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workloadBundleFiles } from '../../pipelines/workloads/bundle-files.ts';
import { workloadsRoot } from '../../pipelines/workloads/registry.ts';
import { STEP_ATTEMPTS, STEP_RETRY_DELAY_SECONDS } from '../../lambdas/entrypoints/azure/app-settings.ts';
import { hostFunctionTimeout } from './pipelines/handler-function-app.ts';

export interface FunctionBundle {
  /** The zip, under the outdir given. */
  readonly zipPath: string;
  /** Hex sha256 of the zip's bytes. */
  readonly sha256: string;
  /** Paths inside the zip, sorted. */
  readonly files: readonly string[];
}

export interface FunctionBundleOptions {
  /** A build folder the stack chooses (never committed); created when missing. */
  readonly outdir: string;
  /** Reuse the zip built earlier in this process for the same workloads root (the bundle depends on the checkout and the root only). @default true */
  readonly cache?: boolean;
}

/** File name of the zip in the outdir. */
export const FUNCTION_BUNDLE_ZIP = 'strata-functions.zip';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Zip entries carry this time, not the build's: the DOS date fields are built from local-time parts, fixed here in any time zone. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

const HOST_JSON = {
  version: '2.0',
  logging: { applicationInsights: { samplingSettings: { isEnabled: false } } },
  extensions: {
    http: { routePrefix: 'api' },
    // A step that fails (or whose instance dies) is delivered again, STEP_ATTEMPTS times in all,
    // then left on the poison queue; the runner reports to Data Factory before that happens.
    queues: { maxDequeueCount: STEP_ATTEMPTS, visibilityTimeout: hostFunctionTimeout(STEP_RETRY_DELAY_SECONDS), batchSize: 1 },
  },
  // Storage queue trigger and output (the step queue) come from the extension bundle. A version
  // range: the host resolves it when it starts, so the zip itself stays the same bytes.
  extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' },
};

const PACKAGE_JSON = {
  name: 'strata-functions',
  private: true,
  type: 'module',
  main: 'index.mjs',
  description: 'Strata pipeline handlers for Azure Functions (Node v4 programming model), bundled by stacks/azure/function-bundle.ts',
};

/** Zips built in this process, by workloads root (the code is the checkout's; the workload files are the root's). */
const built = new Map<string, { zip: Uint8Array; sha256: string; files: string[] }>();

function bundleBytes(): { zip: Uint8Array; sha256: string; files: string[] } {
  const result = buildSync({
    absWorkingDir: REPO_ROOT,
    entryPoints: [join(REPO_ROOT, 'lambdas', 'entrypoints', 'azure', 'function-app.ts')],
    bundle: true,
    write: false,
    outfile: 'index.mjs',
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    mainFields: ['module', 'main'],
    // The Functions Node worker provides it at run time (it intercepts require).
    external: ['@azure/functions-core'],
    // ESM bundles of CommonJS dependencies (@azure/functions) still call require().
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'silent',
  });
  if (result.errors.length > 0) throw new Error(`function bundle: esbuild failed: ${result.errors.map((error) => error.text).join('; ')}`);
  const index = result.outputFiles.find((file) => file.path.endsWith('index.mjs'));
  if (!index) throw new Error('function bundle: esbuild wrote no index.mjs');
  const encoder = new TextEncoder();
  const entries = new Map<string, Uint8Array>([
    ['index.mjs', index.contents],
    ['package.json', encoder.encode(`${JSON.stringify(PACKAGE_JSON, null, 2)}\n`)],
    ['host.json', encoder.encode(`${JSON.stringify(HOST_JSON, null, 2)}\n`)],
  ]);
  for (const file of workloadBundleFiles()) entries.set(file.path, readFileSync(file.source));
  const files = [...entries.keys()].sort();
  const zippable: Zippable = {};
  for (const name of files) zippable[name] = [entries.get(name)!, { mtime: FIXED_MTIME, level: 9 }];
  const zip = zipSync(zippable);
  return { zip, sha256: createHash('sha256').update(zip).digest('hex'), files };
}

/** Bundles the function app and writes `<outdir>/strata-functions.zip`. */
export function buildFunctionBundle(options: FunctionBundleOptions): FunctionBundle {
  const root = workloadsRoot();
  const bundle = options.cache === false ? bundleBytes() : (built.get(root) ?? built.set(root, bundleBytes()).get(root)!);
  mkdirSync(options.outdir, { recursive: true });
  const zipPath = join(options.outdir, FUNCTION_BUNDLE_ZIP);
  writeFileSync(zipPath, bundle.zip);
  return { zipPath, sha256: bundle.sha256, files: bundle.files };
}
