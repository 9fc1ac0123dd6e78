import type { Layer } from '../../../config/schema.ts';
import { partitionFolder } from '../../../pipelines/contract/lake-layout.ts';
import { castAs } from '../../../pipelines/contract/sql-types.ts';
import { NULL_PARTITION, type TablePointer } from '../../../pipelines/contract/table-pointer.ts';
import type { Relations } from '../../../pipelines/sql/render.ts';
import { commitReplace } from '../../lake/commit-replace.ts';
import { resolveTableRefs, tableToken } from '../../lake/table-refs.ts';
import { TableStore } from '../../lake/table-store.ts';
import type { LoadedColumn, LoadedValue, QueryEngine, ReplaceTarget, TableWritten, WriteTarget, WrittenPartition } from '../../ports/query-engine.ts';
import type { AdlsLake } from './adls-object-store.ts';
import { AZURE_DATABRICKS_RESOURCE } from './databricks-mlflow-auth.ts';
import type { AccessTokenProvider } from './managed-identity-credential.ts';

/** What the engine needs of the lake: the object store (pointers, loaded rows, written files) and a recursive delete (scratch). */
export type DatabricksLake = Pick<AdlsLake, 'account' | 'list' | 'read' | 'exists' | 'write' | 'create' | 'delete' | 'deleteDirectory'>;

export interface DatabricksSqlQueryEngineProps {
  /** Workspace URL, `https://adb-<id>.<n>.azuredatabricks.net` (APP_SETTINGS.databricksHost). */
  readonly host: string;
  /** The pipelines SQL warehouse (APP_SETTINGS.warehouseId). */
  readonly warehouseId: string;
  /** Entra tokens; asked for the Azure Databricks resource before every request. */
  readonly credential: AccessTokenProvider;
  /** The lake: reads table pointers, lists written files, writes loaded rows, drops the scratch folder. */
  readonly lake: DatabricksLake;
  /** Distinguishes this session's scratch folder `dataquality/_scratch/<sessionId>/`. */
  readonly sessionId: string;
  /** How the warehouse addresses the lake's account. @default `<account>.dfs.core.windows.net` */
  readonly dfsHost?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Between status polls of a statement still running after the 30 s wait. @default 2000 */
  readonly pollIntervalMs?: number;
  /**
   * A statement still running after this long is canceled and fails: a hung statement must not
   * outlive the step (the queue would run the step again beside it).
   * @default 840000 (14 minutes: under the longest step timeout Azure Functions runs here)
   */
  readonly maxStatementMs?: number;
}

/** The parts of a StatementResponse (SQL Statement Execution API 2.0) this engine reads. */
interface StatementResponse {
  readonly statement_id?: string;
  readonly status?: { readonly state?: string; readonly error?: { readonly error_code?: string; readonly message?: string } };
  readonly manifest?: { readonly schema?: { readonly columns?: readonly { readonly name: string; readonly type_name?: string; readonly position?: number }[] } };
  readonly result?: ResultChunk;
}

/** A result chunk: its rows inline (INLINE), or links to them (EXTERNAL_LINKS). */
interface ResultChunk {
  readonly data_array?: readonly (readonly (string | null)[])[];
  readonly external_links?: readonly ExternalLink[];
  readonly next_chunk_internal_link?: string;
}

/** One chunk's rows in the workspace's storage, behind a short-lived URL (JSON_ARRAY: an array of rows). */
interface ExternalLink {
  readonly external_link: string;
  /** Headers the GET of `external_link` must carry; never the Databricks token. */
  readonly http_headers?: Record<string, string>;
  readonly next_chunk_internal_link?: string;
}

/** A statement Databricks reported FAILED, CANCELED or CLOSED, or a request it refused. */
export class DatabricksStatementError extends Error {
  override readonly name = 'DatabricksStatementError';
  constructor(
    message: string,
    readonly errorCode: string | undefined,
  ) {
    super(message);
  }
}

const literal = (value: string) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const quoted = (name: string) => `\`${name.replaceAll('`', '``')}\``;
const NUMERIC_TYPES = new Set(['BYTE', 'SHORT', 'INT', 'LONG', 'FLOAT', 'DOUBLE', 'DECIMAL']);
/** Spark's marker files (`_SUCCESS`, `_committed_*`, `_started_*`) and hidden files are not data. */
const isDataFile = (key: string) => !/^[_.]/.test(key.slice(key.lastIndexOf('/') + 1));

