import { generatorsOf } from '../../pipelines/workloads/generators.ts';
import { checkModelOverrides } from '../../config/model-settings.ts';
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { loadEnvironment } from '../../config/load-environment.ts';
import { withLocalTrainingEngine } from '../../config/training-engine.ts';
import { DuckDbDatabase } from '../../lambdas/adapters/local/duckdb-query-engine.ts';
import { FolderObjectStore } from '../../lambdas/adapters/local/folder-object-store.ts';
import { TableStore } from '../../lambdas/lake/table-store.ts';
import { versionPrefix } from '../../lambdas/ml/model-artifacts.ts';
import type { SkippedStep } from '../../lambdas/ml/models-without-data.ts';
import type { RegisteredModel } from '../../lambdas/ml/register-model.ts';
import type { QualityResult } from '../../lambdas/quality/check-quality.ts';
import type { NewData } from '../../lambdas/transform/find-new-data.ts';
import type { ModelName } from '../../pipelines/models/index.ts';
import type { TrustedBuild } from '../../lambdas/transform/build-trusted.ts';
import { FLOW_NAMES } from '../../pipelines/flows/index.ts';
import { catalogFor } from '../../pipelines/workloads/registry.ts';
import { platformVersion } from '../../stacks/shared/platform-version.ts';
import { parseOptions } from '../parse-options.ts';
import { DEFAULT_WORKER_DROP_BYTES, dropFilesIn, mapConcurrencyOf, newRunId, runLocally, writeRunReport, type StateRecord } from '../run/local-runner.ts';
import { acquireLakeLock, LakeInUseError } from '../run/lake-lock.ts';
import { loadSynthesizedFlows } from '../run/synthesized-flows.ts';
import { didYouMean } from '../did-you-mean.ts';
import { requireFolder, requireFolderOrAbsent } from '../path-checks.ts';
import { UsageError } from '../usage-error.ts';

const DEFAULT_SCALE = 0.1;
/** The rule results' table in dataquality, partitioned by run_id. */
const RESULTS_FOLDER = 'results';

const USAGE = `Usage: strata run [--data <folder>] [--lake <folder>] [--flows ${FLOW_NAMES.join(',')}|all] [--env <name> | --config <file>]
                  [--full-refresh] [--wait]
       npm run pipeline -- <the same options>

Runs the flows on this machine: the Step Functions definitions that \`cdk synth\`
writes, executed by aws-local-stepfunctions, each Lambda task calling the same
handler code with local adapters (the lake folder for S3, DuckDB for Athena).
Writes a run report to <lake>/_runs/<run-id>.json. One run per lake at a time:
the run holds <lake>/_runs/.lock. The state machines are synthesized once per
environment, version and source, then reused by every lake from the
checkout's node_modules/.cache/strata/synth/. Each handler sees the lake
through its class's grants (pipelines/access.ts), as in the cloud. Drops of
${DEFAULT_WORKER_DROP_BYTES / 1024 / 1024} MiB or more are unpacked in worker threads, ${mapConcurrencyOf({ flow: 'ingest' }, 'unpack-file-drop')} at a time
(STRATA_WORKER_DROP_BYTES sets the size; 0: every drop).

Options:
  --data <folder>   CSVs (.csv, .csv.gz, .zip) to drop into the landing area
                    (default: synthetic data of the environment's first workload
                    with a generator, e.g. Olist, at scale ${DEFAULT_SCALE}, generated once
                    into <lake>/_generated/)
  --lake <folder>   the lake: raw/, trusted/, refined/, dataquality/, _runs/ (default: ./lake)
  --flows <list>    which flows, in order: ${FLOW_NAMES.join(', ')} or all (default: all;
                    retrain only when the environment's workloads have models)
  --env <name>      an environment in config/environments/ (default: dev)
  --config <file>   an environment file anywhere (wins over --env)
  --full-refresh    rebuild every table from all staged raw files instead of
                    merging only what arrived since its watermark (each state
                    machine starts with {"fullRefresh": true})
  --wait            when another run holds the lake, wait for it to finish
                    instead of exiting 2`;

