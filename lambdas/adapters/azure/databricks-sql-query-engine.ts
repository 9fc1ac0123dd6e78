import type { Layer } from '../../../config/schema.ts';
import type { DatasetDefinition } from '../../../pipelines/datasets/index.ts';
import type { Relations } from '../../../pipelines/sql/render.ts';
import { TableInputError, type LoadedColumn, type LoadedValue, type QueryEngine, type StagedRaw, type TableWritten } from '../../ports/query-engine.ts';
import type { AdlsLake } from './adls-object-store.ts';
import { AZURE_DATABRICKS_RESOURCE } from './databricks-mlflow-auth.ts';
import type { AccessTokenProvider } from './managed-identity-credential.ts';

export interface DatabricksSqlQueryEngineProps {
  /** Workspace URL, `https://adb-<id>.<n>.azuredatabricks.net` (APP_SETTINGS.databricksHost). */
  readonly host: string;
  /** The pipelines SQL warehouse (APP_SETTINGS.warehouseId). */
  readonly warehouseId: string;
  /** Entra tokens; asked for the Azure Databricks resource before every request. */
  readonly credential: AccessTokenProvider;
  /** The lake: lists raw files and written tables, reads CSV headers, writes loaded rows, swaps and drops directories. */
  readonly lake: AdlsLake;
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

interface ResultChunk {
  readonly data_array?: readonly (readonly (string | null)[])[];
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
const HEADER_BYTES = 64 * 1024;
/** Spark's readers skip names starting with `_` (without `=`) or `.`: staging and previous folders stay invisible to readers of the table. */
const hidden = (leaf: string, what: string, session: string) => `_strata_${what}_${session}_${leaf}`;

/** Hive partition folder value escaping, as Spark writes it (so discovery reads the value back). */
function partitionPathValue(value: string): string {
  return value.replace(/[\u0000-\u001f"#%'*/:=?\\\u007f{[\]^]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * The query engine on Databricks SQL (Spark SQL), through the SQL Statement
 * Execution API 2.0 on the pipelines warehouse: each statement is submitted,
 * waited on for 30 s, polled until it ends, and its rows read inline
 * (JSON_ARRAY) chunk by chunk.
 *
 * The API has no session, so nothing lives in the warehouse between
 * statements: every relation is a path in the lake.
 * - Layer tables are read as Parquet by path,
 *   ``parquet.`abfss://<layer>@<account>.dfs.core.windows.net/<table>/` ``; Hive
 *   partition folders (`dt=2024-01-01/`) are discovered as columns.
 * - Raw CSV is staged with `read_files` (header, every column text, PERMISSIVE,
 *   `_rescued_data`), `_metadata.file_path` as `_source_file`; rows with rescued
 *   data (fields the reader could not place) are the rejected lines. Headers
 *   are checked first, as on DuckDB, by reading each file's first 64 KiB.
 * - Temporaries, staged raw and loaded rows are Parquet / JSON lines under
 *   `dataquality/_scratch/<session>/`, written with `INSERT OVERWRITE DIRECTORY`
 *   and deleted (one recursive delete) at close().
 * - replace() writes ZSTD Parquet into a hidden sibling folder, one
 *   `<column>=<value>/` folder per partition value when partitionBy is set,
 *   then swaps it in with two atomic ADLS renames: readers see the old or the
 *   new table, never a mix.
 *
 * Not verified here (no Databricks workspace, only recorded API shapes):
 * that the warehouse may write `abfss://` paths with INSERT OVERWRITE
 * DIRECTORY (Unity Catalog needs an external location over the lake's
 * containers, with the warehouse's identity granted READ/WRITE FILES); how
 * `read_files` fills `_rescued_data` for lines with too many or too few
 * fields (Spark's CSV reader may instead pad or drop them); that an empty
 * result still writes a Parquet file holding the schema; that file sizes
 * follow Spark's defaults rather than `targetFileMb`; and the ingest order
 * `_row_id` reconstructs (file path, then `monotonically_increasing_id()`).
 * Results are limited to the 25 MiB the INLINE disposition allows.
 */
export class DatabricksSqlQueryEngine implements QueryEngine {
  readonly dialect = 'spark' as const;
  private readonly host: string;
  private readonly fetch: typeof fetch;
  private readonly dfsHost: string;
  private readonly session: string;
  private sequence = 0;
  private scratchUsed = false;

  constructor(private readonly props: DatabricksSqlQueryEngineProps) {
    this.host = props.host.replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+$/.test(this.host)) throw new Error(`DatabricksSqlQueryEngine: host "${props.host}" is not a workspace URL like https://adb-<id>.<n>.azuredatabricks.net`);
    this.fetch = props.fetch ?? globalThis.fetch;
    this.dfsHost = props.dfsHost ?? `${props.lake.account}.dfs.core.windows.net`;
    this.session = props.sessionId.replace(/[^a-zA-Z0-9_-]/g, '_');
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
    source: (table) => this.parquet('dataquality', `${this.scratchRoot()}/staged_${table}`),
    // quarantine/<table> is a folder of dataquality like any other table.
    ref: (layer, table) => this.parquet(layer as Layer, table),
  };

  private async writeDirectory(layer: Layer, path: string, select: string): Promise<void> {
    await this.execute(`insert overwrite directory ${literal(this.location(layer, path))} using parquet options ('compression' = 'zstd') ${select}`);
  }

  async stageRaw(dataset: DatasetDefinition): Promise<StagedRaw> {
    const expected = dataset.columns.map((column) => column.name);
    const files = (await this.props.lake.list('raw', `${dataset.name}/`)).map((object) => object.key).filter((key) => key.endsWith('.csv'));
    for (const key of files) {
      const header = headerOf(await this.props.lake.readHead('raw', key, HEADER_BYTES));
      const missing = expected.filter((name) => !header.includes(name));
      if (missing.length > 0) throw new TableInputError(`raw/${key}: missing column(s) ${missing.join(', ')}; the file has: ${header.join(', ')}`);
      if (header.join(',') !== expected.join(',')) {
        throw new TableInputError(`raw/${key}: columns are out of order or extra; expected: ${expected.join(', ')}; the file has: ${header.join(', ')}`);
      }
    }
    const staged = this.scratchPath(`staged_${dataset.name}`);
    const rejected = this.scratchPath(this.unique(`rejected_${dataset.name}`));
    if (files.length === 0) {
      await this.writeDirectory('dataquality', staged, `select ${expected.map((name) => `cast(null as string) as ${quoted(name)}`).join(', ')}, cast(null as bigint) as _row_id, cast(null as string) as _source_file where false`);
      await this.writeDirectory('dataquality', rejected, `select cast(null as string) as raw_line, cast(null as string) as reason, cast(null as string) as source_file where false`);
      return { relation: this.relations.source(dataset.name), rejectedRelation: this.parquet('dataquality', rejected), files: [], rowsRead: 0 };
    }
    // Explicit options, no sniffing: raw is untrusted and its shape is declared (headers checked above).
    // Source files are named as lake keys (raw/<table>/...), never by their abfss URL.
    const rawRoot = this.location('raw', '');
    const read = this.scratchPath(this.unique(`read_${dataset.name}`));
    await this.writeDirectory(
      'dataquality',
      read,
      `select ${expected.map(quoted).join(', ')}, _rescued_data, row_number() over (order by _source_file, _read_order) as _row_id, _source_file
       from (select *, concat('raw/', substr(_metadata.file_path, ${rawRoot.length + 1})) as _source_file, monotonically_increasing_id() as _read_order
             from read_files(${literal(this.location('raw', dataset.name))}, format => 'csv', header => true, inferSchema => false,
               mode => 'PERMISSIVE', rescuedDataColumn => '_rescued_data', pathGlobFilter => '*.csv', recursiveFileLookup => true))`,
    );
    const readRelation = this.parquet('dataquality', read);
    await this.writeDirectory('dataquality', staged, `select ${expected.map(quoted).join(', ')}, _row_id, _source_file from ${readRelation} where _rescued_data is null`);
    await this.writeDirectory(
      'dataquality',
      rejected,
      `select concat_ws(',', ${expected.map((name) => `coalesce(${quoted(name)}, '')`).join(', ')}) as raw_line,
              concat('unparseable line (row ', cast(_row_id as string), '): fields the reader could not place: ', _rescued_data) as reason,
              _source_file as source_file
       from ${readRelation} where _rescued_data is not null`,
    );
    const [counts] = await this.query<{ staged: number; rejected: number }>(
      `select (select count(*) from ${this.relations.source(dataset.name)}) as staged, (select count(*) from ${this.parquet('dataquality', rejected)}) as rejected`,
    );
    return {
      relation: this.relations.source(dataset.name),
      rejectedRelation: this.parquet('dataquality', rejected),
      files,
      rowsRead: Number(counts?.staged ?? 0) + Number(counts?.rejected ?? 0),
    };
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

  async replace(target: { layer: Layer; prefix: string; partitionBy?: string }, select: string): Promise<TableWritten> {
    const prefix = target.prefix.split('/').filter(Boolean).join('/');
    if (prefix === '') throw new Error('DatabricksSqlQueryEngine.replace: the target prefix is empty; a table is a folder of its layer');
    const parent = prefix.includes('/') ? `${prefix.slice(0, prefix.lastIndexOf('/'))}/` : '';
    const leaf = prefix.slice(parent.length);
    const staging = `${parent}${hidden(leaf, 'staging', this.session)}`;
    const previous = `${parent}${hidden(leaf, 'previous', this.session)}`;
    await this.props.lake.deleteDirectory(target.layer, staging);
    try {
      let rows: number;
      if (target.partitionBy) {
        // INSERT OVERWRITE DIRECTORY has no PARTITIONED BY: the rows are materialized once, then written one folder per value.
        const column = target.partitionBy;
        const all = await this.createTemporary(`replace_${leaf}`, select);
        const values = await this.query<{ value: string | null; n: number }>(
          `select cast(${quoted(column)} as string) as value, count(*) as n from ${all} group by 1 order by 1`,
        );
        rows = values.reduce((sum, value) => sum + Number(value.n), 0);
        for (const { value } of values) {
          const folder = `${column}=${value === null ? '__HIVE_DEFAULT_PARTITION__' : partitionPathValue(value)}`;
          const where = value === null ? `${quoted(column)} is null` : `cast(${quoted(column)} as string) = ${literal(value)}`;
          await this.writeDirectory(target.layer, `${staging}/${folder}`, `select * except (${quoted(column)}) from ${all} where ${where}`);
        }
      } else {
        await this.writeDirectory(target.layer, staging, select);
        const [row] = await this.query<{ n: number }>(`select count(*) as n from ${this.parquet(target.layer, staging)}`);
        rows = Number(row?.n ?? 0);
      }
      const written = (await this.props.lake.list(target.layer, `${staging}/`)).filter((object) => object.key.endsWith('.parquet'));
      // Swap whole folders (atomic renames on a hierarchical namespace) so a reader sees the old table or the new one.
      await this.props.lake.deleteDirectory(target.layer, previous);
      const hadTable = await this.props.lake.renameDirectory(target.layer, prefix, previous);
      if (written.length > 0 || !target.partitionBy) await this.props.lake.renameDirectory(target.layer, staging, prefix);
      if (hadTable) await this.props.lake.deleteDirectory(target.layer, previous);
      return { rows, files: written.length, bytes: written.reduce((sum, object) => sum + object.sizeBytes, 0) };
    } finally {
      await this.props.lake.deleteDirectory(target.layer, staging);
    }
  }

  async query<Row extends Record<string, unknown>>(select: string): Promise<Row[]> {
    const response = await this.execute(select);
    const columns = [...(response.manifest?.schema?.columns ?? [])].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    const convert = columns.map((column) => {
      const type = (column.type_name ?? 'STRING').toUpperCase();
      if (NUMERIC_TYPES.has(type)) return (value: string | null) => (value === null ? null : Number(value));
      if (type === 'BOOLEAN') return (value: string | null) => (value === null ? null : value === 'true');
      return (value: string | null) => value;
    });
    const rows: Row[] = [];
    let chunk: ResultChunk | undefined = response.result;
    while (chunk) {
      for (const record of chunk.data_array ?? []) {
        rows.push(Object.fromEntries(columns.map((column, index) => [column.name, convert[index]!(record[index] ?? null)])) as Row);
      }
      chunk = chunk.next_chunk_internal_link ? await this.request<ResultChunk>('GET', chunk.next_chunk_internal_link) : undefined;
    }
    return rows;
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
  private async execute(statement: string): Promise<StatementResponse> {
    let response = await this.request<StatementResponse>('POST', '/api/2.0/sql/statements', {
      warehouse_id: this.props.warehouseId,
      statement,
      wait_timeout: '30s',
      on_wait_timeout: 'CONTINUE',
      disposition: 'INLINE',
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

/** The first line of a CSV, without a byte-order mark, split on commas (headers hold no quoted commas). */
function headerOf(head: Uint8Array): string[] {
  const text = new TextDecoder().decode(head).replace(/^\uFEFF/, '');
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.split(',').map((name) => name.trim().replace(/^"(.*)"$/, '$1'));
}