/**
 * The query engine on Databricks SQL (Spark SQL), through the SQL Statement
 * Execution API 2.0 on the pipelines warehouse: each statement is submitted,
 * waited on for 30 s, polled until it ends, and a query's rows read chunk by
 * chunk through EXTERNAL_LINKS (JSON_ARRAY): INLINE aborts a result over
 * 25 MiB, which a training set read back at scale 1 reaches.
 *
 * The API has no session, so nothing lives in the warehouse between
 * statements: every relation is a path in the lake.
 * - A committed table (`relations.ref`) is read through its pointer, resolved
 *   when a statement runs: a union of ``parquet.`abfss://<layer>@<account>.dfs.core.windows.net/<folder>/` ``
 *   over each committed partition's folder, the partition column added as a
 *   literal (it is in folder names only); no partition: an empty relation typed
 *   from the pointer's columns.
 * - Staged raw files (`filesRelation`) are read file by file, by abfss path.
 * - Temporaries and loaded rows are Parquet / JSON lines under
 *   `dataquality/_scratch/<session>/`, written with `INSERT OVERWRITE DIRECTORY`
 *   and deleted (one recursive delete) at close().
 * - writeFiles() writes ZSTD Parquet into the new version folder, one
 *   `<column>=<value>/` folder per partition value (INSERT OVERWRITE DIRECTORY
 *   has no PARTITIONED BY: the rows are materialized once, then written one
 *   statement per value). The commit is the pointer write (lambdas/lake/);
 *   there is no catalog to publish to.
 *
 * Not verified here (no Databricks workspace, only recorded API shapes):
 * that the warehouse may write `abfss://` paths with INSERT OVERWRITE
 * DIRECTORY (Unity Catalog needs an external location over the lake's
 * containers, with the warehouse's identity granted READ/WRITE FILES); that
 * an empty result still writes a Parquet file holding the schema; that file
 * sizes follow Spark's defaults rather than `targetFileMb`; and that the many
 * `parquet.` paths of a large table's union stay within the warehouse's
 * statement size.
 */
export class DatabricksSqlQueryEngine implements QueryEngine {
  readonly dialect = 'spark' as const;
  private readonly host: string;
  private readonly fetch: typeof fetch;
  private readonly dfsHost: string;
  private readonly session: string;
  readonly tables: TableStore;
  private sequence = 0;
  private scratchUsed = false;