const number = (value: number | null) => (value === null ? '' : value.toLocaleString('en-US'));

function summaryTable(states: readonly StateRecord[]): string[] {
  const rows = [['flow', 'state', 'seconds', 'rows in', 'rows out', 'quarantined', '']];
  for (const state of states) {
    rows.push([state.flow, state.name, state.seconds.toFixed(2), number(state.rowsIn), number(state.rowsOut), number(state.quarantined), state.status === 'failed' ? 'FAILED' : '']);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column >= 2 && column <= 5 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** The drops in a --data folder; a missing, non-folder or empty one is refused. */
async function dropsOf(folder: string): Promise<string[]> {
  requireFolder('--data', folder);
  const drops = await dropFilesIn(folder);
  if (drops.length === 0) throw new UsageError(`--data ${folder}: no .csv, .csv.gz or .zip files in it`);
  return drops;
}

/** `STRATA_WORKER_DROP_BYTES`: drops at least this large unpack in a worker thread (0: all of them). */
function workerDropBytesFrom(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`STRATA_WORKER_DROP_BYTES must be a whole number of bytes (0: every drop in a worker thread), got "${value.slice(0, 40)}"`);
  return Number(value);
}

export const runCommand = {
  summary: 'run the ingest, process and retrain flows locally on DuckDB, from the synthesized state machines',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const options = parseOptions(argv, {
      data: { type: 'string' },
      lake: { type: 'string' },
      flows: { type: 'string' },
      env: { type: 'string' },
      config: { type: 'string' },
      'full-refresh': { type: 'boolean' },
      wait: { type: 'boolean' },
    });
    const requested = (options.flows ?? 'all').split(',').map((name) => name.trim());
    const unknown = requested.filter((name) => name !== 'all' && !FLOW_NAMES.includes(name as never));
    if (unknown.length > 0) throw new UsageError(`--flows: unknown flow(s) ${unknown.join(', ')}${didYouMean(unknown[0]!, FLOW_NAMES) || ';'} allowed: ${FLOW_NAMES.join(', ')}, all`);
    const asked: readonly string[] = requested.includes('all') ? FLOW_NAMES : FLOW_NAMES.filter((name) => requested.includes(name));
    const lake = resolve(options.lake ?? 'lake');
    // The cheap checks, before the config, the lock and the synth.
    requireFolderOrAbsent('--lake', options.lake ?? 'lake');
    const givenDrops = asked.includes('ingest') && options.data !== undefined ? await dropsOf(options.data) : undefined;

    const loaded = loadEnvironment({ env: options.env, config: options.config });
    // The local runner executes the AWS rendering: an engine only Azure has (databricks) trains embedded here.
    const environment = withLocalTrainingEngine(loaded.environment);
    const catalog = catalogFor(environment.workloads);
    checkModelOverrides(environment.models, catalog.models);
    // No model, no retrain flow: `all` means the flows there are; asking for retrain by name is a mistake to say.
    if (catalog.models.length === 0 && requested.includes('retrain')) {
      throw new UsageError(`--flows retrain: the workloads of environment ${environment.name} (${environment.workloads.join(', ')}) have no models, so there is no retrain flow`);
    }
    const selected = asked.filter((name) => name !== 'retrain' || catalog.models.length > 0);
    // Known from the config before any synth: the managed engine's states call SageMaker, which runs in the cloud only.
    if (selected.includes('retrain') && environment.sizing.training.engine !== 'embedded') {
      throw new UsageError(
        `flow retrain of environment ${environment.name} trains on SageMaker (sizing.training.engine is ${environment.sizing.training.engine}), which only runs in the cloud. ` +
          'Run it locally with an environment whose engine is embedded (e.g. --env dev), or leave it out with --flows',
      );
    }
    const version = platformVersion();
    const runId = newRunId();
    const started = performance.now();
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const fullRefresh = options['full-refresh'] === true;
    const workerDropBytes = workerDropBytesFrom(process.env.STRATA_WORKER_DROP_BYTES);
    let lock;
    try {
      lock = await acquireLakeLock(lake, { runId, wait: options.wait === true, log });
    } catch (error) {
      if (!(error instanceof LakeInUseError)) throw error;
      console.error(error.message);
      return 2;
    }
    const keepLockOnSignals = lock.releaseOnSignals();
    try {
      return await runHoldingLake();
    } finally {
      keepLockOnSignals();
      lock.release();
    }

    async function runHoldingLake(): Promise<number> {
      log(`strata run ${runId}: environment ${environment.name} (${loaded.file}), flows ${selected.join(' -> ')}, lake ${relative(process.cwd(), lake) || '.'}`);

      const loadedFlows = await loadSynthesizedFlows(environment, version, {
        onSynthesize: () => log('  synthesizing the AWS app to read the state machines it defines...'),
      });
      if (loadedFlows.hit) log(`  reusing the state machines synthesized for template ${loadedFlows.templateSha256.slice(0, 12)}`);
      const synthesized = loadedFlows.flows.filter((flow) => selected.includes(flow.flow));
      for (const flow of synthesized) {
        if (flow.unrunnable.size === 0) continue;
        const [state, resource] = [...flow.unrunnable][0]!;
        throw new UsageError(
          `flow ${flow.flow} of environment ${environment.name} has states that only run in the cloud (${state} calls ${resource}): ` +
            `sizing.training.engine is ${environment.sizing.training.engine}. Run it locally with an environment whose engine is embedded (e.g. --env dev), or leave it out with --flows`,
        );
      }
      let dataFolder = options.data;
      // Only the ingest flow reads the data folder; the others start from the lake as it is.
      if (dataFolder === undefined && selected.includes('ingest')) {
        const [workload, generator] = [...generatorsOf(catalog)][0] ?? [];
        if (!workload || !generator) {
          throw new UsageError(`--data <folder> is required: no workload of environment ${environment.name} (${environment.workloads.join(', ')}) has a data generator`);
        }
        dataFolder = join(lake, '_generated', `${workload}-scale-${DEFAULT_SCALE}`);
        if (!existsSync(join(dataFolder, generator.manifestFile))) {
          log(`  no --data: generating synthetic ${workload} data at scale ${DEFAULT_SCALE} into ${relative(process.cwd(), dataFolder)}`);
          await generator.generate({ scale: DEFAULT_SCALE, seed: generator.defaultSeed, badRows: 0, outDir: dataFolder });
        }
      }
      const landingFiles = givenDrops ?? (selected.includes('ingest') && dataFolder !== undefined ? await dropFilesIn(dataFolder) : []);

      log(`  ${landingFiles.length} file(s) into raw/landing; running ${synthesized.map((flow) => flow.stateMachineName).join(', ')}`);

      const result = await runLocally({
        environment,
        platformVersion: version,
        flows: synthesized,
        definitionsValidated: true,
        ...(workerDropBytes === undefined ? {} : { workerDropBytes }),
        lake,
        landingFiles,
        runId,
        fullRefresh,
        onState: (state) =>
          log(
            `  [${state.flow}] ${state.name} ${state.status === 'failed' ? 'FAILED' : 'done'} in ${state.seconds.toFixed(2)} s` +
              (state.rowsOut !== null ? `, ${number(state.rowsOut)} rows out` : '') +
              (state.quarantined ? `, ${number(state.quarantined)} quarantined` : '') +
              (state.inWorkerThread ? ' (worker thread)' : ''),
          ),
      });

      const trustedBuilds = result.taskResults.filter((task) => task.handler === 'build-trusted').map((task) => task.result as TrustedBuild);
      const tables = Object.fromEntries(
        trustedBuilds.map((build) => [
          build.table,
          {
            raw: build.rowsIn,
            trusted: build.rowsOut,
            quarantined: build.quarantined,
            ...(build.status === 'failed' ? { error: build.error } : {}),
            status: build.status,
            watermark: build.watermark ?? null,
            merged: build.rowsMerged ?? 0,
            partitionsWritten: { count: build.partitionsWritten?.length ?? 0, values: build.partitionsWritten ?? [] },
            bytesRead: build.bytesRead ?? 0,
            bytesKeyLookup: build.bytesKeyLookup ?? 0,
            bytesWritten: build.bytesWritten ?? 0,
            fullRefresh: build.fullRefresh ?? fullRefresh,
          },
        ]),
      );
      const quality = await readQualityResults(lake, runId);
      // A process run with nothing to merge ends at its check; the report and the summary say why.
      const arrivals = result.taskResults.filter((task) => task.handler === 'find-new-data').map((task) => task.result as NewData);
      const skippedProcess = arrivals.find((found) => !found.due);
      const registrations = result.taskResults.filter((task) => task.handler === 'register-model').map((task) => task.result as RegisteredModel | SkippedStep);
      const models = registrations.filter((registration): registration is RegisteredModel => !('skipped' in registration));
      const skippedModels = registrations.filter((registration): registration is SkippedStep => 'skipped' in registration);
      const charts = await copyModelCharts(lake, runId, models);
      const failed = result.outcomes.filter((outcome) => outcome.status === 'failed');
      const report = {
        runId,
        status: failed.length === 0 ? 'succeeded' : 'failed',
        environment: environment.name,
        platformVersion: version,
        seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
        definitions: Object.fromEntries(synthesized.map((flow) => [flow.flow, { stateMachineName: flow.stateMachineName, templateSha256: flow.templateSha256 }])),
        flows: result.outcomes.map(({ output: _output, ...outcome }) => outcome),
        states: result.states,
        tables,
        ...(skippedProcess ? { processSkipped: skippedProcess.reason } : {}),
        quality,
        drops: result.taskResults.filter((task) => task.handler === 'unpack-file-drop').map((task) => task.result),
        models: models.map((model) => ({
          name: model.name,
          version: model.version,
          engine: model.engine,
          algorithm: model.algorithm,
          ...(model.auc ? { auc: model.auc } : {}),
          ...(model.silhouette === undefined ? {} : { silhouette: model.silhouette }),
          ...(model.hitRate ? { hitRate: model.hitRate } : {}),
          promoted: model.promoted,
          champion: model.champion,
          reason: model.reason,
          charts: charts.filter((chart) => chart.model === model.name).map((chart) => chart.file),
        })),
        ...(skippedModels.length > 0 ? { skippedModels: skippedModels.map((model) => ({ name: model.model, reason: model.skipped })) } : {}),
        notifications: result.notifications,
      };
      const reportPath = await writeRunReport(lake, runId, report);

      console.log(summaryTable(result.states).join('\n'));
      const failedTables = trustedBuilds.filter((build) => build.status === 'failed');
      for (const build of failedTables) console.log(`table ${build.table} FAILED: ${build.error}`);
      const failedRules = quality.filter((rule) => !rule.passed);
      if (failedRules.length > 0) {
        console.log(`quality: ${quality.length} rules, ${failedRules.length} failed:`);
        for (const rule of failedRules) console.log(`  ${rule.severity.padEnd(5)} ${rule.table}: ${rule.rule} (${rule.failingRows} rows)`);
      } else if (quality.length > 0) {
        console.log(`quality: ${quality.length} rules, all passed`);
      }
      for (const model of models) console.log(`model ${model.summary}`);
      for (const model of skippedModels) console.log(`model ${model.summary}`);
      for (const chart of charts) console.log(`chart ${relative(process.cwd(), join(lake, '_runs', chart.file))}`);
      for (const outcome of failed) console.log(`flow ${outcome.flow} FAILED: ${outcome.error}`);
      const deferred = result.taskResults.filter((task) => task.handler === 'list-landing').reduce((sum, task) => sum + Number((task.result as { deferred?: number }).deferred ?? 0), 0);
      if (deferred > 0) console.log(`ingest: ${number(deferred)} drop(s) left in raw/landing for the next run (one listing takes what the flow's state holds); run again with the same --data: what raw already holds is skipped`);
      if (skippedProcess) console.log(`process: skipped, ${skippedProcess.reason} (a full refresh always runs: --full-refresh)`);
      console.log(runTally(trustedBuilds, quality));
      console.log(`run ${runId} ${report.status} in ${report.seconds.toFixed(1)} s; report: ${relative(process.cwd(), reportPath)}`);
      return failed.length === 0 ? 0 : 1;
    }
  },
};

