/**
 * The committed tables of a lake folder, found by their pointers
 * (`<layer>/<folder>/_table.json`), never by listing version folders.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Layer } from '../../config/schema.ts';
import { POINTER_FILE } from '../../pipelines/contract/lake-layout.ts';
import { bytesOf, filesOf, parsePointer, rowsOf, type TablePointer } from '../../pipelines/contract/table-pointer.ts';

export interface CommittedTable {
  /** The layer, the table's schema in queries: `trusted`. */
  readonly layer: Layer;
  /** The table's folder in its layer: `orders`, `quarantine/orders`, `results`. */
  readonly folder: string;
  /** Its name in its layer: the folder with `/` as `_` (`quarantine_orders`). */
  readonly table: string;
  /** `<layer>.<table>`: `dataquality.quarantine_orders`. */
  readonly name: string;
  readonly pointer: TablePointer;
}

/** What `strata lake tables` prints of a table. */
export interface TableSummary {
  readonly table: string;
  readonly version: number;
  readonly watermark: string;
  readonly rows: number;
  readonly files: number;
  readonly bytes: number;
  readonly committedAt: string;
}

/** Folders holding no tables: raw (its tables are files as received), and what starts with `_` or `.` (versions, runs, scratch). */
const skipped = (name: string) => name.startsWith('_') || name.startsWith('.');

export const tableNameOf = (folder: string) => folder.split('/').join('_');

/** Every committed table of the lake, by name; a pointer that does not parse is reported through `onBadPointer` and left out. */
export async function committedTables(lake: string, onBadPointer: (message: string) => void = () => undefined): Promise<CommittedTable[]> {
  const found: CommittedTable[] = [];
  const visit = async (layer: Layer, dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw error;
    }
    if (entries.some((entry) => entry.isFile() && entry.name === POINTER_FILE)) {
      const folder = relative(join(lake, layer), dir).split(sep).join('/');
      const key = `${layer}/${folder}/${POINTER_FILE}`;
      try {
        const pointer = parsePointer(key, await readFile(join(dir, POINTER_FILE), 'utf8'));
        const table = tableNameOf(folder);
        found.push({ layer, folder, table, name: `${layer}.${table}`, pointer });
      } catch (error) {
        onBadPointer((error as Error).message);
      }
    }
    for (const entry of entries) if (entry.isDirectory() && !skipped(entry.name)) await visit(layer, join(dir, entry.name));
  };
  let layers;
  try {
    layers = await readdir(lake, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
  for (const entry of layers) {
    if (!entry.isDirectory() || entry.name === 'raw' || skipped(entry.name)) continue;
    // A table right in a layer's folder would have no name: pointers are looked for below it.
    const sub = await readdir(join(lake, entry.name), { withFileTypes: true });
    for (const child of sub) if (child.isDirectory() && !skipped(child.name)) await visit(entry.name as Layer, join(lake, entry.name, child.name));
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function summaryOf(table: CommittedTable): TableSummary {
  const { pointer } = table;
  return {
    table: table.name,
    version: pointer.version,
    watermark: pointer.watermark?.ingestedAt ?? '',
    rows: rowsOf(pointer),
    files: filesOf(pointer).length,
    bytes: bytesOf(pointer),
    committedAt: pointer.committedAt,
  };
}
