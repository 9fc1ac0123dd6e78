/**
 * The environment file schema: the one contract between cost tuners (who edit
 * `config/environments/<name>.yaml`) and everything that synthesizes or runs.
 *
 * Every knob carries its unit and default in its description, which is also
 * exported as JSON Schema (`config/environment.schema.json`) for editors.
 * Error messages say what is allowed, because they are shown to people
 * editing YAML, not to developers.
 */
import { z } from 'zod';
import {
  FLEX_LARGEST_INSTANCE_MB,
  INGEST_RUNTIME_MB,
  ingestMemoryNeedMb,
  ingestTimeoutNeedSeconds,
  LAMBDA_FULL_VCPU_MB,
  LAMBDA_LONGEST_TIMEOUT_SECONDS,
} from './ingest-footprint.ts';

// ---------------------------------------------------------------- building blocks

function integer(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of: ${values.join(', ')}` });
}

function pattern(regex: RegExp, allowed: string) {
  const error = `must be ${allowed}`;
  return z.string({ error }).regex(regex, { error });
}

const bool = () => z.boolean({ error: 'must be true or false' });

function decimal(min: number, max: number) {
  const error = `must be a number from ${min} to ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error });
}

const isoDate = () =>
  pattern(/^\d{4}-\d{2}-\d{2}$/, 'a date, YYYY-MM-DD').refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
  }, {
    error: 'must be a real date, YYYY-MM-DD',
  });

/** Documents a knob: what it does, its unit, and its default, in one place. */
function knob<S extends z.ZodType>(schema: S, text: string, unit?: string) {
  return schema.describe(unit ? `${text} Unit: ${unit}.` : text);
}

function withDefault<S extends z.ZodType>(schema: S, value: z.input<S>, text: string, unit?: string) {
  // prefault() parses the default through the schema, so a default never bypasses validation.
  return knob(schema, `${text} Default: ${JSON.stringify(value)}.`, unit).prefault(value as never);
}

/** A group of knobs; omitted, every knob inside takes its own default. */
function section<S extends z.ZodType>(schema: S, text: string) {
  return schema.describe(text).prefault({} as never);
}

/**
 * EventBridge Scheduler expressions. Azure renderings convert from these,
 * so one syntax serves both clouds.
 */
const SCHEDULE = /^(rate\(\s*[1-9]\d*\s+(minute|minutes|hour|hours|day|days)\s*\)|cron\(\s*\S+(\s+\S+){5}\s*\))$/;
/** AWS cron: 6 fields, and exactly one of day-of-month and day-of-week must be `?`. */
const CRON = /^cron\(\s*\S+\s+\S+\s+(\?\s+\S+\s+(?!\?)\S+|(?!\?)\S+\s+\S+\s+\?)\s+\S+\s*\)$/;
const schedule = () =>
  pattern(SCHEDULE, 'an EventBridge schedule: rate(<n> minute|minutes|hour|hours|day|days) or cron(<6 fields>)').refine(
    (value) => !value.startsWith('cron') || CRON.test(value),
    { error: 'must be an AWS cron expression with ? in exactly one of day-of-month and day-of-week, e.g. cron(0 3 ? * MON *)' },
  );

const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

// ---------------------------------------------------------------- sections

export const HANDLER_CLASSES = ['ingest', 'transform', 'quality', 'ml'] as const;
export type HandlerClass = (typeof HANDLER_CLASSES)[number];

export const LAYERS = ['raw', 'trusted', 'refined', 'dataquality'] as const;
export type Layer = (typeof LAYERS)[number];

const lambdaSizing = z.strictObject({
  memoryMb: withDefault(integer(128, 10240), 1024, 'Lambda memory; CPU scales with it.', 'MB'),
  architecture: withDefault(oneOf(['arm64', 'x86_64']), 'arm64', 'Lambda CPU architecture; arm64 is about 20% cheaper per GB-second.'),
  timeoutSeconds: withDefault(integer(1, 900), 300, 'Lambda timeout.', 'seconds'),
});

const lambdaOverride = z.strictObject({
  memoryMb: knob(integer(128, 10240).optional(), 'Overrides sizing.lambda.memoryMb for this handler class.', 'MB'),
  architecture: knob(oneOf(['arm64', 'x86_64']).optional(), 'Overrides sizing.lambda.architecture for this handler class.'),
  timeoutSeconds: knob(integer(1, 900).optional(), 'Overrides sizing.lambda.timeoutSeconds for this handler class.', 'seconds'),
});

