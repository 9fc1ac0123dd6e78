import type { Layer } from '../../config/schema.ts';

export interface StoredObject {
  /** Key inside its layer, `/`-separated, never starting with `/`. */
  readonly key: string;
  readonly sizeBytes: number;
}

/**
 * The data lake as the handlers see it: one bucket (AWS), container (Azure)
 * or folder (local) per layer, addressed by layer and key.
 */
export interface ObjectStore {
  /** Objects under a prefix, sorted by key. */
  list(layer: Layer, prefix: string): Promise<StoredObject[]>;
  read(layer: Layer, key: string): Promise<Uint8Array>;
  /** Whether an object is at exactly `key`: one HEAD, whatever else the folder holds. Needs the read grant. */
  exists(layer: Layer, key: string): Promise<boolean>;
  /** Whole or nothing: a failed write never leaves a partial object behind. */
  write(layer: Layer, key: string, body: Uint8Array | string): Promise<void>;
  /**
   * Writes `body` only if nothing is at `key` yet, whole or nothing: true when
   * it wrote, false when an object was already there. Of writers racing for
   * one key, exactly one gets true (S3 and Blob `If-None-Match: *`).
   */
  create(layer: Layer, key: string, body: Uint8Array | string): Promise<boolean>;
  delete(layer: Layer, key: string): Promise<void>;
}
