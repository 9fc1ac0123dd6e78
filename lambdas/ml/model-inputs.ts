/** What a model-building step reads, checked before it builds: the tables a SQL model refers to, counted. */
import { TableInputError, type QueryEngine } from '../ports/query-engine.ts';
import { modelInputs } from '../transform/build-refined.ts';

/**
 * Rows of the tables a build reads, counted through the engine; when any
 * cannot be read, a TableInputError names every one of them, so the flow
 * fails at once with the whole list instead of one table per retry.
 */
export async function countInputs(engine: QueryEngine, inputs: readonly { layer: string; table: string }[], reader: string): Promise<number> {
  let rows = 0;
  const missing: string[] = [];
  const unique = [...new Set(inputs.map((input) => `${input.layer}/${input.table}`))].sort();
  for (const input of unique) {
    const [layer, table] = input.split('/') as [string, string];
    try {
      const [row] = await engine.query<{ n: bigint | number }>(`select count(*) as n from ${engine.relations.ref(layer, table)}`);
      rows += Number(row?.n ?? 0);
    } catch (error) {
      missing.push(`${layer} ${table} (${(error as Error).message.split('\n')[0]})`);
    }
  }
  if (missing.length > 0) throw new TableInputError(`${reader} reads tables that cannot be read: ${missing.join('; ')}`);
  return rows;
}

/** The tables of other layers a model reads (its `ref(ml, ...)` relations come from the caller). */
export function tablesRead(modelText: string): { layer: string; table: string }[] {
  return modelInputs(modelText).filter((input) => input.layer !== 'ml');
}