const layerLifecycle = z
  .strictObject({
    coolAfterDays: knob(
      integer(30, 36500).optional(),
      'Move objects to the infrequent-access tier (S3 Standard-IA / ADLS Cool) after this many days. Omit to keep them hot. Default: omitted.',
      'days',
    ),
    expireAfterDays: knob(
      integer(1, 36500).optional(),
      'Delete objects after this many days. Omit to keep them forever. Default: omitted.',
      'days',
    ),
  })
  .superRefine((value, ctx) => {
    if (value.coolAfterDays !== undefined && value.expireAfterDays !== undefined && value.expireAfterDays <= value.coolAfterDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['expireAfterDays'],
        message: `must be greater than coolAfterDays (${value.coolAfterDays})`,
      });
    }
  });


const sqlWarehouseSizes = ['2X-Small', 'X-Small', 'Small', 'Medium', 'Large', 'X-Large', '2X-Large', '3X-Large', '4X-Large'] as const;

const sqlWarehouse = (purpose: string) =>
  z
    .strictObject({
      size: withDefault(oneOf(sqlWarehouseSizes), '2X-Small', `SQL warehouse t-shirt size for ${purpose}.`),
      minClusters: withDefault(integer(1, 30), 1, 'Fewest warehouse clusters.', 'clusters'),
      maxClusters: withDefault(integer(1, 30), 1, 'Most warehouse clusters under concurrent load.', 'clusters'),
      autoStopMinutes: withDefault(integer(1, 1440), 10, 'Idle minutes before the warehouse stops.', 'minutes'),
      serverless: withDefault(bool(), true, 'Serverless warehouse (starts in seconds, no idle VMs) instead of classic.'),
    })
    .superRefine((value, ctx) => {
      if (value.minClusters > value.maxClusters) {
        ctx.addIssue({ code: 'custom', path: ['minClusters'], message: `must be at most maxClusters (${value.maxClusters})` });
      }
    });

const databricks = z
  .strictObject({
    nodeType: withDefault(
      pattern(/^Standard_[A-Za-z0-9_]+$/, 'an Azure VM size such as Standard_D4ds_v5'),
      'Standard_D4ds_v5',
      'VM size of job-cluster workers and driver.',
    ),
    allowedNodeTypes: withDefault(
      z.array(pattern(/^Standard_[A-Za-z0-9_]+$/, 'an Azure VM size such as Standard_D4ds_v5'), { error: 'must be a list of Azure VM sizes' }).min(1, {
        error: 'must list at least one VM size',
      }),
      ['Standard_D4ds_v5'],
      'Node types the cluster policy allows; must include nodeType.',
    ),
    sparkVersion: withDefault(
      pattern(/^\d+\.\d+\.x-(cpu-ml-)?scala2\.1[23]$/, 'a Databricks runtime key such as 15.4.x-scala2.12'),
      '15.4.x-scala2.12',
      'Databricks runtime (an LTS release keeps jobs stable).',
    ),
    autoscale: section(
      z.strictObject({
        minWorkers: withDefault(integer(0, 1000), 1, 'Fewest workers a job cluster scales down to.', 'workers'),
        maxWorkers: withDefault(integer(1, 1000), 4, 'Most workers a job cluster scales up to; caps cost.', 'workers'),
      }),
      'Job-cluster autoscaling range, enforced by the cluster policy.',
    ),
    autoTerminationMinutes: withDefault(integer(10, 10000), 20, 'Idle minutes before an interactive cluster stops.', 'minutes'),
    spotPolicy: withDefault(
      oneOf(['on-demand', 'spot-with-fallback', 'spot']),
      'spot-with-fallback',
      'Worker VM pricing: spot is cheapest and can be evicted; spot-with-fallback falls back to on-demand.',
    ),
    sqlWarehouse: section(sqlWarehouse('BI'), 'The BI SQL warehouse: analysts and dashboards read refined through it.'),
    pipelineWarehouse: section(
      sqlWarehouse('the pipelines'),
      'The SQL warehouse the Azure pipeline functions run their SQL on (Statement Execution API); kept apart from BI so neither queues behind the other.',
    ),
  })
  .superRefine((value, ctx) => {
    if (value.autoscale.minWorkers > value.autoscale.maxWorkers) {
      ctx.addIssue({
        code: 'custom',
        path: ['autoscale', 'minWorkers'],
        message: `must be at most autoscale.maxWorkers (${value.autoscale.maxWorkers})`,
      });
    }
    if (!value.allowedNodeTypes.includes(value.nodeType)) {
      ctx.addIssue({
        code: 'custom',
        path: ['nodeType'],
        message: `must be one of allowedNodeTypes (${value.allowedNodeTypes.join(', ')})`,
      });
    }
  });

