import type { DatasetDefinition } from '../../pipelines/datasets/index.ts';
import { bytesOf, dataIdentityOf, filesOf, rowsOf } from '../../pipelines/contract/table-pointer.ts';
import { refinedSelect } from '../../pipelines/sql/compile.ts';
import { loadModel, renderModel } from '../../pipelines/sql/render.ts';
import { commitReplace } from '../lake/commit-replace.ts';
import { TableStore } from '../lake/table-store.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { TableInputError, type QueryEngine } from '../ports/query-engine.ts';

export interface RefinedBuild {
  readonly table: string;
  /** built: rebuilt from trusted; skipped: no input changed a row since it was built. */
  readonly status: 'built' | 'skipped';
  /** Rows of the trusted tables the model reads. */
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly bytes: number;
  readonly files: number;
}

/** Tables of a layer a model reads, from its `{{ ref(layer, table) }}` calls. */
export function modelInputs(modelText: string): { layer: string; table: string }[] {
  return [...modelText.matchAll(/\{\{\s*ref\(\s*'?([a-z]+)'?\s*,\s*'?([a-z_]+)'?\s*\)\s*\}\}/g)].map((match) => ({ layer: match[1]!, table: match[2]! }));
}

/**
 * Rebuilds one refined table from trusted with its SQL model, in one commit;
 * skipped when every input still holds the data it was built from. Refined
 * models aggregate across keys and time, so they are rebuilt whole from
 * trusted (never from raw), which is small next to raw.
 */
export async function buildRefined(deps: { engine: QueryEngine; store: ObjectStore }, dataset: DatasetDefinition): Promise<RefinedBuild> {
  const { engine } = deps;
  const tables = new TableStore(deps.store);
  const model = loadModel('refined', dataset.name);
  const inputs: Record<string, string> = {};
  let rowsIn = 0;
  for (const input of new Set(modelInputs(model.text).map((ref) => `${ref.layer}/${ref.table}`))) {
    const [layer, table] = input.split('/') as [string, string];
    const pointer = await tables.read(layer as 'trusted', table);
    // Retrying cannot conjure a missing input; the flow fails at once and says which.
    if (!pointer) throw new TableInputError(`refined ${dataset.name} reads ${layer} ${table}, which has no committed version (did its trusted build fail?)`);
    inputs[input] = dataIdentityOf(pointer);
    rowsIn += rowsOf(pointer);
  }
  const previous = await tables.read('refined', dataset.name);
  if (previous?.inputs && Object.keys(inputs).every((input) => previous.inputs![input] === inputs[input]) && Object.keys(previous.inputs).length === Object.keys(inputs).length) {
    return { table: dataset.name, status: 'skipped', rowsIn, rowsOut: rowsOf(previous), bytes: bytesOf(previous), files: filesOf(previous).length };
  }
  const select = refinedSelect(dataset, renderModel(model, engine.dialect, engine.relations), engine.dialect);
  const { written } = await commitReplace(engine, tables, { layer: 'refined', prefix: dataset.name, partitionBy: dataset.partition?.column, inputs }, select, {
    columns: dataset.columns.map((column) => ({ name: column.name, type: column.type })),
  });
  return { table: dataset.name, status: 'built', rowsIn, rowsOut: written.rows, bytes: written.bytes, files: written.files };
}
