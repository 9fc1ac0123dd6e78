import type { DatasetDefinition } from '../../pipelines/datasets/index.ts';
import { refinedSelect } from '../../pipelines/sql/compile.ts';
import { loadModel, renderModel } from '../../pipelines/sql/render.ts';
import { TableInputError, type QueryEngine } from '../ports/query-engine.ts';

export interface RefinedBuild {
  readonly table: string;
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

/** Rebuilds one refined table from trusted with its SQL model; re-running replaces it. */
export async function buildRefined(engine: QueryEngine, dataset: DatasetDefinition): Promise<RefinedBuild> {
  const model = loadModel('refined', dataset.name);
  let rowsIn = 0;
  for (const input of new Set(modelInputs(model.text).map((ref) => `${ref.layer}/${ref.table}`))) {
    const [layer, table] = input.split('/') as [string, string];
    let rows: { n: bigint }[];
    try {
      rows = await engine.query<{ n: bigint }>(`select count(*) as n from ${engine.relations.ref(layer, table)}`);
    } catch (error) {
      // Retrying cannot conjure a missing input; the flow fails at once and says which.
      throw new TableInputError(`refined ${dataset.name} reads ${layer} ${table}, which cannot be read: ${(error as Error).message.split('\n')[0]}`);
    }
    rowsIn += Number(rows[0]?.n ?? 0);
  }
  const select = refinedSelect(dataset, renderModel(model, engine.dialect, engine.relations), engine.dialect);
  const written = await engine.replace({ layer: 'refined', prefix: dataset.name, partitionBy: dataset.partition?.column }, select);
  return { table: dataset.name, rowsIn, rowsOut: written.rows, bytes: written.bytes, files: written.files };
}