/** Training engines, per cloud that runs them; `embedded` runs everywhere (and locally). */
export const TRAINING_ENGINES = { aws: ['embedded', 'sagemaker'], azure: ['embedded', 'databricks'] } as const;
export const ENGINE_NAMES = ['embedded', 'sagemaker', 'databricks'] as const;
export type TrainingEngine = (typeof ENGINE_NAMES)[number];

/** One engine for both clouds, or one per cloud (each cloud's own choices only). */
function trainingEngine() {
  const error = `must be one of: ${ENGINE_NAMES.join(', ')}, or per cloud { aws: ${TRAINING_ENGINES.aws.join('|')}, azure: ${TRAINING_ENGINES.azure.join('|')} }`;
  return z.union(
    [
      oneOf(ENGINE_NAMES),
      z.strictObject({
        aws: withDefault(oneOf(TRAINING_ENGINES.aws), 'embedded', 'Training engine of the AWS rendering (and of `strata run`).'),
        azure: withDefault(oneOf(TRAINING_ENGINES.azure), 'embedded', 'Training engine of the Azure rendering.'),
      }),
    ],
    { error },
  );
}

const azureBackend = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('local') }),
    z.strictObject({
      type: z.literal('azurerm'),
      resourceGroupName: knob(pattern(/^[-\w.()]{1,90}$/, 'an Azure resource group name'), 'Resource group of the state storage account.'),
      storageAccountName: knob(pattern(/^[a-z0-9]{3,24}$/, '3 to 24 lowercase letters and digits'), 'Storage account that holds Terraform state.'),
      containerName: knob(pattern(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'a blob container name'), 'Container that holds Terraform state.'),
    }),
  ],
  { error: 'must have type: local or azurerm' },
);


/**
 * Gradient-boosted trees, with XGBoost's hyperparameter names: the embedded
 * engine reads them and SageMaker's built-in XGBoost receives them as they are.
 */
const gradientBoosting = z.strictObject({
  num_round: withDefault(integer(1, 5000), 200, 'Boosting rounds (trees).', 'trees'),
  eta: withDefault(decimal(0.001, 1), 0.1, 'Learning rate: how much each tree corrects.'),
  max_depth: withDefault(integer(1, 16), 4, 'Deepest a tree may grow.', 'levels'),
  min_child_weight: withDefault(decimal(0, 1000), 1, 'Least hessian (about: rows) a leaf must hold.'),
  lambda: withDefault(decimal(0, 1000), 1, 'L2 regularization of leaf weights.'),
  alpha: withDefault(decimal(0, 1000), 0, 'L1 regularization of leaf weights.'),
  gamma: withDefault(decimal(0, 1000), 0, 'Least loss reduction a split must bring.'),
  subsample: withDefault(decimal(0.1, 1), 0.8, 'Share of rows each tree sees.'),
  colsample_bytree: withDefault(decimal(0.1, 1), 0.8, 'Share of features each tree sees.'),
  max_bin: withDefault(integer(2, 255), 255, 'Histogram bins per feature.', 'bins'),
});

