/**
 * Reads one synthesized platform (a folder holding `cdk.out/` and
 * `cdktf.out/`) into plain data: templates per stack, construct paths, cdk-nag
 * findings and acknowledgements. A missing half reads as empty, so "the whole
 * platform against an empty base" is just an empty folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  [key: string]: unknown;
}

export interface CfnStack {
  readonly name: string;
  readonly template: { Resources?: Record<string, CfnResource>; [key: string]: unknown };
  /** logical id -> construct path inside the stack (e.g. `Lake/Raw/Bucket`). */
  readonly paths: ReadonlyMap<string, string>;
}

export interface TfResource {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
}

export interface TfStack {
  readonly name: string;
  readonly resources: ReadonlyMap<string, TfResource>;
  /** Outputs and other top-level blocks that are not resources (diffed as one item each). */
  readonly other: Record<string, unknown>;
}

export interface NagEntry {
  readonly stack: string;
  readonly rule: string;
  readonly resource: string;
  /** The reason for an acknowledgement; the description for a finding. */
  readonly text: string;
}

export interface SynthOutput {
  readonly dir: string;
  readonly aws: CfnStack[];
  readonly azure: TfStack[];
  readonly findings: NagEntry[];
  readonly acknowledgements: NagEntry[];
  /** The `strata:version` the output was tagged with, replaced by VERSION_PLACEHOLDER everywhere. */
  readonly version?: string;
  /** The environment name the stacks were tagged with. */
  readonly environment?: string;
}

/** Versions differ between any two commits; they are shown once in the header, not on every resource. */
export const VERSION_PLACEHOLDER = '<strata:version>';

export function readSynthOutput(dir: string): SynthOutput {
  const cdkDir = join(dir, 'cdk.out');
  const tfDir = join(dir, 'cdktf.out');
  const awsText = existsSync(join(cdkDir, 'manifest.json')) ? readAws(cdkDir) : undefined;
  const tfText = existsSync(join(tfDir, 'manifest.json')) ? readAzureText(tfDir) : [];
  const version = awsText?.version ?? tfText.map((stack) => findVersion(stack.json)).find((found) => found !== undefined);
  const environment = awsText?.environment ?? tfText.map((stack) => findTag(stack.json, 'strata:environment')).find((found) => found !== undefined);
  const strip = <T>(value: T): T => (version ? replaceVersion(value, version) : value);
  return {
    dir,
    aws: (awsText?.stacks ?? []).map((stack) => ({ ...stack, template: strip(stack.template) })),
    azure: tfText.map((stack) => toTfStack(stack.name, strip(stack.json))),
    findings: awsText?.findings ?? [],
    acknowledgements: awsText?.acknowledgements ?? [],
    version,
    environment,
  };
}

interface Manifest {
  artifacts?: Record<string, { type: string; properties?: { templateFile?: string; tags?: Record<string, string> }; additionalMetadataFile?: string }>;
}

