/**
 * The state machines as `cdk synth` writes them, read back from the
 * synthesized template: the local runner executes these, not a copy.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheFolderOf } from '../../bin/cache-folder.mjs';
import type { Environment } from '../../config/schema.ts';
import { flowsFor, type HandlerName } from '../../pipelines/flows/index.ts';
import { catalogFor, WORKLOADS_DIR_VARIABLE, workloadsRoot } from '../../pipelines/workloads/registry.ts';
import { workloadBundleFiles } from '../../pipelines/workloads/bundle-files.ts';
import { resourceName } from '../../stacks/shared/naming.ts';

/** What a task state calls locally: a handler, the notification topics, or the listing of the flow's own running executions. */
export type TaskTarget = HandlerName | 'notify' | 'runningExecutions';

/** The overlap guard's call: the running executions of the state machine itself (ListExecutions). */
const LIST_EXECUTIONS = 'arn:aws:states:::aws-sdk:sfn:listExecutions';

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

export interface SynthesizedFlow {
  readonly flow: string;
  readonly stateMachineName: string;
  /** SHA-256 of JSON.stringify of the DefinitionString value as it stands in the template. */
  readonly templateSha256: string;
  /** The ASL with function ARNs resolved to placeholders naming their handler. */
  readonly definition: Record<string, unknown>;
  /**
   * Task state name -> the handler its function runs, 'notify' for the failure
   * topic, or 'runningExecutions' for the overlap guard's ListExecutions of
   * the state machine itself.
   */
  readonly taskTargets: ReadonlyMap<string, TaskTarget>;
  /** Task state name -> where its result goes in the state (`$.landing`); absent for Map iterations, whose output is the result. */
  readonly resultPaths: ReadonlyMap<string, string>;
  /** Task states calling a service with no local rendering (SageMaker jobs), with the resource they call. */
  readonly unrunnable: ReadonlyMap<string, string>;
}

const PSEUDO_PARAMETERS: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': 'local-0', 'AWS::AccountId': '000000000000', 'AWS::URLSuffix': 'amazonaws.com' };
const LOCAL_FUNCTION_ARN = 'arn:aws:lambda:local-0:000000000000:function:';

/** `{ Fn::Join: ['', [...]] }` with GetAtt/Ref tokens -> text, tokens replaced by what `placeholder` says. */
function resolveJoin(value: unknown, placeholder: (token: Record<string, unknown>) => string): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`unexpected DefinitionString shape: ${JSON.stringify(value).slice(0, 200)}`);
  return join[1].map((part) => (typeof part === 'string' ? part : placeholder(part as Record<string, unknown>))).join(join[0]);
}

function tasksOf(states: Record<string, Record<string, unknown>>, found: Map<string, { resource: string; resultPath?: string }>): void {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task') found.set(name, { resource: String(state.Resource), resultPath: state.ResultPath as string | undefined });
    const processor = (state.ItemProcessor ?? state.Iterator) as { States?: Record<string, Record<string, unknown>> } | undefined;
    if (processor?.States) tasksOf(processor.States, found);
    for (const branch of (state.Branches as { States: Record<string, Record<string, unknown>> }[] | undefined) ?? []) tasksOf(branch.States, found);
  }
}