/** Every classifier's settings; a model's own (models.overrides) are checked against it (config/model-settings.ts). */
export const classifierSettings = z.strictObject({
  ootSnapshots: withDefault(
    z.array(isoDate(), { error: 'must be a list of snapshot dates (YYYY-MM-DD)' }),
    [],
    'Out-of-time snapshots (dt_reference: for churn and order delay the 1st of a month; a model with daily snapshots names days) held out of training; each model’s build refuses one its data does not hold. Empty: each classifier’s latest labelled snapshot (see docs/models.md).',
  ),
  testFraction: withDefault(decimal(0.05, 0.5), 0.3, 'Share of the in-time rows held out for test, stratified by the label.'),
  labelWindowDays: withDefault(
    integer(1, 730),
    90,
    'For a model whose label is an event within a window after the snapshot (seller activation: a first sale within this many days of the deal); models whose horizon is their own ignore it (churn: 45 days).',
    'days',
  ),
  seed: withDefault(integer(0, 2_147_483_647), 42, 'Seed of the train/test split and of the trees’ row and feature sampling.'),
  threshold: withDefault(decimal(0.01, 0.99), 0.5, 'Score at or above which a row is classed positive (a seller churns, an order arrives late): precision, recall, F1, the scores table.'),
  promotionMargin: withDefault(
    decimal(0, 0.2),
    0.01,
    'A new model becomes champion unless its OOT AUC is worse than the champion’s by more than this.',
    'AUC',
  ),
  gradientBoosting: section(gradientBoosting, 'Hyperparameters of the gradient-boosted trees (embedded engine and SageMaker XGBoost).'),
  logisticRegression: section(
    z.strictObject({
      l2: withDefault(decimal(0, 1000), 1, 'L2 penalty on the (standardized) coefficients.'),
      maxIterations: withDefault(integer(10, 10_000), 300, 'Most optimizer iterations.', 'iterations'),
    }),
    'The logistic-regression baseline (embedded engine).',
  ),
  rebalance: section(
    z.strictObject({
      method: withDefault(
        oneOf(['none', 'oversample']),
        'none',
        'none: fit on the train split as it is; oversample: repeat positive rows of the train split, drawn with a seeded generator, until they make up targetShare of it. Test and OOT rows are never touched.',
      ),
      targetShare: withDefault(decimal(0.05, 0.5), 0.3, 'With oversample: the share of positives in the train split the candidates are fitted on.'),
    }),
    'Class rebalancing of the train split, for a rare positive class (embedded engine).',
  ),
});

/** Every clusterer's settings. */
export const clustererSettings = z.strictObject({
  k: withDefault(integer(2, 50), 5, 'Number of segments (k-means clusters).', 'clusters'),
  maxIterations: withDefault(integer(1, 1000), 100, 'Most k-means iterations.', 'iterations'),
  seed: withDefault(integer(0, 2_147_483_647), 42, 'Seed of the k-means++ initialization.'),
  promotionMargin: withDefault(decimal(0, 1), 0.05, 'A new clustering becomes champion unless its silhouette is worse than the champion’s by more than this.'),
});

/** Every ranker's settings. */
export const rankerSettings = z.strictObject({
  k: withDefault(integer(1, 50), 5, 'Items recommended to each entity: the scores table’s ranks, and the k of hit rate, precision and recall at k.', 'items'),
  holdoutMonths: withDefault(
    integer(1, 12),
    3,
    'Months held out for evaluation, counted back from the latest full month (one holding at least half an average month’s interactions): the interactions of those months and of any after them are oot; the candidates learn from the months before.',
    'months',
  ),
  promotionMargin: withDefault(decimal(0, 0.2), 0.01, 'A new ranker becomes champion unless its out-of-time hit rate at k is worse than the champion’s by more than this.'),
});

const models = z.strictObject({
  classifier: section(classifierSettings, 'Every classifier (seller churn, order delay): split, threshold, promotion gate, rebalancing and hyperparameters.'),
  clusterer: section(clustererSettings, 'Every clusterer (seller segments: k-means on the latest snapshot’s features).'),
  ranker: section(rankerSettings, 'Every ranker (purchase recommendation: the product categories to show a customer): k, the held-out period and the promotion gate.'),
  overrides: withDefault(
    z.record(pattern(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'a model name (lowercase words joined by dashes)'), z.record(z.string(), z.unknown(), { error: 'must be a mapping of settings' })),
    {},
    'Per model, by name: the settings of its kind (keys as under classifier, clusterer or ranker) that differ for it, over its workload’s own, e.g. { order-delay: { rebalance: { method: oversample } } }.',
  ),
});

/** An IPv4 range in CIDR notation (octets without leading zeros); that its address starts the range is checked apart. */
const CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** The first address and the size of a CIDR range, as numbers. */
export function cidrRange(cidr: string): { first: number; size: number } {
  const [address, bits] = cidr.split('/') as [string, string];
  const first = address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  return { first, size: 2 ** (32 - Number(bits)) };
}

function cidr(smallest: number, largest: number) {
  const error = `must be an IPv4 range in CIDR notation such as 10.40.0.0/24`;
  return z
    .string({ error })
    // abort: the range checks below read the address and prefix only of a well-formed range.
    .regex(CIDR, { error, abort: true })
    .refine((value) => {
      const bits = Number(value.split('/')[1]);
      return bits >= largest && bits <= smallest;
    }, { error: `must be a range from /${largest} (largest) to /${smallest} (smallest)`, abort: true })
    .refine((value) => cidrRange(value).first % cidrRange(value).size === 0, { error: 'must start on its own boundary (e.g. 10.40.1.0/24, not 10.40.1.8/24)' });
}

