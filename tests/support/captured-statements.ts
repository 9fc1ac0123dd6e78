/**
 * The SQL the real handlers send to Athena and to Databricks, captured by
 * running them, step by step as the flows call them, over the real query
 * engine adapters whose cloud client only records: every statement succeeds;
 * a count answers 1 and a write's partition values one day, so every write
 * goes as far as its UNLOAD or INSERT OVERWRITE DIRECTORY, and a merge
 * touches one partition; any other query
 * answers no rows (response shapes as the APIs document them). Steps whose
 * logic needs real rows back (the model steps read a training set) stop at
 * their first empty answer; what they sent until then is captured, and the
 * error says where they stopped.
 */
import { GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { rm } from 'node:fs/promises';
import type { Layer } from '../../config/schema.ts';
import { AthenaQueryEngine } from '../../lambdas/adapters/aws/athena-query-engine.ts';
import { DatabricksSqlQueryEngine } from '../../lambdas/adapters/azure/databricks-sql-query-engine.ts';
import { FolderObjectStore } from '../../lambdas/adapters/local/folder-object-store.ts';
import { HANDLER_FACTORIES, handlerSettings, type HandlerPorts } from '../../lambdas/handlers/index.ts';
import type { QueryEngine } from '../../lambdas/ports/query-engine.ts';
import { type FlowStep, type HandlerName } from '../../pipelines/flows/index.ts';
import { FLOWS } from './catalog.ts';
import { LAYERS } from '../../config/schema.ts';
import { environmentNamed } from './environments.ts';

export type CaptureDialect = 'athena' | 'databricks';

export interface CapturedStep {
  readonly flow: string;
  readonly step: string;
  readonly handler: HandlerName;
  readonly statements: readonly string[];
  /** Why the step stopped, when it did (an empty answer where it needs rows). */
  readonly error?: string;
}

const RUN_ID = 'run-capture';

/** The rows the recording clients answer a statement with: columns and values as text. */
function answerOf(statement: string): { columns: string[]; rows: string[][] } {
  if (/^select cast\(\S+ as (varchar|string)\) as value, count\(\*\) as n from /.test(statement)) return { columns: ['value', 'n'], rows: [['2026-12-03', '1']] };
  if (/^select count\(\*\) as n from /.test(statement)) return { columns: ['n'], rows: [['1']] };
  // The partitions a merge touched: one, so a partitioned table's build commits a row like an unpartitioned one's.
  if (/^select distinct \S+ as value from /.test(statement)) return { columns: ['value'], rows: [['2026-12-03']] };
  return { columns: [], rows: [] };
}

/** The steps of the flows that reach a query engine, with the events the flows give them. */
function stepCalls(): { flow: string; step: string; handler: HandlerName; event: Record<string, unknown> }[] {
  const event = (input: Readonly<Record<string, string>>, item?: string) =>
    Object.fromEntries(
      Object.entries(input).map(([name, value]) => [name, value === '$$.Execution.Name' ? RUN_ID : value === '$$.Map.Item.Value' ? item : value.startsWith('$.') ? false : value]),
    );
  const calls: ReturnType<typeof stepCalls> = [];
  for (const flow of FLOWS) {
    for (const step of flow.steps as readonly FlowStep[]) {
      if (step.kind === 'task') calls.push({ flow: flow.name, step: step.name, handler: step.handler, event: event(step.input) });
      if (step.kind === 'map' && 'values' in step.items) {
        for (const item of step.items.values) calls.push({ flow: flow.name, step: `${step.step.name}[${item}]`, handler: step.step.handler, event: event(step.step.input, item) });
      }
    }
  }
  // Ingest lists and unpacks files; the poller calls an API: no SQL.
  return calls.filter((call) => !['list-landing', 'unpack-file-drop', 'poll-api'].includes(call.handler));
}

/** Athena's client, recording each statement; every query succeeds with no rows. */
function recordingAthena(sent: string[]) {
  return {
    send: async (command: { input: Record<string, unknown> }) => {
      if (command instanceof StartQueryExecutionCommand) {
        sent.push(String(command.input.QueryString));
        return { QueryExecutionId: String(sent.length - 1) };
      }
      if (command instanceof GetQueryExecutionCommand) return { QueryExecution: { Status: { State: 'SUCCEEDED' } } };
      if (command instanceof GetQueryResultsCommand) {
        const { columns, rows } = answerOf(sent[Number(command.input.QueryExecutionId)] ?? '');
        const row = (values: string[]) => ({ Data: values.map((value) => ({ VarCharValue: value })) });
        return { ResultSet: { ResultSetMetadata: { ColumnInfo: columns.map((name) => ({ Name: name })) }, Rows: columns.length > 0 ? [row(columns), ...rows.map(row)] : [] } };
      }
      throw new Error(`recording Athena: unexpected ${command.constructor.name}`);
    },
  };
}

/**
 * The Statement Execution API, recording each statement; every statement
 * succeeds with no rows. An INSERT OVERWRITE DIRECTORY leaves a data file
 * in the lake, as Databricks would, so the engine counts the rows it wrote
 * (one, by the count's answer) instead of finding an empty table.
 */
function recordingDatabricks(sent: string[], store: FolderObjectStore): typeof fetch {
  const chunks = new Map<string, string[][]>();
  return (async (url: string | URL | Request, init?: RequestInit) => {
    const served = chunks.get(String(url));
    if (served) return new Response(JSON.stringify(served), { status: 200 });
    const body = JSON.parse(String(init?.body ?? '{}')) as { statement?: string };
    if (body.statement === undefined) throw new Error(`recording Databricks: unexpected ${init?.method ?? 'GET'} ${String(url)}`);
    sent.push(body.statement);
    const written = /^insert overwrite directory 'abfss:\/\/([a-z]+)@[^/]+\/([^']*)'/.exec(body.statement);
    if (written) await store.write(written[1] as Layer, `${written[2]!.replace(/\/$/, '')}/part-00000.zstd.parquet`, 'recorded');
    const { columns, rows } = answerOf(body.statement);
    const link = `https://capture.invalid/results/${sent.length}`;
    chunks.set(link, rows);
    const manifest = { schema: { columns: columns.map((name, position) => ({ name, position, type_name: name === 'n' ? 'LONG' : 'STRING' })) } };
    return new Response(JSON.stringify({ statement_id: `s${sent.length}`, status: { state: 'SUCCEEDED' }, manifest, result: { external_links: rows.length > 0 ? [{ external_link: link }] : [] } }), { status: 200 });
  }) as typeof fetch;
}

