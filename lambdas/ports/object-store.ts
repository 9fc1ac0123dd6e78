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
  delete(layer: Layer, key: string): Promise<void>;
}