const within = (inner: string, outer: string) => {
  const a = cidrRange(inner);
  const b = cidrRange(outer);
  return a.first >= b.first && a.first + a.size <= b.first + b.size;
};
const overlap = (one: string, other: string) => {
  const a = cidrRange(one);
  const b = cidrRange(other);
  return a.first < b.first + b.size && b.first < a.first + a.size;
};

/** Who can reach the Azure data plane: private endpoints inside one virtual network, or the public endpoints as before. */
const network = z
  .strictObject({
    publicAccess: withDefault(
      bool(),
      false,
      'Azure only. false: the lake, the function apps\' runtime storage, Key Vault and the function apps take private endpoints in a virtual network, their public network access is off (the function apps accept Data Factory\'s service tag only) and Terraform must run from inside that network; true: their public endpoints, guarded by Entra ID only (docs/azure.md, Private networking).',
    ),
    addressSpace: withDefault(cidr(24, 8), '10.40.0.0/22', 'Azure only. Address space of the platform\'s virtual network; pick one that does not overlap a network you will peer it with.'),
    privateEndpointSubnet: withDefault(cidr(28, 8), '10.40.0.0/24', 'Azure only. Subnet of the private endpoints (one address each; about 20 are made), inside addressSpace.'),
    functionsSubnet: withDefault(
      cidr(27, 8),
      '10.40.1.0/24',
      'Azure only. Subnet the Flex Consumption function apps integrate with (delegated to Microsoft.App/environments, shared by the apps; each instance takes an address), inside addressSpace.',
    ),
    databricksAccountId: knob(
      pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a Databricks account id (a lowercase UUID)').optional(),
      'Azure only, with publicAccess false. The Databricks account (accounts.azuredatabricks.net) in which the workspace gets a network connectivity configuration with private endpoints to the lake (blob and dfs), the only way serverless SQL warehouses reach a lake with public access off; Terraform then needs a Databricks account admin. Omitted: no such configuration, so serverless warehouses cannot read the private lake. Default: omitted.',
    ),
  })
  .superRefine((value, ctx) => {
    for (const key of ['privateEndpointSubnet', 'functionsSubnet'] as const) {
      if (!within(value[key], value.addressSpace)) ctx.addIssue({ code: 'custom', path: [key], message: `must lie inside addressSpace (${value.addressSpace})` });
    }
    if (overlap(value.privateEndpointSubnet, value.functionsSubnet)) {
      ctx.addIssue({ code: 'custom', path: ['functionsSubnet'], message: `must not overlap privateEndpointSubnet (${value.privateEndpointSubnet})` });
    }
  });

// ---------------------------------------------------------------- the environment

