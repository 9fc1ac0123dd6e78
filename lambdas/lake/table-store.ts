/**
 * Reads and commits table pointers through the object store, the same code
 * on every cloud: S3 and ADLS PUTs and the local folder's rename are atomic,
 * so the pointer write is the commit.
 */
import type { Layer } from '../../config/schema.ts';
import { pointerKey, VERSIONS_FOLDER } from '../../pipelines/contract/lake-layout.ts';
import { parsePointer, serializePointer, type TablePointer } from '../../pipelines/contract/table-pointer.ts';
import type { ObjectStore } from '../ports/object-store.ts';

const notFound = (error: unknown) => {
  const code = (error as { code?: string; name?: string; $metadata?: { httpStatusCode?: number }; status?: number }) ?? {};
  return code.code === 'ENOENT' || code.name === 'NoSuchKey' || code.name === 'NotFound' || code.$metadata?.httpStatusCode === 404 || code.status === 404;
};

export class TableStore {
  constructor(readonly store: ObjectStore) {}

  /** The committed pointer of a table, or undefined if it was never committed. */
  async read(layer: Layer, folder: string): Promise<TablePointer | undefined> {
    const key = pointerKey(folder);
    // Listing first: a missing object is not an error on every store the same way.
    const listed = await this.store.list(layer, key);
    if (!listed.some((object) => object.key === key)) return undefined;
    try {
      return parsePointer(`${layer}/${key}`, new TextDecoder().decode(await this.store.read(layer, key)));
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Writes the pointer (the commit), then deletes what no reader can reach any
   * more: the folders the previous commit retired, and version folders no
   * pointer names (left by a killed build).
   */
  async commit(pointer: TablePointer): Promise<void> {
    await this.store.write(pointer.layer, pointerKey(pointer.folder), serializePointer(pointer));
    const live = new Set([...Object.values(pointer.partitions).map((partition) => partition.folder), ...pointer.retired]);
    const versions = `${pointer.folder}/${VERSIONS_FOLDER}/`;
    const isLive = (key: string) => [...live].some((folder) => key.startsWith(`${folder}/`));
    for (const object of await this.store.list(pointer.layer, versions)) {
      if (!isLive(object.key)) await this.store.delete(pointer.layer, object.key);
    }
  }
}