/**
 * `PASS=<n> WARN=<n> ERROR=<n> SKIP=<n>`: tables built, quality warnings,
 * failures (tables that failed, error rules that failed beyond the `build`
 * rule a failed table gets) and tables skipped (nothing new).
 */
export function runTally(builds: readonly Pick<TrustedBuild, 'status'>[], quality: readonly QualityResult[]): string {
  const failedRules = quality.filter((rule) => !rule.passed);
  const count = (status: TrustedBuild['status']) => builds.filter((build) => build.status === status).length;
  const warn = failedRules.filter((rule) => rule.severity === 'warn').length;
  const error = count('failed') + failedRules.filter((rule) => rule.severity === 'error' && !rule.rule.startsWith('build: ')).length;
  return `PASS=${count('built')} WARN=${warn} ERROR=${error} SKIP=${count('skipped')}`;
}

/** The registered versions' charts, copied beside the run report: `_runs/<run>/<model>-roc.svg`. */
async function copyModelCharts(lake: string, runId: string, models: readonly RegisteredModel[]): Promise<{ model: string; file: string }[]> {
  const copied: { model: string; file: string }[] = [];
  const store = new FolderObjectStore(lake);
  for (const model of models) {
    const folder = versionPrefix(model.name as ModelName, model.version);
    for (const object of await store.list('refined', `${folder}/`)) {
      if (!object.key.endsWith('.svg')) continue;
      const file = `${runId}/${model.name}-${object.key.split('/').pop()}`;
      await mkdir(join(lake, '_runs', runId), { recursive: true });
      await copyFile(store.pathOf('refined', object.key), join(lake, '_runs', file));
      copied.push({ model: model.name, file });
    }
  }
  return copied;
}

/** This run's rule results: the `run_id=<run>` partition of the committed dataquality results table. */
async function readQualityResults(lake: string, runId: string): Promise<QualityResult[]> {
  const store = new FolderObjectStore(lake);
  const pointer = await new TableStore(store).read('dataquality', RESULTS_FOLDER);
  const files = pointer?.partitions[runId]?.files ?? [];
  if (files.length === 0) return [];
  const paths = files.map((file) => `'${store.pathOf('dataquality', file.key).replaceAll("'", "''")}'`);
  const database = await DuckDbDatabase.open();
  try {
    const session = await database.session(lake);
    const rows = await session.query<{ table_name: string; rule: string; severity: string; passed: boolean; failing_rows: number | bigint }>(
      `select table_name, rule, severity, passed, failing_rows from read_parquet([${paths.join(', ')}], union_by_name = true) order by table_name, rule`,
    );
    await session.close();
    return rows.map((row) => ({
      table: row.table_name,
      rule: row.rule,
      severity: row.severity as QualityResult['severity'],
      passed: row.passed,
      failingRows: Number(row.failing_rows),
    }));
  } finally {
    database.close();
  }
}