export const environmentSchema = z.strictObject({
  name: knob(
    pattern(/^[a-z][a-z0-9]{1,9}$/, '2 to 10 lowercase letters and digits, starting with a letter'),
    'Environment name; prefixes every resource name, so keep it short. Required.',
  ),
  workloads: withDefault(
    z
      .array(pattern(/^[a-z][a-z0-9_-]*$/, 'a workload folder name (lowercase letters, digits, _ and -)'), { error: 'must be a list of workload names' })
      .min(1, { error: 'must list at least one workload' })
      .refine((names) => new Set(names).size === names.length, { error: 'lists a workload twice' }),
    ['olist', 'weather'],
    'The workloads this environment deploys and runs: folders of workloads/ (their datasets, SQL models, sources and models).',
  ),
  aws: section(
    z.strictObject({
      region: withDefault(pattern(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region such as eu-west-1'), 'eu-west-1', 'AWS region to deploy to.'),
      account: knob(
        pattern(/^\d{12}$/, 'a 12-digit AWS account id').optional(),
        'AWS account to deploy to. Omit to deploy to the account of the credentials in use. Default: omitted.',
      ),
    }),
    'AWS target.',
  ),
  azure: section(
    z.strictObject({
      location: withDefault(pattern(/^[a-z0-9]+$/, 'an Azure location such as westeurope'), 'westeurope', 'Azure region to deploy to.'),
      storageAccountName: knob(
        pattern(/^[a-z0-9]{3,24}$/, '3 to 24 lowercase letters and digits').optional(),
        'Globally unique ADLS account name. Default: strata<name>lake.',
      ),
      keyVaultName: knob(
        pattern(/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/, '3 to 24 letters, digits and dashes, starting with a letter').optional(),
        'Globally unique Key Vault name. Default: kv-strata-<name>.',
      ),
      backend: withDefault(azureBackend, { type: 'local' }, 'Where Terraform keeps state: local (relative file beside each stack) or an azurerm storage container.'),
    }),
    'Azure target.',
  ),
  network: section(network, 'Azure network exposure: private endpoints in a virtual network (the default) or public endpoints.'),
  retention: section(
    z.strictObject({
      destroyOnDelete: withDefault(
        bool(),
        false,
        'Delete stateful resources (buckets, keys, log groups, databases) when the stack is deleted. Leave false anywhere data matters.',
      ),
      logRetentionDays: withDefault(
        z.union(LOG_RETENTION_DAYS.map((days) => z.literal(days)), { error: `must be one of: ${LOG_RETENTION_DAYS.join(', ')}` }),
        30,
        'Retention of CloudWatch log groups; Log Analytics uses the nearest value it allows (30 to 730).',
        'days',
      ),
    }),
    'What happens to data and logs over time and on delete.',
  ),
  storage: section(
    z.strictObject({
      lifecycle: section(
        z.strictObject({
          raw: withDefault(layerLifecycle, { coolAfterDays: 30 }, 'Lifecycle of the raw layer.'),
          trusted: withDefault(layerLifecycle, { coolAfterDays: 90 }, 'Lifecycle of the trusted layer.'),
          refined: withDefault(layerLifecycle, {}, 'Lifecycle of the refined layer.'),
          dataquality: withDefault(layerLifecycle, { expireAfterDays: 400 }, 'Lifecycle of the dataquality layer.'),
        }),
        'Per-layer storage tiering and expiry.',
      ),
      rawNoncurrentVersionExpireDays: withDefault(
        integer(1, 3650),
        30,
        'Days an overwritten or deleted raw object version is kept (raw is versioned).',
        'days',
      ),
      accessLogExpireDays: withDefault(integer(1, 3650), 365, 'Days S3 server access logs are kept.', 'days'),
    }),
    'Data lake storage.',
  ),
  analytics: section(
    z.strictObject({
      bytesScannedCutoffMb: withDefault(
        integer(10, 10_000_000),
        10240,
        'Athena cancels any query of the platform workgroup that scans more than this.',
        'MB',
      ),
      biBytesScannedCutoffMb: withDefault(integer(10, 10_000_000), 1024, 'The same cut-off for the BI workgroup.', 'MB'),
      resultsExpireDays: withDefault(integer(1, 3650), 7, 'Days Athena query results are kept.', 'days'),
    }),
    'Query engine (Athena on AWS, Databricks SQL on Azure).',
  ),
  schedules: section(
    z.strictObject({
      ingest: withDefault(schedule(), 'rate(1 minute)', 'How often the API poller polls the HTTP sources.'),
      ingestSweep: withDefault(
        schedule(),
        'rate(1 hour)',
        'File drops start the ingest flow as they land (S3 EventBridge notifications on AWS, a Data Factory storage event trigger on Azure); this schedule runs it as well, as a sweep for any drop whose event was lost.',
      ),
      process: withDefault(schedule(), 'rate(1 hour)', 'How often raw -> trusted -> refined processing runs.'),
      retrain: withDefault(schedule(), 'cron(0 3 ? * MON *)', 'When the retrain flow trains, gates and scores every model.'),
    }),
    'Schedules of the flows and the API poller.',
  ),
  ingestion: section(
    z.strictObject({
      maxFileMb: withDefault(
        integer(1, 10_240),
        512,
        'A dropped file (archive or CSV), or a CSV in an archive once unpacked, larger than this is refused. With maxUnpackedMb it sets the ingest functions\' memory and timeout (docs/config.md, Ingest memory).',
        'MB',
      ),
      maxUnpackedMb: withDefault(
        integer(1, 51_200),
        2048,
        'An archive whose entries unpack to more than this in total is refused (decompression bombs). The ingest functions stage all of it in one run.',
        'MB',
      ),
      maxCompressionRatio: withDefault(
        integer(2, 10_000),
        200,
        'An archive entry that unpacks to more than this many times its compressed size is refused (decompression bombs).',
      ),
      maxEntries: withDefault(integer(1, 10_000), 100, 'A zip with more entries than this is refused.', 'entries'),
      pollTimeoutSeconds: withDefault(integer(1, 300), 10, 'An API poll attempt that takes longer than this is abandoned and retried.', 'seconds'),
      pollAttempts: withDefault(integer(1, 10), 3, 'Attempts per API poll, with exponential backoff between them.', 'attempts'),
      maxPollMb: withDefault(
        integer(1, 256),
        16,
        'An API answer larger than this is refused, not retried: the poller stops reading at this size. Its text and records are held in the ingest function\'s memory (measured: 69 MB of JSON, 1M records, took 208 MB).',
        'MB',
      ),
      maxPollRecords: withDefault(
        integer(1, 5_000_000),
        200_000,
        'A poll whose answers hold more records than this is refused whole (nothing written), not retried: each record is held in the ingest function\'s memory until the poll is written (about 0.2 to 0.5 KB).',
        'records',
      ),
      maxQuotedFieldKb: withDefault(
        integer(1, 102_400),
        10_240,
        'A quoted CSV field longer than this is taken for an unbalanced quote: the record is rejected and parsing resumes at the next line, so one stray quote cannot swallow the records after it.',
        'KiB',
      ),
    }),
    'Limits on what ingestion accepts; archives are untrusted input.',
  ),
  quality: section(
    z.strictObject({
      maxQuarantinedShare: withDefault(
        decimal(0, 1),
        0.2,
        'A trusted build that rejects more than this share of the records it read (rules broken, unparseable, waiting for a parent; superseded versions do not count) fails its quarantine_share rule (severity error): a systemic problem, not a few bad rows.',
        'share of records, 0 to 1',
      ),
      maxQuarantinedShareByTable: withDefault(
        z.record(pattern(/^[a-z][a-z0-9_]*$/, 'a table name'), decimal(0, 1)),
        {},
        'Per trusted table overrides of maxQuarantinedShare, e.g. { order_reviews: 0.2 }.',
      ),
    }),
    'Data-quality thresholds.',
  ),
  models: section(models, 'The models the retrain flow trains, evaluates, gates and scores.'),
  sizing: section(
    z.strictObject({
      lambda: section(
        lambdaSizing.extend({
          overrides: withDefault(
            z.strictObject(
              Object.fromEntries(
                HANDLER_CLASSES.map((handlerClass) => [handlerClass, lambdaOverride.optional().describe(`Sizing of the ${handlerClass} handlers, where it differs from the shared sizing.`)]),
              ) as Record<HandlerClass, z.ZodOptional<typeof lambdaOverride>>,
            ),
            {},
            'Per handler class (ingest, transform, quality, ml) overrides of memoryMb, architecture, timeoutSeconds.',
          ),
        }),
        'Lambda sizing shared by all handlers, with per-class overrides.',
      ),
      training: section(
        z.strictObject({
          engine: withDefault(
            trainingEngine(),
            'embedded',
            'embedded: TypeScript gradient boosting in the ml function (Lambda / Azure Function; small ABTs); sagemaker: SageMaker built-in XGBoost training jobs (AWS only); databricks: an XGBoost job on a Databricks job cluster under the cluster policy (Azure only). One value for both clouds, or per cloud: { aws: embedded|sagemaker, azure: embedded|databricks }. A cloud that cannot run the engine it is given fails synth; `strata run` trains on the embedded engine unless AWS gets sagemaker (config/training-engine.ts).',
          ),
          instanceType: withDefault(pattern(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'a SageMaker instance type such as ml.m5.xlarge'), 'ml.m5.xlarge', 'SageMaker training instance type.'),
          instanceCount: withDefault(integer(1, 20), 1, 'SageMaker training instances.', 'instances'),
          useSpot: withDefault(bool(), true, 'Managed spot training (up to 90% cheaper, may be interrupted and resumed).'),
          maxRuntimeMinutes: withDefault(integer(5, 1440), 60, 'A training job is stopped after this long.', 'minutes'),
        }),
        'Model training.',
      ),
      mlflow: section(
        z.strictObject({
          mode: withDefault(
            oneOf(['off', 'serverless', 'server']),
            'off',
            'Experiment tracking. off: local run store in the lake; serverless: SageMaker serverless MLflow App (no idle cost) / Databricks MLflow; server: an always-on SageMaker MLflow tracking server (~$0.60/h).',
          ),
        }),
        'MLflow tracking.',
      ),
      databricks: section(databricks, 'Azure Databricks compute, enforced by a cluster policy.'),
    }),
    'Compute sizing: the knobs that move the bill.',
  ),
}).superRefine((env, ctx) => checkIngestFootprint(env, ctx));

/** The environment as written in YAML (defaults not yet applied). */
export type EnvironmentInput = z.input<typeof environmentSchema>;
/** The environment with every default applied; what stacks and pipelines read. */
export type Environment = z.output<typeof environmentSchema>;
export type LayerLifecycle = z.output<typeof layerLifecycle>;
export type LambdaSizing = z.output<typeof lambdaSizing>;
export type NetworkSettings = z.output<typeof network>;
export type ModelSettings = Environment['models'];
export type GradientBoostingParameters = z.output<typeof gradientBoosting>;

/**
 * Lambda sizing of one handler class: the shared sizing with that class's
 * overrides applied. The ingest class, where its override does not say, gets
 * at least the memory and timeout the largest drop `ingestion` accepts needs
 * (config/ingest-footprint.ts).
 */
export function lambdaSizingFor(env: Pick<Environment, 'sizing' | 'ingestion'>, handlerClass: HandlerClass): LambdaSizing {
  const { overrides, ...shared } = env.sizing.lambda;
  const override = overrides[handlerClass] ?? {};
  if (handlerClass !== 'ingest') return { ...shared, ...override };
  const memoryMb = override.memoryMb ?? Math.max(shared.memoryMb, ingestMemoryNeedMb(env.ingestion));
  const timeoutSeconds = override.timeoutSeconds ?? Math.max(shared.timeoutSeconds, ingestTimeoutNeedSeconds(env.ingestion, memoryMb));
  return { ...shared, ...override, memoryMb, timeoutSeconds };
}

/** An environment whose ingest limits accept drops its ingest functions cannot take is refused, naming the knobs. */
function checkIngestFootprint(env: Pick<Environment, 'sizing' | 'ingestion'>, ctx: z.RefinementCtx): void {
  const { maxFileMb, maxUnpackedMb } = env.ingestion;
  const limits = `ingestion.maxFileMb (${maxFileMb}) and maxUnpackedMb (${maxUnpackedMb})`;
  const memoryNeed = ingestMemoryNeedMb(env.ingestion);
  if (memoryNeed > FLEX_LARGEST_INSTANCE_MB) {
    ctx.addIssue({
      code: 'custom',
      path: ['ingestion', 'maxUnpackedMb'],
      message: `with maxFileMb ${maxFileMb}, the ingest functions would need ${memoryNeed} MB (the drop, twice its largest CSV, ${INGEST_RUNTIME_MB} MB of runtime), more than an Azure Flex Consumption instance has (${FLEX_LARGEST_INSTANCE_MB} MB): lower maxUnpackedMb or maxFileMb`,
    });
    return;
  }
  const sizing = lambdaSizingFor(env, 'ingest');
  if (sizing.memoryMb < memoryNeed) {
    ctx.addIssue({
      code: 'custom',
      path: ['sizing', 'lambda', 'overrides', 'ingest', 'memoryMb'],
      message: `${limits} accept drops that need ${memoryNeed} MB to unpack and stage: raise this to at least ${memoryNeed}, lower those limits, or leave it out (then it is derived from them)`,
    });
    return;
  }
  // At the memory the functions get: more memory buys more CPU on Lambda, up to a full vCPU.
  const timeoutNeed = ingestTimeoutNeedSeconds(env.ingestion, sizing.memoryMb);
  if (timeoutNeed > LAMBDA_LONGEST_TIMEOUT_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      path: ['ingestion', 'maxUnpackedMb'],
      message: `at ${sizing.memoryMb} MB the ingest functions would need ${timeoutNeed} s to stage the largest drop ${limits} accept, more than Lambda's ${LAMBDA_LONGEST_TIMEOUT_SECONDS} s: lower maxUnpackedMb or maxFileMb${sizing.memoryMb < LAMBDA_FULL_VCPU_MB ? `, or give sizing.lambda.overrides.ingest.memoryMb up to ${LAMBDA_FULL_VCPU_MB} MB (a full vCPU)` : ''}`,
    });
    return;
  }
  if (sizing.timeoutSeconds < timeoutNeed) {
    ctx.addIssue({
      code: 'custom',
      path: ['sizing', 'lambda', 'overrides', 'ingest', 'timeoutSeconds'],
      message: `${limits} accept drops that need ${timeoutNeed} s to unpack and stage at ${sizing.memoryMb} MB: raise this to at least ${timeoutNeed}, lower those limits, or leave it out (then it is derived from them)`,
    });
  }
}
