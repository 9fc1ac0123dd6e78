import { trainingEngineOn } from '../config/training-engine.ts';
import { checkModelOverrides } from '../config/model-settings.ts';
import { catalogFor } from '../pipelines/workloads/registry.ts';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEnvironment, type EnvironmentSelection, type LoadedEnvironment } from '../config/load-environment.ts';
import { platformVersion } from '../stacks/shared/platform-version.ts';
import { SYNTH_PROGRESS_SETTING, SynthProgressReader } from '../stacks/shared/synth-progress.ts';
import { writeSynthRecord } from './synthesized/folder-environment.ts';
import { BUNDLE_ENTRIES, bundledEntry } from '../bin/cache-folder.mjs';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export type Cloud = 'aws' | 'azure';

export interface StackSummary {
  readonly name: string;
  readonly resources: number;
}

export interface SynthSummary {
  readonly loaded: LoadedEnvironment;
  readonly version: string;
  readonly awsDir: string;
  readonly azureDir: string;
  readonly aws: StackSummary[];
  readonly azure: StackSummary[];
  /** Warnings the stacks recorded (cdktf annotations), as `<stack>: <message>`. */
  readonly warnings: string[];
  /** cdk-nag findings left unacknowledged (synth fails when there are any; read from the report, not assumed). */
  readonly unacknowledgedFindings: number;
  /** cdk-nag acknowledgements recorded in the cloud assembly (each names a rule and a reason). */
  readonly acknowledgements: number;
  readonly seconds: number;
}

export interface SynthOptions extends EnvironmentSelection {
  /** Folder that receives `cdk.out/` and `cdktf.out/`. @default the repository root */
  readonly outdir?: string;
  /** Told as each cloud finishes. @default - nothing */
  readonly onCloudDone?: (cloud: Cloud, seconds: number) => void;
  /** Told what a cloud's synth is doing as it goes (bundling, each stack built, writing), seconds since the start. @default - nothing */
  readonly onProgress?: (cloud: Cloud, text: string, seconds: number) => void;
}

export const CLOUD_NAMES: Readonly<Record<Cloud, string>> = { aws: 'AWS', azure: 'Azure' };
const CLOUD_PARTS: Readonly<Record<Cloud, string>> = { aws: 'CDK: stacks, cdk-nag, Lambda bundles', azure: 'CDKTF: stacks, function bundle' };

/** How `strata synth` prints a step of a cloud, with the seconds since the synth started. */
export const synthStepLine = (cloud: Cloud, text: string, seconds: number): string => `  ${seconds.toFixed(1).padStart(5)} s  ${CLOUD_NAMES[cloud].padEnd(5)}  ${text}`;
/** How `strata synth` prints the end of a cloud's synth. */
export const cloudSynthesizedLine = (cloud: Cloud, seconds: number): string => `  ${CLOUD_NAMES[cloud]} (${CLOUD_PARTS[cloud]}) synthesized in ${seconds.toFixed(1)} s`;

/**
 * The lines of `strata synth` that start a step of a cloud (bundling, writing: their texts end in `...`) or end
 * a cloud, as plan passes them on for a git ref it synthesizes; the per-stack ones are left out (two sides of
 * them at once are noise). Refs from before synth streamed its steps print none.
 */
export function isSynthStepStart(line: string): boolean {
  return /^ +\d+\.\d s {2}(AWS|Azure) +\S.*\.\.\.$/.test(line) || /^ {2}(AWS|Azure) \(.*\) synthesized in \d+\.\d s$/.test(line);
}

/** A child synth failed; `output` is what it printed. */
export class SynthError extends Error {
  constructor(
    readonly cloud: Cloud,
    readonly output: string,
  ) {
    super(`${cloud === 'aws' ? 'AWS (CDK)' : 'Azure (CDKTF)'} synth failed:\n${output.trim()}`);
    this.name = 'SynthError';
  }
}

/**
 * Synthesizes both clouds for one environment, in parallel child processes
 * (each cloud's libraries are large; two cores synth two clouds at once).
 * The config and the workloads' files are validated first, so a bad file
 * writes nothing. Output goes to
 * temporary folders that replace `cdk.out/` and `cdktf.out/` only when both
 * succeed, so a failed synth leaves the previous output intact.
 */
