import type { HandlerClass, Layer } from '../../../config/schema.ts';
import { HANDLER_ACCESS, isGranted, type ObjectAction } from '../../../pipelines/access.ts';
import type { ObjectStore, StoredObject } from '../../ports/object-store.ts';

/** A handler touched an object its class has no grant for: on AWS, S3 would answer AccessDenied. */
export class AccessDeniedError extends Error {
  override readonly name = 'AccessDenied';
}

/** Throws AccessDeniedError unless the handler class's grants (pipelines/access.ts) allow the action. */
export function checkGrant(handlerClass: HandlerClass, action: ObjectAction, layer: Layer, key: string): void {
  if (isGranted(HANDLER_ACCESS[handlerClass], action, layer, key)) return;
  throw new AccessDeniedError(
    `access denied: the ${handlerClass} handlers may not ${action} ${layer}/${key}; pipelines/access.ts grants what each handler class may touch, and the clouds enforce it`,
  );
}

/**
 * The lake as a handler class may use it in the cloud: every call is checked
 * against the same grants the IAM policies and role assignments are built
 * from, so a local run fails where a deployed one would.
 */
export class GrantCheckedObjectStore implements ObjectStore {
  constructor(
    private readonly store: ObjectStore,
    readonly handlerClass: HandlerClass,
  ) {}

  async list(layer: Layer, prefix: string): Promise<StoredObject[]> {
    checkGrant(this.handlerClass, 'list', layer, prefix);
    return this.store.list(layer, prefix);
  }

  async read(layer: Layer, key: string): Promise<Uint8Array> {
    checkGrant(this.handlerClass, 'read', layer, key);
    return this.store.read(layer, key);
  }

  async exists(layer: Layer, key: string): Promise<boolean> {
    // A HEAD is a read: S3 answers it under s3:GetObject, ADLS under the read data action.
    checkGrant(this.handlerClass, 'read', layer, key);
    return this.store.exists(layer, key);
  }

  async write(layer: Layer, key: string, body: Uint8Array | string): Promise<void> {
    checkGrant(this.handlerClass, 'write', layer, key);
    return this.store.write(layer, key, body);
  }

  async create(layer: Layer, key: string, body: Uint8Array | string): Promise<boolean> {
    checkGrant(this.handlerClass, 'write', layer, key);
    return this.store.create(layer, key, body);
  }

  async delete(layer: Layer, key: string): Promise<void> {
    checkGrant(this.handlerClass, 'delete', layer, key);
    return this.store.delete(layer, key);
  }
}
