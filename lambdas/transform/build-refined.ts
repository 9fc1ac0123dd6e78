import type { DatasetDefinition } from '../../pipelines/datasets/index.ts';
import { bytesOf, dataIdentityOf, filesOf, NULL_PARTITION, rowsOf, type InputState, type TablePointer } from '../../pipelines/contract/table-pointer.ts';
import { compileChangedKeys, compileRefinedMerge, compileRefinedTouched, refinedSelect } from '../../pipelines/sql/compile.ts';
import { loadModel, renderModel } from '../../pipelines/sql/render.ts';
import { commitReplace } from '../lake/commit-replace.ts';
import { TableStore } from '../lake/table-store.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { TableInputError, type QueryEngine } from '../ports/query-engine.ts';

export interface RefinedBuild {
  readonly table: string;
  /**
   * built: rebuilt whole from trusted; merged: only the keys the rows merged
   * into its inputs since its last build name (an incremental table);
   * skipped: no input changed a row since it was built.
   */
  readonly status: 'built' | 'merged' | 'skipped';
  /** Rows of the trusted tables the model reads. */
  readonly rowsIn: number;
  readonly rowsOut: number;
  /** Keys rebuilt (merged builds). */
  readonly keysRebuilt?: number;
  /** Partitions written (all of them for a whole rebuild). */
  readonly partitionsWritten: number;
  readonly bytes: number;
  readonly files: number;
}

/** Tables of a layer a model reads, from its `{{ ref(layer, table) }}` calls. */
export function modelInputs(modelText: string): { layer: string; table: string }[] {
  return [...modelText.matchAll(/\{\{\s*ref\(\s*'?([a-z]+)'?\s*,\s*'?([a-z_]+)'?\s*\)\s*\}\}/g)].map((match) => ({ layer: match[1]!, table: match[2]! }));
}

const sameInputs = (previous: TablePointer | undefined, inputs: Readonly<Record<string, InputState>>) =>
  previous?.inputs !== undefined &&
  Object.keys(previous.inputs).length === Object.keys(inputs).length &&
  Object.entries(inputs).every(([input, state]) => previous.inputs![input]?.data === state.data);

/**
 * Builds one refined table from trusted with its SQL model, in one commit;
 * skipped when no input changed a row since it was built. A table declared
 * `incremental` rebuilds only the keys the rows merged into its inputs since
 * then name, rewriting the partitions they are in; others (and every table
 * on a full refresh or without a previous build) are rebuilt whole from
 * trusted, never from raw.
 */
export async function buildRefined(deps: { engine: QueryEngine; store: ObjectStore }, dataset: DatasetDefinition, options: { fullRefresh?: boolean } = {}): Promise<RefinedBuild> {
  const { engine } = deps;
  const tables = new TableStore(deps.store);
  const model = loadModel('refined', dataset.name);
  const inputs: Record<string, InputState> = {};
  let rowsIn = 0;
  for (const input of new Set(modelInputs(model.text).map((ref) => `${ref.layer}/${ref.table}`))) {
    const [layer, table] = input.split('/') as [string, string];
    const pointer = await tables.read(layer as 'trusted', table);
    // Retrying cannot conjure a missing input; the flow fails at once and says which.
    if (!pointer) throw new TableInputError(`refined ${dataset.name} reads ${layer} ${table}, which has no committed version (did its trusted build fail?)`);
    inputs[input] = { data: dataIdentityOf(pointer), ...(pointer.watermark ? { watermark: pointer.watermark } : {}) };
    rowsIn += rowsOf(pointer);
  }
  const undeclared = Object.keys(inputs).filter((input) => dataset.incremental && !(input.replace(/^trusted\//, '') in dataset.incremental.changes));
  // A change in an undeclared input would never reach the table: refuse rather than drift from a whole rebuild.
  if (undeclared.length > 0) throw new Error(`refined ${dataset.name} is incremental, and its model reads ${undeclared.join(', ')}, which incremental.changes does not declare`);
  const previous = await tables.read('refined', dataset.name);
  const fullRefresh = options.fullRefresh ?? false;
  if (!fullRefresh && sameInputs(previous, inputs)) {
    return { table: dataset.name, status: 'skipped', rowsIn, rowsOut: rowsOf(previous), partitionsWritten: 0, bytes: bytesOf(previous), files: filesOf(previous).length };
  }
  const target = { layer: 'refined' as const, prefix: dataset.name, partitionBy: dataset.partition?.column, inputs };
  const commit = { columns: dataset.columns.map((column) => ({ name: column.name, type: column.type })) };
  const incremental = dataset.incremental;
  // What the last build read of each input: an input it did not read (a model that changed) means a whole rebuild.
  const consumed = previous?.inputs;
  const canMerge = incremental && dataset.partition && !fullRefresh && consumed && Object.keys(inputs).every((input) => typeof consumed[input]?.data === 'string');
  if (!canMerge) {
    const select = refinedSelect(dataset, renderModel(model, engine.dialect, engine.relations), engine.dialect);
    const { written, touched } = await commitReplace(engine, tables, target, select, commit);
    return { table: dataset.name, status: 'built', rowsIn, rowsOut: written.rows, partitionsWritten: touched.length, bytes: written.bytes, files: written.files };
  }

  const changed = await engine.createTemporary(
    `changed_${dataset.name}`,
    compileChangedKeys(
      incremental,
      (table) => engine.relations.ref('trusted', table),
      (table) => consumed[`trusted/${table}`]?.watermark,
    ),
  );
  const direct = new Set(Object.entries(incremental.changes).flatMap(([table, change]) => (change === 'direct' ? [table] : [])));
  // The direct inputs read only the rows of the keys rebuilt; the others whole (they are joined by other columns).
  const relations = {
    ...engine.relations,
    ref: (layer: string, table: string) =>
      layer === 'trusted' && direct.has(table)
        ? `(select * from ${engine.relations.ref(layer, table)} where ${incremental.key} in (select changed_key from ${changed}))`
        : engine.relations.ref(layer, table),
  };
  const fresh = await engine.createTemporary(`fresh_${dataset.name}`, refinedSelect(dataset, renderModel(model, engine.dialect, relations), engine.dialect));
  const existing = engine.relations.ref('refined', dataset.name);
  const touched = (await engine.query<{ value: string | null }>(compileRefinedTouched(dataset, existing, fresh, changed))).map((row) => row.value ?? NULL_PARTITION).sort();
  const [keys] = await engine.query<{ n: unknown }>(`select count(*) as n from ${changed}`);
  const { written, pointer } = await commitReplace(
    engine,
    tables,
    { ...target, partitions: touched },
    touched.length > 0 ? compileRefinedMerge(dataset, existing, fresh, changed, touched) : undefined,
    commit,
  );
  return {
    table: dataset.name,
    status: 'merged',
    rowsIn,
    rowsOut: rowsOf(pointer),
    keysRebuilt: Number(keys?.n ?? 0),
    partitionsWritten: touched.length,
    bytes: written.bytes,
    files: written.files,
  };
}