function readAws(dir: string) {
  const manifest = readJson<Manifest>(join(dir, 'manifest.json'));
  const stacks: CfnStack[] = [];
  const acknowledgements: NagEntry[] = [];
  let version: string | undefined;
  let environment: string | undefined;
  for (const [name, artifact] of Object.entries(manifest.artifacts ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    version ??= artifact.properties.tags?.['strata:version'];
    environment ??= artifact.properties.tags?.['strata:environment'];
    const template = readJson<CfnStack['template']>(join(dir, artifact.properties.templateFile));
    const paths = new Map<string, string>();
    const metadataFile = artifact.additionalMetadataFile ?? `${name}.metadata.json`;
    if (existsSync(join(dir, metadataFile))) {
      const metadata = readJson<Record<string, Array<{ type: string; data: unknown }>>>(join(dir, metadataFile));
      for (const [path, entries] of Object.entries(metadata)) {
        const constructPath = path.replace(`/${name}/`, '').replace(/\/(Resource|Default)$/, '');
        for (const entry of entries) {
          if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string') paths.set(entry.data, constructPath);
          if (entry.type === 'aws:cdk:acknowledged-rules' && entry.data && typeof entry.data === 'object') {
            for (const [rule, reason] of Object.entries(entry.data as Record<string, string>)) {
              acknowledgements.push({ stack: name, rule: rule.replace(/^Annotation::/, ''), resource: constructPath, text: String(reason) });
            }
          }
        }
      }
    }
    stacks.push({ name, template, paths });
  }
  return { stacks, acknowledgements, findings: readFindings(dir), version, environment };
}

interface ValidationReport {
  pluginReports?: Array<{
    pluginName?: string;
    violations?: Array<{ ruleName?: string; description?: string; violatingResources?: Array<{ resourceLogicalId?: string; templatePath?: string; locations?: string[] }> }>;
  }>;
}

function readFindings(dir: string): NagEntry[] {
  const path = join(dir, 'validation-report.json');
  if (!existsSync(path)) return [];
  const report = readJson<ValidationReport>(path);
  return (report.pluginReports ?? []).flatMap((plugin) =>
    (plugin.violations ?? []).flatMap((violation) =>
      (violation.violatingResources ?? [{}]).map((resource) => ({
        stack: (resource.templatePath ?? '').replace(/^.*\//, '').replace(/\.template\.json$/, ''),
        rule: violation.ruleName ?? plugin.pluginName ?? 'unknown rule',
        resource: resource.resourceLogicalId ?? '',
        text: (violation.description ?? '').split('\n')[0]!,
      })),
    ),
  );
}

function readAzureText(dir: string): Array<{ name: string; json: Record<string, unknown> }> {
  const manifest = readJson<{ stacks: Record<string, { synthesizedStackPath: string }> }>(join(dir, 'manifest.json'));
  return Object.entries(manifest.stacks)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, stack]) => ({ name, json: readJson<Record<string, unknown>>(join(dir, stack.synthesizedStackPath)) }));
}

function toTfStack(name: string, json: Record<string, unknown>): TfStack {
  const resources = new Map<string, TfResource>();
  for (const [type, byName] of Object.entries((json.resource ?? {}) as Record<string, Record<string, Record<string, unknown>>>)) {
    for (const [resourceName, raw] of Object.entries(byName)) {
      const { '//': meta, ...body } = raw;
      const path = ((meta as { metadata?: { path?: string } } | undefined)?.metadata?.path ?? `${name}/${resourceName}`).replace(`${name}/`, '');
      resources.set(`${type}.${resourceName}`, { address: `${type}.${resourceName}`, type, name: resourceName, path, body });
    }
  }
  const other: Record<string, unknown> = {};
  for (const block of ['output', 'data', 'provider', 'terraform', 'variable', 'locals'] as const) if (json[block] !== undefined) other[block] = json[block];
  return { name, resources, other };
}

/** Finds the version in CDKTF JSON: a `strata:version` tag map or `{key, value}` tag list. */
function findVersion(json: unknown): string | undefined {
  return findTag(json, 'strata:version');
}

function findTag(node: unknown, key: string): string | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findTag(item, key);
      if (found !== undefined) return found;
    }
  } else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (typeof record[key] === 'string') return record[key] as string;
    if (record.key === key && typeof record.value === 'string') return record.value;
    for (const value of Object.values(record)) {
      const found = findTag(value, key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function replaceVersion<T>(value: T, version: string): T {
  if (typeof value === 'string') return value.split(version).join(VERSION_PLACEHOLDER) as T;
  if (Array.isArray(value)) return value.map((item) => replaceVersion(item, version)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceVersion(item, version)])) as T;
  return value;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Whether `dir` holds a synth (either cloud). */
export function hasSynthOutput(dir: string): boolean {
  return existsSync(join(dir, 'cdk.out', 'manifest.json')) || existsSync(join(dir, 'cdktf.out', 'manifest.json'));
}

