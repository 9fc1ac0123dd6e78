/**
 * The Azure CDKTF app: the `platform` stack (lake, key vault, logs, Databricks
 * workspace), the `workspace` stack (cluster policy, SQL warehouses) that is
 * configured from the platform stack's outputs, and the `pipelines` stack
 * (Data Factory, function apps, notifications) that reads both.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import type { Environment } from '../../config/schema.ts';
import { buildFunctionBundle, type FunctionBundle } from './function-bundle.ts';
import { PipelinesStack } from './pipelines-stack.ts';
import { PlatformStack } from './platform-stack.ts';
import { WorkspaceStack } from './workspace-stack.ts';
import { withSynthProgress } from '../shared/synth-progress.ts';

/** Folder under the outdir where the function bundle is built; not a stack, so Terraform never runs in it. */
export const FUNCTION_BUILD_DIR = join('build', 'functions');

export interface AzureAppProps {
  /** The environment, parsed and with every default applied. */
  readonly environment: Environment;
  /** Platform version (`<package version>+<commit>`), tagged on every resource. */
  readonly version: string;
  /**
   * Where `app.synth()` writes `manifest.json` and `stacks/<stack>/cdk.tf.json`; created if missing.
   * @default 'cdktf.out'
   */
  readonly outdir?: string;
}

export interface AzureApp {
  readonly app: App;
  readonly platform: PlatformStack;
  readonly workspace: WorkspaceStack;
  readonly pipelines: PipelinesStack;
  /** The function bundle the pipelines stack deploys, built into `<outdir>/build/functions`. */
  readonly bundle: FunctionBundle;
}

/** Builds the stacks without synthesizing them (tests call `Testing.synth(stack)` or `app.synth()`). */
export function buildAzureApp(props: AzureAppProps): AzureApp {
  const outdir = props.outdir ?? 'cdktf.out';
  // cdktf creates the outdir non-recursively.
  mkdirSync(outdir, { recursive: true });
  // stackTraces: false keeps source paths out of the output: two synths must be byte-identical.
  const app = new App({ outdir, stackTraces: false, hclOutput: false });
  const { environment, version } = props;
  // Once per synth (esbuild runs once per process; later synths write the same bytes).
  const bundle = withSynthProgress('bundling the function app (one esbuild build)', 'bundled the function app', () => buildFunctionBundle({ outdir: join(outdir, FUNCTION_BUILD_DIR) }));
  const platform = withSynthProgress(undefined, 'built stack platform', () => new PlatformStack(app, { environment, version }));
  const workspace = withSynthProgress(undefined, 'built stack workspace', () => new WorkspaceStack(app, { environment, version, platform }));
  const pipelines = withSynthProgress(undefined, 'built stack pipelines', () => new PipelinesStack(app, { environment, version, platform, workspace, bundle }));
  return { app, platform, workspace, pipelines, bundle };
}

/** Synthesizes the Azure app into `outdir`. */
export function synthAzure(props: AzureAppProps): void {
  const { app } = buildAzureApp(props);
  withSynthProgress('writing the Terraform JSON', 'wrote the Terraform JSON', () => app.synth());
}