  constructor(private readonly props: DatabricksSqlQueryEngineProps) {
    this.host = props.host.replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+$/.test(this.host)) throw new Error(`DatabricksSqlQueryEngine: host "${props.host}" is not a workspace URL like https://adb-<id>.<n>.azuredatabricks.net`);
    this.fetch = props.fetch ?? globalThis.fetch;
    this.dfsHost = props.dfsHost ?? `${props.lake.account}.dfs.core.windows.net`;
    this.session = props.sessionId.replace(/[^a-zA-Z0-9_-]/g, '_');
    this.tables = new TableStore(props.lake);
  }

  /** `abfss://<layer>@<account>.dfs.core.windows.net/<path>/` */
  private location(layer: Layer, path: string): string {
    const trimmed = path.replace(/^\/+|\/+$/g, '');
    return `abfss://${layer}@${this.dfsHost}/${trimmed === '' ? '' : `${trimmed}/`}`;
  }

  private parquet(layer: Layer, path: string): string {
    return `parquet.${quoted(this.location(layer, path))}`;
  }

  /** `_scratch/<session>/<name>` in dataquality. */
  private scratchPath(name: string): string {
    this.scratchUsed = true;
    return `${this.scratchRoot()}/${name}`;
  }

  private scratchRoot(): string {
    return `_scratch/${this.session}`;
  }

  private unique(name: string): string {
    this.sequence += 1;
    return `${name.replace(/[^a-zA-Z0-9_]/g, '_')}_${this.sequence}`;
  }

  readonly relations: Relations = {
    source: (table) => {
      throw new Error(`source(${table}) is the trusted build's staged batch; render trusted models through buildTrusted`);
    },
    ref: (layer, table) => tableToken(layer, table),
  };

  /** A typed empty relation: `string`, never `varchar` (Spark refuses it without a length). */
  private emptyRelation(columns: readonly { readonly name: string; readonly type: string }[]): string {
    if (columns.length === 0) return '(select 1 as _empty where false)';
    return `(select ${columns.map((column) => `${castAs('spark', 'null', column.type)} as ${quoted(column.name)}`).join(', ')} where false)`;
  }

  /** The relation of a committed version: its partitions' folders, the partition column from the pointer. */
  private committedRelation(pointer: TablePointer): string {
    const column = pointer.partitionBy;
    const data = pointer.columns.filter((entry) => entry.name !== column);
    const partitions = Object.entries(pointer.partitions)
      .filter(([, partition]) => partition.files.length > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (partitions.length === 0) return this.emptyRelation(column ? [...data, { name: column, type: 'string' }] : data);
    const names = data.length > 0 ? data.map((entry) => quoted(entry.name)).join(', ') : '*';
    const selects = partitions.map(([value, partition]) => {
      const partitionColumn = column ? `, ${value === NULL_PARTITION ? castAs('spark', 'null', 'string') : literal(value)} as ${quoted(column)}` : '';
      return `select ${names}${partitionColumn} from ${this.parquet(pointer.layer, partition.folder)}`;
    });
    return `(${selects.join('\nunion all\n')})`;
  }

  private resolve(sql: string): Promise<string> {
    return resolveTableRefs(sql, this.tables, (pointer) => this.committedRelation(pointer));
  }

  filesRelation(layer: Layer, keys: readonly string[], columns: readonly { readonly name: string; readonly type: string }[]): string {
    if (keys.length === 0) return this.emptyRelation(columns);
    const names = columns.map((column) => quoted(column.name)).join(', ');
    const selects = [...new Set(keys)].map((key) => `select ${names} from parquet.${quoted(`abfss://${layer}@${this.dfsHost}/${key.replace(/^\/+/, '')}`)}`);
    return `(${selects.join('\nunion all\n')})`;
  }

  private async writeDirectory(layer: Layer, path: string, select: string): Promise<void> {
    await this.execute(`insert overwrite directory ${literal(this.location(layer, path))} using parquet options ('compression' = 'zstd') ${select}`);
  }

  async createTemporary(name: string, select: string): Promise<string> {
    const path = this.scratchPath(this.unique(name));
    await this.writeDirectory('dataquality', path, select);
    return this.parquet('dataquality', path);
  }

  /** JSON lines under the session's scratch folder, read back with an explicit schema (no inference). */
  async loadRows(name: string, columns: readonly LoadedColumn[], rows: readonly (readonly LoadedValue[])[]): Promise<string> {
    const path = this.scratchPath(this.unique(name));
    const lines = rows.map((row) =>
      JSON.stringify(
        Object.fromEntries(
          columns.map((column, index) => {
            const cell = row[index] ?? null;
            return [column.name, typeof cell === 'number' && !Number.isFinite(cell) ? null : cell];
          }),
        ),
      ),
    );
    await this.props.lake.write('dataquality', `${path}/rows.json`, lines.length > 0 ? `${lines.join('\n')}\n` : '');
    const types = { string: 'STRING', double: 'DOUBLE', int: 'INT', date: 'DATE' } as const;
    const schema = columns.map((column) => `${quoted(column.name)} ${types[column.type]}`).join(', ');
    return `read_files(${literal(`${this.location('dataquality', path)}rows.json`)}, format => 'json', schema => ${literal(schema)}, dateFormat => 'yyyy-MM-dd')`;
  }

  async writeFiles(target: WriteTarget, select: string): Promise<Record<string, WrittenPartition>> {
    const folder = target.folder.split('/').filter(Boolean).join('/');
    if (folder === '') throw new Error('DatabricksSqlQueryEngine.writeFiles: the target folder is empty; a version is a folder of its layer');
    const filesUnder = async (path: string) =>
      (await this.props.lake.list(target.layer, `${path}/`)).filter((object) => isDataFile(object.key)).map((object) => ({ key: object.key, bytes: object.sizeBytes }));
    const sorted = target.sortBy && target.sortBy.length > 0 ? ` order by ${target.sortBy.map(quoted).join(', ')}` : '';
    if (!target.partitionBy) {
      await this.writeDirectory(target.layer, folder, sorted ? `select * from (${select}) w${sorted}` : select);
      const files = await filesUnder(folder);
      const [row] = files.length === 0 ? [] : await this.query<{ n: number }>(`select count(*) as n from ${this.parquet(target.layer, folder)}`);
      return { '': { folder, rows: Number(row?.n ?? 0), files } };
    }
    // INSERT OVERWRITE DIRECTORY has no PARTITIONED BY: the rows are materialized once, then written one folder per value.
    const column = target.partitionBy;
    const all = await this.createTemporary(`write_${folder.split('/')[0]}`, select);
    const values = await this.query<{ value: string | null; n: number }>(`select cast(${quoted(column)} as string) as value, count(*) as n from ${all} group by 1 order by 1`);
    const written: Record<string, WrittenPartition> = {};
    for (const { value, n } of values) {
      const path = `${folder}/${partitionFolder(column, value)}`;
      const where = value === null ? `${quoted(column)} is null` : `cast(${quoted(column)} as string) = ${literal(value)}`;
      await this.writeDirectory(target.layer, path, `select * except (${quoted(column)}) from ${all} where ${where}${sorted}`);
      written[value ?? NULL_PARTITION] = { folder: path, rows: Number(n), files: await filesUnder(path) };
    }
    return written;
  }

  async publish(): Promise<void> {
    // The engine reads pointers itself: there is no catalog to update.
  }

  async replace(target: ReplaceTarget, select: string): Promise<TableWritten> {
    return (await commitReplace(this, this.tables, target, select)).written;
  }

  async query<Row extends Record<string, unknown>>(select: string): Promise<Row[]> {
    const response = await this.execute(select, 'EXTERNAL_LINKS');
    const columns = [...(response.manifest?.schema?.columns ?? [])].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    const convert = columns.map((column) => {
      const type = (column.type_name ?? 'STRING').toUpperCase();
      if (NUMERIC_TYPES.has(type)) return (value: string | null) => (value === null ? null : Number(value));
      if (type === 'BOOLEAN') return (value: string | null) => (value === null ? null : value === 'true');
      return (value: string | null) => value;
    });
    const rows: Row[] = [];
    const add = (records: readonly (readonly (string | null)[])[]) => {
      for (const record of records) rows.push(Object.fromEntries(columns.map((column, index) => [column.name, convert[index]!(record[index] ?? null)])) as Row);
    };
    let chunk: ResultChunk | undefined = response.result;
    while (chunk) {
      add(chunk.data_array ?? []);
      let next = chunk.next_chunk_internal_link;
      for (const link of chunk.external_links ?? []) {
        add(await this.download(link));
        next = link.next_chunk_internal_link;
      }
      chunk = next ? await this.request<ResultChunk>('GET', next) : undefined;
    }
    return rows;
  }

  /** A chunk's rows behind an external link: with the link's own headers, never the Databricks token (the URL is presigned). */
  private async download(link: ExternalLink): Promise<(string | null)[][]> {
    const response = await this.fetch(link.external_link, { headers: { ...link.http_headers } });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const where = link.external_link.split('?', 1)[0];
      throw new DatabricksStatementError(`Databricks SQL: GET of a result chunk at ${where}: HTTP ${response.status} (the link lives 15 minutes at most)`, undefined);
    }
    return (await response.json()) as (string | null)[][];
  }

  private async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const token = await this.props.credential.getToken(AZURE_DATABRICKS_RESOURCE);
    const response = await this.fetch(`${this.host}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      let code: string | undefined;
      let message = text.slice(0, 500);
      try {
        const parsed = JSON.parse(text) as { error_code?: string; message?: string };
        code = parsed.error_code;
        message = parsed.message ?? message;
      } catch {
        // not JSON: keep the text
      }
      throw new DatabricksStatementError(`Databricks SQL: ${method} ${path}: HTTP ${response.status}${code ? ` ${code}` : ''}: ${message}`, code);
    }
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  /** Runs a statement to completion; a statement that fails, is canceled or closed throws with Databricks' error code and message. */
  private async execute(statement: string, disposition: 'INLINE' | 'EXTERNAL_LINKS' = 'INLINE'): Promise<StatementResponse> {
    let response = await this.request<StatementResponse>('POST', '/api/2.0/sql/statements', {
      warehouse_id: this.props.warehouseId,
      statement: await this.resolve(statement),
      wait_timeout: '30s',
      on_wait_timeout: 'CONTINUE',
      disposition,
      format: 'JSON_ARRAY',
    });
    const id = response.statement_id;
    if (!id) throw new DatabricksStatementError('Databricks SQL: the statement was accepted without a statement_id', undefined);
    const deadline = Date.now() + (this.props.maxStatementMs ?? 840_000);
    for (;;) {
      const state = response.status?.state;
      if (state === 'SUCCEEDED') return response;
      if (state === 'FAILED' || state === 'CANCELED' || state === 'CLOSED') {
        const error = response.status?.error;
        const firstLine = statement.trim().split('\n', 1)[0]!.slice(0, 120);
        throw new DatabricksStatementError(
          `Databricks SQL statement ${id} ${state.toLowerCase()} on warehouse ${this.props.warehouseId}: ${error?.error_code ?? 'no error code'}: ${error?.message ?? 'no message'} (statement: ${firstLine})`,
          error?.error_code,
        );
      }
      if (state !== 'PENDING' && state !== 'RUNNING') {
        throw new DatabricksStatementError(`Databricks SQL statement ${id}: unexpected state ${JSON.stringify(state)} (expected PENDING, RUNNING or SUCCEEDED)`, undefined);
      }
      if (Date.now() >= deadline) {
        await this.request('POST', `/api/2.0/sql/statements/${encodeURIComponent(id)}/cancel`);
        throw new DatabricksStatementError(
          `Databricks SQL statement ${id} still ${state.toLowerCase()} on warehouse ${this.props.warehouseId} after ${(this.props.maxStatementMs ?? 840_000) / 1000} s: canceled`,
          undefined,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, this.props.pollIntervalMs ?? 2000));
      response = await this.request<StatementResponse>('GET', `/api/2.0/sql/statements/${encodeURIComponent(id)}`);
    }
  }

  async close(): Promise<void> {
    if (this.scratchUsed) await this.props.lake.deleteDirectory('dataquality', this.scratchRoot());
  }
}