/** Reads the flows of an environment from a synthesized pipelines-stack template. */
export function flowsFromTemplate(template: Template, environment: Environment): SynthesizedFlow[] {
  const handlerOfFunction = new Map<string, HandlerName>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const variables = (resource.Properties?.Environment as { Variables?: Record<string, string> } | undefined)?.Variables;
    if (variables?.STRATA_HANDLER) handlerOfFunction.set(logicalId, variables.STRATA_HANDLER as HandlerName);
  }
  return flowsFor(catalogFor(environment.workloads)).map((flow) => {
    const stateMachineName = resourceName(environment, `${flow.name}-flow`);
    const entry = Object.values(template.Resources).find(
      (resource) => resource.Type === 'AWS::StepFunctions::StateMachine' && resource.Properties?.StateMachineName === stateMachineName,
    );
    if (!entry) throw new Error(`the synthesized template has no state machine ${stateMachineName}`);
    const definitionString = entry.Properties!.DefinitionString;
    const text = resolveJoin(definitionString, (token) => {
      const getAtt = token['Fn::GetAtt'] as [string, string] | undefined;
      if (getAtt && handlerOfFunction.has(getAtt[0])) return `${LOCAL_FUNCTION_ARN}${handlerOfFunction.get(getAtt[0])}`;
      const ref = (token.Ref as string | undefined) ?? getAtt?.[0];
      if (ref !== undefined && ref in PSEUDO_PARAMETERS) return PSEUDO_PARAMETERS[ref]!;
      return `local:${ref ?? 'unknown'}`;
    });
    const definition = JSON.parse(text) as Record<string, unknown>;
    const tasks = new Map<string, { resource: string; resultPath?: string }>();
    tasksOf(definition.States as Record<string, Record<string, unknown>>, tasks);
    const taskTargets = new Map<string, TaskTarget>();
    const resultPaths = new Map<string, string>();
    const unrunnable = new Map<string, string>();
    for (const [state, { resource, resultPath }] of tasks) {
      if (typeof resultPath === 'string') resultPaths.set(state, resultPath);
      if (resource.startsWith(LOCAL_FUNCTION_ARN)) taskTargets.set(state, resource.slice(LOCAL_FUNCTION_ARN.length) as HandlerName);
      else if (resource === 'arn:aws:states:::sns:publish') taskTargets.set(state, 'notify');
      else if (resource === LIST_EXECUTIONS) taskTargets.set(state, 'runningExecutions');
      else unrunnable.set(state, resource);
    }
    return {
      flow: flow.name,
      stateMachineName,
      templateSha256: createHash('sha256').update(JSON.stringify(definitionString)).digest('hex'),
      definition,
      taskTargets,
      resultPaths,
      unrunnable,
    };
  });
}

/**
 * Synthesizes the AWS app in-process (no bundling: the definitions do not
 * depend on the code assets) and reads the flows back from the template.
 */
export async function synthesizeFlows(environment: Environment, version: string): Promise<SynthesizedFlow[]> {
  return (await synthesizeTemplateFlows(environment, version)).flows;
}