/**
 * Runs every SQL step of the flows, in flow order, over `lakeRoot` (a lake
 * with staged raw files) through the given cloud's engine, and returns what
 * each step sent.
 */
export async function captureStatements(dialect: CaptureDialect, lakeRoot: string): Promise<CapturedStep[]> {
  const store = new FolderObjectStore(lakeRoot);
  const environment = environmentNamed('dev');
  let sent: string[] = [];
  let sessions = 0;
  const openEngine = async (): Promise<QueryEngine> => {
    sessions += 1;
    if (dialect === 'athena') {
      const names = (suffix: string) => Object.fromEntries(LAYERS.map((layer) => [layer, `strata_dev_${layer}${suffix}`])) as Record<Layer, string>;
      return new AthenaQueryEngine({ client: recordingAthena(sent) as never, workgroup: 'strata-dev', databases: names(''), buckets: names('_bucket'), store, sessionId: `c${sessions}`, pollIntervalMs: 0 });
    }
    const lake = Object.assign(Object.create(store) as FolderObjectStore, {
      account: 'stratadevlake',
      deleteDirectory: (layer: Layer, path: string) => rm(store.pathOf(layer, path), { recursive: true, force: true }),
    });
    return new DatabricksSqlQueryEngine({
      host: 'https://adb-0.azuredatabricks.net',
      warehouseId: 'w',
      credential: { getToken: async () => 'token' },
      lake,
      sessionId: `c${sessions}`,
      fetch: recordingDatabricks(sent, store),
      pollIntervalMs: 0,
    });
  };
  const ports: HandlerPorts = {
    store,
    secrets: { get: async () => 'unused' },
    clock: { now: () => new Date('2026-12-03T10:00:00.000Z') },
    tracker: undefined as never,
    openEngine,
    settings: handlerSettings(environment, '0.0.0+capture'),
  };
  const captured: CapturedStep[] = [];
  for (const call of stepCalls()) {
    sent = [];
    let error: string | undefined;
    try {
      await HANDLER_FACTORIES[call.handler](ports)(call.event);
    } catch (failure) {
      error = (failure as Error).message.split('\n', 1)[0];
    }
    captured.push({ flow: call.flow, step: call.step, handler: call.handler, statements: sent, ...(error ? { error } : {}) });
  }
  return captured;
}
