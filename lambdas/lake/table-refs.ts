/**
 * `relations.ref()` has to answer synchronously (models are rendered as
 * text), but which files a table is can only be known by reading its
 * pointer. So ref() writes a token naming the table, and the engine swaps
 * each token for the committed version's relation just before it runs the
 * statement, reading each pointer once per statement.
 */
import type { Layer } from '../../config/schema.ts';
import type { TablePointer } from '../../pipelines/contract/table-pointer.ts';
import type { TableStore } from './table-store.ts';

const TOKEN = /⟦([a-z]+)\|([^⟧]+)⟧/g;

/** The token ref() returns for the table in `folder` of `layer`. */
export const tableToken = (layer: string, folder: string) => `⟦${layer}|${folder}⟧`;

/** Thrown when a statement reads a table that has never been committed. */
export class TableNotCommittedError extends Error {
  override readonly name = 'TableNotCommittedError';
}

/** Replaces every table token in `sql` with the relation of its committed version. */
export async function resolveTableRefs(
  sql: string,
  tables: TableStore,
  relationOf: (pointer: TablePointer) => string,
): Promise<string> {
  const wanted = new Map<string, { layer: Layer; folder: string }>();
  for (const match of sql.matchAll(TOKEN)) wanted.set(match[0], { layer: match[1] as Layer, folder: match[2]! });
  if (wanted.size === 0) return sql;
  const relations = new Map<string, string>();
  for (const [token, { layer, folder }] of wanted) {
    const pointer = await tables.read(layer, folder);
    if (!pointer) throw new TableNotCommittedError(`${layer} table ${folder} has no committed version yet (no ${layer}/${folder}/_table.json)`);
    relations.set(token, relationOf(pointer));
  }
  return sql.replace(TOKEN, (token) => relations.get(token)!);
}
