/**
 * The Azure CDKTF app: the `platform` stack (lake, key vault, logs, Databricks
 * workspace) and the `workspace` stack (cluster policy, SQL warehouse) that is
 * configured from the platform stack's outputs.
 */
import { mkdirSync } from 'node:fs';
import { App } from 'cdktf';
import type { Environment } from '../../config/schema.ts';
import { PlatformStack } from './platform-stack.ts';
import { WorkspaceStack } from './workspace-stack.ts';

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
}

/** Builds both stacks without synthesizing them (tests call `Testing.synth(stack)` or `app.synth()`). */
export function buildAzureApp(props: AzureAppProps): AzureApp {
  const outdir = props.outdir ?? 'cdktf.out';
  // cdktf creates the outdir non-recursively.
  mkdirSync(outdir, { recursive: true });
  // stackTraces: false keeps source paths out of the output: two synths must be byte-identical.
  const app = new App({ outdir, stackTraces: false, hclOutput: false });
  const platform = new PlatformStack(app, { environment: props.environment, version: props.version });
  const workspace = new WorkspaceStack(app, { environment: props.environment, version: props.version, platform });
  return { app, platform, workspace };
}

/** Synthesizes the Azure app into `outdir`. */
export function synthAzure(props: AzureAppProps): void {
  buildAzureApp(props).app.synth();
}