async function synthesizeTemplateFlows(environment: Environment, version: string): Promise<{ flows: SynthesizedFlow[]; templateSha256: string }> {
  const { addPlatform, createAwsApp } = await import('../../stacks/aws/aws-app.ts');
  const outdir = mkdtempSync(join(tmpdir(), 'strata-run-synth-'));
  try {
    const app = createAwsApp({ outdir, bundle: false });
    const stacks = addPlatform(app, environment, version);
    app.synth();
    const text = readFileSync(join(outdir, `${stacks.pipelines.stackName}.template.json`), 'utf8');
    return { flows: flowsFromTemplate(JSON.parse(text) as Template, environment), templateSha256: createHash('sha256').update(text).digest('hex') };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The folders the AWS app's modules come from: every file in them is part of the key. */
const SOURCE_FOLDERS = ['cli', 'config', 'lambdas', 'pipelines', 'stacks', 'workloads'];

/**
 * Source files whose contents may shape the state machine definitions
 * (besides the environment and the version): every file of the folders the
 * AWS app imports from, and the lock file. Taken whole rather than picked,
 * since the definitions read names, paths and settings from modules all over
 * (stack names, lake layout, model artifact paths); a change elsewhere in
 * them only costs one synth.
 */
export function definitionSources(root = REPO_ROOT): string[] {
  const files = SOURCE_FOLDERS.flatMap((folder) =>
    readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(root, join(entry.parentPath ?? entry.path, entry.name)).split(sep).join('/')),
  );
  return [...files, 'package-lock.json'].sort();
}

/** SHA-256 of everything that determines the definitions: the resolved environment, the version, the sources' contents. */
export function synthCacheKey(environment: Environment, version: string, root = REPO_ROOT): string {
  const hash = createHash('sha256');
  const part = (label: string, body: string | Buffer) => {
    hash.update(`${label}\0${Buffer.byteLength(body)}\0`);
    hash.update(body);
  };
  part('environment', JSON.stringify(environment));
  part('platformVersion', version);
  for (const file of definitionSources(root)) part(file, readFileSync(join(root, file)));
  // Workloads kept outside the checkout shape the definitions (their tables) as much as those inside.
  if (process.env[WORKLOADS_DIR_VARIABLE]) {
    part('workloadsRoot', workloadsRoot());
    for (const file of workloadBundleFiles()) part(`workloads-root/${file.path}`, readFileSync(file.source));
  }
  return hash.digest('hex');
}

/** The checkout's cache of synthesized flows: shared by every lake, since the key holds all that shapes them. */
export const synthCacheFolder = (root = REPO_ROOT) => join(cacheFolderOf(root), 'synth');
/** Entries kept; older ones go when a new one is written. */
const KEEP_ENTRIES = 20;

const CACHE_FORMAT = 'strata-synth-cache/2';

interface CachedFlow extends Omit<SynthesizedFlow, 'taskTargets' | 'resultPaths' | 'unrunnable'> {
  readonly taskTargets: [string, TaskTarget][];
  readonly resultPaths: [string, string][];
  readonly unrunnable: [string, string][];
}

interface CacheEntry {
  readonly format: typeof CACHE_FORMAT;
  readonly key: string;
  /** SHA-256 of the synthesized pipelines-stack template file. */
  readonly templateSha256: string;
  readonly flows: CachedFlow[];
}

export interface LoadedFlows {
  readonly flows: SynthesizedFlow[];
  /** Whether they came from the cache (no synth). */
  readonly hit: boolean;
  readonly key: string;
  /** SHA-256 of the pipelines-stack template they were read from. */
  readonly templateSha256: string;
}

function readCache(path: string, key: string): CacheEntry | undefined {
  try {
    const entry = JSON.parse(readFileSync(path, 'utf8')) as CacheEntry;
    if (entry.format !== CACHE_FORMAT || entry.key !== key || !Array.isArray(entry.flows)) return undefined;
    return entry;
  } catch {
    return undefined; // missing or unreadable: synthesize again
  }
}

/** How definitions are validated: the ASL schema and JSONPaths; not ARNs, which are placeholders here. */
export const ASL_VALIDATION = { checkArn: false } as const;

/**
 * Validates each definition as the local runner's interpreter does (ASL
 * schema and JSONPaths; ARNs are placeholders here), so that only valid
 * definitions are cached and a run from the cache need not validate again
 * (about 0.3 s per flow).
 */
async function validateDefinitions(flows: readonly SynthesizedFlow[]): Promise<void> {
  const { StateMachine } = await import('aws-local-stepfunctions');
  for (const flow of flows) new StateMachine(flow.definition as never, { validationOptions: ASL_VALIDATION });
}

/**
 * The flows of an environment, synthesized once per key and validated: reuses
 * `<cache>/<key>.json` when it is there, else synthesizes and stores it
 * (written aside, then renamed; a cache that cannot be written is skipped).
 */
export async function loadSynthesizedFlows(
  environment: Environment,
  version: string,
  options: { root?: string; cache?: string; onSynthesize?: () => void } = {},
): Promise<LoadedFlows> {
  const key = synthCacheKey(environment, version, options.root);
  const cache = options.cache ?? synthCacheFolder(options.root);
  const path = join(cache, `${key}.json`);
  const cached = readCache(path, key);
  if (cached) {
    const flows = cached.flows.map((flow) => ({
      ...flow,
      taskTargets: new Map(flow.taskTargets),
      resultPaths: new Map(flow.resultPaths),
      unrunnable: new Map(flow.unrunnable),
    }));
    return { flows, hit: true, key, templateSha256: cached.templateSha256 };
  }
  options.onSynthesize?.();
  const { flows, templateSha256 } = await synthesizeTemplateFlows(environment, version);
  await validateDefinitions(flows);
  const entry: CacheEntry = {
    format: CACHE_FORMAT,
    key,
    templateSha256,
    flows: flows.map((flow) => ({
      ...flow,
      taskTargets: [...flow.taskTargets],
      resultPaths: [...flow.resultPaths],
      unrunnable: [...flow.unrunnable],
    })),
  };
  const aside = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(cache, { recursive: true });
    writeFileSync(aside, `${JSON.stringify(entry)}\n`);
    renameSync(aside, path);
    pruneCache(cache);
  } catch {
    // A read-only checkout: the next run synthesizes again.
  } finally {
    rmSync(aside, { force: true });
  }
  return { flows, hit: false, key, templateSha256 };
}

function pruneCache(cache: string): void {
  const entries = readdirSync(cache)
    .filter((name) => name.endsWith('.json'))
    .map((name) => ({ path: join(cache, name), mtimeMs: statSync(join(cache, name)).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const entry of entries.slice(KEEP_ENTRIES)) rmSync(entry.path, { force: true });
}
