import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { environmentJsonSchema, environmentReference, JSON_SCHEMA_PATH, REFERENCE_PATH } from '../../config/export-json-schema.ts';
import { availableEnvironments, ConfigError, loadEnvironment, parseEnvironment } from '../../config/load-environment.ts';
import { ingestMemoryNeedMb, ingestTimeoutNeedSeconds } from '../../config/ingest-footprint.ts';
import { lambdaSizingFor } from '../../config/schema.ts';

function problemsOf(yaml: string, file = 'config/environments/test.yaml'): string[] {
  try {
    parseEnvironment(yaml, file);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the file to be refused');
}

describe('environment files', () => {
  it('ships dev and prod, both valid', () => {
    expect(availableEnvironments()).toEqual(expect.arrayContaining(['dev', 'prod']));
    for (const env of ['dev', 'prod']) expect(loadEnvironment({ env }).environment.name).toBe(env);
  });

  it('fills every omitted knob with its documented default', () => {
    const environment = parseEnvironment('name: tiny\n', 'tiny.yaml');
    expect(environment.sizing.lambda).toEqual({ memoryMb: 1024, architecture: 'arm64', timeoutSeconds: 300, overrides: {} });
    expect(environment.sizing.databricks.autoscale).toEqual({ minWorkers: 1, maxWorkers: 4 });
    expect(environment.sizing.databricks.sqlWarehouse.serverless).toBe(true);
    expect(environment.sizing.training).toMatchObject({ engine: 'embedded', useSpot: true });
    expect(environment.retention).toEqual({ destroyOnDelete: false, logRetentionDays: 30 });
    expect(environment.analytics.bytesScannedCutoffMb).toBe(10240);
    expect(environment.schedules).toEqual({ ingest: 'rate(1 minute)', ingestSweep: 'rate(1 hour)', process: 'rate(1 hour)', retrain: 'cron(0 3 ? * MON *)' });
    expect(environment.storage.lifecycle.raw).toEqual({ coolAfterDays: 30 });
    expect(environment.azure.backend).toEqual({ type: 'local' });
    // Private unless an environment says otherwise.
    expect(environment.network).toEqual({ publicAccess: false, addressSpace: '10.40.0.0/22', privateEndpointSubnet: '10.40.0.0/24', functionsSubnet: '10.40.1.0/24' });
  });

  it('keeps public access in dev by its own explicit setting, and private endpoints in prod', () => {
    expect(loadEnvironment({ env: 'dev' }).environment.network.publicAccess).toBe(true);
    expect(loadEnvironment({ env: 'prod' }).environment.network.publicAccess).toBe(false);
    expect(parseEnvironment('name: tt\nnetwork: { publicAccess: true }\n', 't.yaml').network.publicAccess).toBe(true);
  });

  it('applies per-handler-class Lambda overrides over the shared sizing', () => {
    const environment = parseEnvironment('name: tt\nsizing:\n  lambda:\n    memoryMb: 512\n    overrides:\n      ml: { memoryMb: 4096 }\n', 't.yaml');
    expect(lambdaSizingFor(environment, 'ml')).toEqual({ memoryMb: 4096, architecture: 'arm64', timeoutSeconds: 300 });
    expect(lambdaSizingFor(environment, 'quality')).toEqual({ memoryMb: 512, architecture: 'arm64', timeoutSeconds: 300 });
  });

  it('keeps an explicit value of every boolean that differs from its default', () => {
    const environment = parseEnvironment('name: tt\nsizing:\n  training: { useSpot: false }\n  databricks:\n    sqlWarehouse: { serverless: false }\nretention: { destroyOnDelete: true }\n', 't.yaml');
    expect(environment.sizing.training.useSpot).toBe(false);
    expect(environment.sizing.databricks.sqlWarehouse.serverless).toBe(false);
    expect(environment.retention.destroyOnDelete).toBe(true);
  });
});

describe('the ingest functions\' memory and timeout', () => {
  it('are derived from the ingestion limits when no override says: the drop, twice its largest CSV and the runtime', () => {
    const environment = parseEnvironment('name: tt\ningestion: { maxFileMb: 100, maxUnpackedMb: 300 }\n', 't.yaml');
    // 384 runtime + 100 drop + 2 x 100 largest CSV; 300 MB unpacked at 5 MB/s on a full vCPU, plus 30 s.
    expect(ingestMemoryNeedMb(environment.ingestion)).toBe(684);
    expect(ingestTimeoutNeedSeconds(environment.ingestion, 1769)).toBe(90);
    // 684 MB buys 0.39 of a vCPU on Lambda: 30 + ceil(300 / (5 x 684/1769)) = 186 s, under the shared 300 s.
    expect(lambdaSizingFor(environment, 'ingest')).toEqual({ memoryMb: 1024, architecture: 'arm64', timeoutSeconds: 300 });
    const larger = parseEnvironment('name: tt\ningestion: { maxFileMb: 1000, maxUnpackedMb: 3000 }\n', 't.yaml');
    expect(lambdaSizingFor(larger, 'ingest')).toEqual({ memoryMb: 3384, architecture: 'arm64', timeoutSeconds: 630 });
  });

  it('take the defaults\' largest drop on both clouds', () => {
    const environment = parseEnvironment('name: tt\n', 't.yaml');
    expect(environment.ingestion).toMatchObject({ maxFileMb: 512, maxUnpackedMb: 2048 });
    expect(lambdaSizingFor(environment, 'ingest')).toEqual({ memoryMb: 1920, architecture: 'arm64', timeoutSeconds: 440 });
    expect(lambdaSizingFor(environment, 'transform')).toEqual({ memoryMb: 1024, architecture: 'arm64', timeoutSeconds: 300 });
  });

  it('keep an override that covers the limits', () => {
    const environment = parseEnvironment('name: tt\ningestion: { maxFileMb: 100, maxUnpackedMb: 300 }\nsizing:\n  lambda:\n    overrides:\n      ingest: { memoryMb: 2048, timeoutSeconds: 120 }\n', 't.yaml');
    expect(lambdaSizingFor(environment, 'ingest')).toEqual({ memoryMb: 2048, architecture: 'arm64', timeoutSeconds: 120 });
  });

  it('refuse an override below what the limits accept, naming both', () => {
    const file = 'config/environments/prod.yaml';
    expect(problemsOf('name: prod\ningestion: { maxFileMb: 2048, maxUnpackedMb: 4096 }\n', file)).toEqual([
      `${file}: ingestion.maxUnpackedMb = 4096: with maxFileMb 2048, the ingest functions would need 6528 MB (the drop, twice its largest CSV, 384 MB of runtime), more than an Azure Flex Consumption instance has (4096 MB): lower maxUnpackedMb or maxFileMb`,
    ]);
    expect(problemsOf('name: prod\nsizing:\n  lambda:\n    overrides:\n      ingest: { memoryMb: 512, timeoutSeconds: 120 }\n', file)).toEqual([
      `${file}: sizing.lambda.overrides.ingest.memoryMb = 512: ingestion.maxFileMb (512) and maxUnpackedMb (2048) accept drops that need 1920 MB to unpack and stage: raise this to at least 1920, lower those limits, or leave it out (then it is derived from them)`,
    ]);
    expect(problemsOf('name: prod\nsizing:\n  lambda:\n    overrides:\n      ingest: { memoryMb: 1920, timeoutSeconds: 120 }\n', file)).toEqual([
      `${file}: sizing.lambda.overrides.ingest.timeoutSeconds = 120: ingestion.maxFileMb (512) and maxUnpackedMb (2048) accept drops that need 440 s to unpack and stage at 1920 MB: raise this to at least 440, lower those limits, or leave it out (then it is derived from them)`,
    ]);
    expect(problemsOf('name: prod\ningestion: { maxFileMb: 1024, maxUnpackedMb: 5000 }\n', file)).toEqual([
      `${file}: ingestion.maxUnpackedMb = 5000: at 3456 MB the ingest functions would need 1030 s to stage the largest drop ingestion.maxFileMb (1024) and maxUnpackedMb (5000) accept, more than Lambda's 900 s: lower maxUnpackedMb or maxFileMb`,
    ]);
    // The time is reckoned at the memory the functions get: the shared 1024 MB (0.58 vCPU) would need
    // 30 + ceil(4000 / (5 x 1024/1769)) = 1413 s; a 1769 MB override (a full vCPU) 830 s, which Lambda allows.
    const small = 'name: prod\ningestion: { maxFileMb: 100, maxUnpackedMb: 4000 }\n';
    expect(problemsOf(small, file)).toEqual([
      `${file}: ingestion.maxUnpackedMb = 4000: at 1024 MB the ingest functions would need 1413 s to stage the largest drop ingestion.maxFileMb (100) and maxUnpackedMb (4000) accept, more than Lambda's 900 s: lower maxUnpackedMb or maxFileMb, or give sizing.lambda.overrides.ingest.memoryMb up to 1769 MB (a full vCPU)`,
    ]);
    const faster = parseEnvironment(`${small}sizing:\n  lambda:\n    overrides:\n      ingest: { memoryMb: 1769, timeoutSeconds: 900 }\n`, file);
    expect(lambdaSizingFor(faster, 'ingest')).toMatchObject({ memoryMb: 1769, timeoutSeconds: 900 });
  });
});

describe('a bad environment file', () => {
  const file = 'config/environments/prod.yaml';
  const cases: Array<[string, string, string[]]> = [
    ['a number out of range', 'name: prod\nsizing:\n  lambda:\n    memoryMb: 20000\n', [`${file}: sizing.lambda.memoryMb = 20000: must be an integer from 128 to 10240`]],
    ['a negative number', 'name: prod\nstorage:\n  accessLogExpireDays: -5\n', [`${file}: storage.accessLogExpireDays = -5: must be an integer from 1 to 3650`]],
    ['a fraction where an integer belongs', 'name: prod\nsizing:\n  training: { instanceCount: 1.5 }\n', [`${file}: sizing.training.instanceCount = 1.5: must be an integer from 1 to 20`]],
    ['a string where a number belongs', 'name: prod\nanalytics:\n  bytesScannedCutoffMb: lots\n', [`${file}: analytics.bytesScannedCutoffMb = "lots": must be an integer from 10 to 10000000`]],
    ['an unknown enum value', 'name: prod\nsizing:\n  training: { engine: gpu }\n', [`${file}: sizing.training.engine = "gpu": must be one of: embedded, sagemaker, databricks, or per cloud { aws: embedded|sagemaker, azure: embedded|databricks }`]],
    ['a string where a boolean belongs', 'name: prod\nretention: { destroyOnDelete: "yes" }\n', [`${file}: retention.destroyOnDelete = "yes": must be true or false`]],
    [
      'a misspelt key',
      'name: prod\nsizing:\n  lambda:\n    memroyMb: 512\n',
      [`${file}: sizing.lambda.memroyMb = 512: unknown key; allowed here: architecture, memoryMb, overrides, timeoutSeconds`],
    ],
    [
      'an unknown top-level key',
      'name: prod\nsizzing: {}\n',
      [`${file}: sizzing = {}: unknown key; allowed here: analytics, aws, azure, ingestion, models, name, network, quality, retention, schedules, sizing, storage, workloads`],
    ],
    ['a missing name', 'sizing: {}\n', [`${file}: name: required; must be 2 to 10 lowercase letters and digits, starting with a letter`]],
    [
      'min workers above max workers',
      'name: prod\nsizing:\n  databricks:\n    autoscale: { minWorkers: 6, maxWorkers: 2 }\n',
      [`${file}: sizing.databricks.autoscale.minWorkers = 6: must be at most autoscale.maxWorkers (2)`],
    ],
    [
      'a node type outside the allow-list',
      'name: prod\nsizing:\n  databricks:\n    nodeType: Standard_E8ds_v5\n    allowedNodeTypes: [Standard_D4ds_v5]\n',
      [`${file}: sizing.databricks.nodeType = "Standard_E8ds_v5": must be one of allowedNodeTypes (Standard_D4ds_v5)`],
    ],
    [
      'expiry before tiering',
      'name: prod\nstorage:\n  lifecycle:\n    raw: { coolAfterDays: 60, expireAfterDays: 30 }\n',
      [`${file}: storage.lifecycle.raw.expireAfterDays = 30: must be greater than coolAfterDays (60)`],
    ],
    [
      'a schedule that is not an EventBridge expression',
      'name: prod\nschedules: { process: "every hour" }\n',
      [`${file}: schedules.process = "every hour": must be an EventBridge schedule: rate(<n> minute|minutes|hour|hours|day|days) or cron(<6 fields>)`],
    ],
    [
      'a log retention CloudWatch does not offer',
      'name: prod\nretention: { logRetentionDays: 45 }\n',
      [`${file}: retention.logRetentionDays = 45: must be one of: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653`],
    ],
    [
      'more minimum than maximum warehouse clusters',
      'name: prod\nsizing:\n  databricks:\n    sqlWarehouse: { minClusters: 3, maxClusters: 2 }\n',
      [`${file}: sizing.databricks.sqlWarehouse.minClusters = 3: must be at most maxClusters (2)`],
    ],
    [
      'a cron expression AWS would reject (no ? in either day field)',
      'name: prod\nschedules: { retrain: "cron(0 2 * * * *)" }\n',
      [`${file}: schedules.retrain = "cron(0 2 * * * *)": must be an AWS cron expression with ? in exactly one of day-of-month and day-of-week, e.g. cron(0 3 ? * MON *)`],
    ],
    [
      'a section that is not a mapping',
      'name: prod\nanalytics: null\n',
      [`${file}: analytics = null: must be a mapping of keys (allowed: biBytesScannedCutoffMb, bytesScannedCutoffMb, resultsExpireDays)`],
    ],
    ['a network range that is not CIDR', 'name: prod\nnetwork: { addressSpace: 10.40.0.0 }\n', [`${file}: network.addressSpace = "10.40.0.0": must be an IPv4 range in CIDR notation such as 10.40.0.0/24`]],
    ['a network range with a leading zero', 'name: prod\nnetwork: { addressSpace: 010.40.0.0/22 }\n', [`${file}: network.addressSpace = "010.40.0.0/22": must be an IPv4 range in CIDR notation such as 10.40.0.0/24`]],
    ['an address space too small', 'name: prod\nnetwork: { addressSpace: 10.40.0.0/26 }\n', [`${file}: network.addressSpace = "10.40.0.0/26": must be a range from /8 (largest) to /24 (smallest)`]],
    [
      'a subnet off its boundary',
      'name: prod\nnetwork: { functionsSubnet: 10.40.1.8/24 }\n',
      [`${file}: network.functionsSubnet = "10.40.1.8/24": must start on its own boundary (e.g. 10.40.1.0/24, not 10.40.1.8/24)`],
    ],
    [
      'a subnet outside the address space',
      'name: prod\nnetwork: { privateEndpointSubnet: 10.50.0.0/24 }\n',
      [`${file}: network.privateEndpointSubnet = "10.50.0.0/24": must lie inside addressSpace (10.40.0.0/22)`],
    ],
    [
      'overlapping subnets',
      'name: prod\nnetwork: { functionsSubnet: 10.40.0.128/25 }\n',
      [`${file}: network.functionsSubnet = "10.40.0.128/25": must not overlap privateEndpointSubnet (10.40.0.0/24)`],
    ],
    [
      'a Databricks account id that is not a UUID',
      'name: prod\nnetwork: { databricksAccountId: acct-1 }\n',
      [`${file}: network.databricksAccountId = "acct-1": must be a Databricks account id (a lowercase UUID)`],
    ],
    ['a string where publicAccess\'s boolean belongs', 'name: prod\nnetwork: { publicAccess: "no" }\n', [`${file}: network.publicAccess = "no": must be true or false`]],
    ['duplicate keys', 'name: prod\nname: dev\n', [`${file}: line 2, column 1: Map keys must be unique`]],
    ['a list instead of a mapping', '- name: prod\n', [`${file}: must be a YAML mapping with at least "name:"`]],
  ];

  it.each(cases)('is refused for %s, naming the key, the value and what is allowed', (_case, yaml, expected) => {
    expect(problemsOf(yaml, file)).toEqual(expected);
  });

  it('reports every problem at once, one line each', () => {
    const problems = problemsOf('name: prod\nsizing:\n  lambda: { memoryMb: 1 }\n  training: { engine: gpu }\n', file);
    expect(problems).toEqual([
      `${file}: sizing.lambda.memoryMb = 1: must be an integer from 128 to 10240`,
      `${file}: sizing.training.engine = "gpu": must be one of: embedded, sagemaker, databricks, or per cloud { aws: embedded|sagemaker, azure: embedded|databricks }`,
    ]);
  });

  it('names an unknown environment and lists the ones that exist', () => {
    expect(() => loadEnvironment({ env: 'staging' })).toThrow(/unknown environment "staging": must be one of .*dev.*prod/);
  });

  it('names a config path that does not exist', () => {
    expect(() => loadEnvironment({ config: 'nowhere/env.yaml' })).toThrow('nowhere/env.yaml: no such config file');
  });
});

describe('the environment reference (docs/environment-reference.md)', () => {
  it('is generated from the schema and up to date (run `npm run schema` after changing config/schema.ts)', () => {
    expect(readFileSync(REFERENCE_PATH, 'utf8')).toBe(environmentReference());
  });

  it('has one row per key, the Databricks pipeline warehouse among them', () => {
    const reference = environmentReference();
    for (const key of ['name', 'sizing.databricks.pipelineWarehouse.size', 'ingestion.maxFileMb', 'sizing.lambda.overrides.ingest.memoryMb']) expect(reference).toContain(`| \`${key}\` |`);
  });
});

describe('the JSON Schema for editors', () => {
  it('is up to date with the zod schema (run `npm run schema` after changing config/schema.ts)', () => {
    expect(readFileSync(JSON_SCHEMA_PATH, 'utf8')).toBe(environmentJsonSchema());
  });

  it('documents every knob with its default or as a section', () => {
    const schema = JSON.parse(environmentJsonSchema()) as JsonSchemaNode;
    const undocumented: string[] = [];
    walk(schema, [], (node, path) => {
      if (path.length > 0 && !node.description) undocumented.push(path.join('.'));
    });
    expect(undocumented).toEqual([]);
  });
});

interface JsonSchemaNode {
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
  oneOf?: JsonSchemaNode[];
  anyOf?: JsonSchemaNode[];
}

function walk(node: JsonSchemaNode, path: string[], visit: (node: JsonSchemaNode, path: string[]) => void): void {
  visit(node, path);
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (key === 'type') continue; // discriminator of a union, documented by its parent
    walk(child, [...path, key], visit);
  }
}
