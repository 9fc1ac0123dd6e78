import { parquetMetadata } from 'hyparquet';
import type { Layer } from '../../config/schema.ts';
import type { ObjectStore } from '../ports/object-store.ts';

/** Rows of a Parquet file in the lake, from its footer (the file is read whole: call it for small or few files). */
export async function parquetRows(store: ObjectStore, layer: Layer, key: string): Promise<number> {
  const bytes = await store.read(layer, key);
  return Number(parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).num_rows);
}