export async function synthPlatform(options: SynthOptions = {}): Promise<SynthSummary> {
  const started = performance.now();
  const loaded = loadEnvironment(options);
  // Each cloud's stacks check this too; here it fails in one line before either synth starts.
  for (const cloud of ['aws', 'azure'] as const) trainingEngineOn(loaded.environment, cloud);
  const version = platformVersion();
  const outdir = resolve(options.outdir ?? REPO_ROOT);
  const awsDir = join(outdir, 'cdk.out');
  const azureDir = join(outdir, 'cdktf.out');
  const staging = { aws: `${awsDir}.staging-${process.pid}`, azure: `${azureDir}.staging-${process.pid}` };

  try {
    const childEnvironment = { ...process.env, STRATA_VERSION: version, [SYNTH_PROGRESS_SETTING]: options.onProgress ? '1' : '0' };
    const seconds = () => (performance.now() - started) / 1000;
    const done = (cloud: Cloud) => () => options.onCloudDone?.(cloud, seconds());
    let failed = false;
    const progress = (cloud: Cloud) => (text: string) => {
      if (!failed) options.onProgress?.(cloud, text, seconds());
    };
    const running = [
      runChild('aws', [], { ...childEnvironment, CDK_OUTDIR: staging.aws, CDK_CONTEXT_JSON: JSON.stringify({ config: loaded.path }) }, progress('aws')).then(done('aws')),
      runChild('azure', ['--config', loaded.path, '--outdir', staging.azure], childEnvironment, progress('azure')).then(done('azure')),
    ];
    // Both children end before the staging folders are removed, whichever fails first.
    const settled = Promise.allSettled(running);
    // The workloads' files are checked here while the children start (they write only to staging): a bad dataset
    // file is then one line per problem, not two failed child synths.
    try {
      checkModelOverrides(loaded.environment.models, catalogFor(loaded.environment.workloads).models);
    } catch (error) {
      failed = true;
      await settled;
      throw error;
    }
    const outcomes = await settled;
    const rejected = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (rejected) throw rejected.reason;
    replaceFolder(staging.aws, awsDir);
    replaceFolder(staging.azure, azureDir);
    writeSynthRecord(outdir, loaded);
  } finally {
    rmSync(staging.aws, { recursive: true, force: true });
    rmSync(staging.azure, { recursive: true, force: true });
  }

  return {
    loaded,
    version,
    awsDir,
    azureDir,
    aws: summarizeCloudAssembly(awsDir),
    azure: summarizeTerraform(azureDir),
    warnings: terraformWarnings(azureDir),
    unacknowledgedFindings: countViolations(awsDir),
    acknowledgements: countAcknowledgements(awsDir),
    seconds: (performance.now() - started) / 1000,
  };
}

/** A cloud's app: from the CLI's bundle when the CLI runs from it, else its source through tsx. */
function appCommand(cloud: Cloud): string[] {
  const entry = cloud === 'aws' ? 'aws-app' : 'azure-app';
  const bundled = bundledEntry(entry);
  return bundled ? [bundled] : ['--import', 'tsx', BUNDLE_ENTRIES[entry]];
}

function runChild(cloud: Cloud, args: string[], env: NodeJS.ProcessEnv, onProgress: (text: string) => void): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...appCommand(cloud), ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Progress lines are streamed; everything else the child prints is kept for the error it may end in.
    const stdout = new SynthProgressReader(onProgress);
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      stdout.end();
      if (code === 0) resolvePromise();
      else reject(new SynthError(cloud, stdout.other + stderr));
    });
  });
}

function replaceFolder(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  renameSync(from, to);
}

interface CloudAssemblyManifest {
  artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
}

/** Stacks of a cloud assembly and how many resources each template declares. */
export function summarizeCloudAssembly(dir: string): StackSummary[] {
  const manifest = readJson<CloudAssemblyManifest>(join(dir, 'manifest.json'));
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile)
    .map(([name, artifact]) => {
      const template = readJson<{ Resources?: Record<string, unknown> }>(join(dir, artifact.properties!.templateFile!));
      return { name, resources: Object.keys(template.Resources ?? {}).length };
    });
}

interface CdktfManifest {
  stacks: Record<string, { synthesizedStackPath: string; annotations?: Array<{ level: string; message: string }> }>;
}

/** The warnings cdktf recorded in the manifest, per stack. */
export function terraformWarnings(dir: string): string[] {
  const manifest = readJson<CdktfManifest>(join(dir, 'manifest.json'));
  return Object.entries(manifest.stacks).flatMap(([name, stack]) => (stack.annotations ?? []).filter((annotation) => annotation.level === '@cdktf/warn' /* cdktf's AnnotationMetadataEntryType.WARN */).map((annotation) => `${name}: ${annotation.message}`));
}

/** Stacks of a CDKTF output and how many resources (not data sources) each declares. */
export function summarizeTerraform(dir: string): StackSummary[] {
  const manifest = readJson<CdktfManifest>(join(dir, 'manifest.json'));
  return Object.entries(manifest.stacks).map(([name, stack]) => {
    const config = readJson<{ resource?: Record<string, Record<string, unknown>> }>(join(dir, stack.synthesizedStackPath));
    const resources = Object.values(config.resource ?? {}).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
    return { name, resources };
  });
}

function countViolations(dir: string): number {
  const report = readJson<{ pluginReports: Array<{ violations?: Array<{ violatingResources?: unknown[] }> }> }>(join(dir, 'validation-report.json'));
  return report.pluginReports.flatMap((plugin) => plugin.violations ?? []).reduce((sum, violation) => sum + (violation.violatingResources?.length ?? 1), 0);
}

function countAcknowledgements(dir: string): number {
  let count = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.metadata.json'))) {
    const metadata = readJson<Record<string, Array<{ type: string; data: Record<string, string> }>>>(join(dir, file));
    for (const entries of Object.values(metadata)) {
      for (const entry of entries) if (entry.type === 'aws:cdk:acknowledged-rules') count += Object.keys(entry.data).length;
    }
  }
  return count;
}

function readJson<T>(path: string): T {
  if (!existsSync(path)) throw new Error(`expected synth output ${path}, which is missing`);
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
