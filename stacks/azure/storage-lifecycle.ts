/**
 * `storage.lifecycle` rendered as ADLS lifecycle-management rules, one per layer
 * container that has something to do.
 */
import type { StorageManagementPolicyRule } from '@cdktf/provider-azurerm/lib/storage-management-policy/index.js';
import { LAYERS, type Environment } from '../../config/schema.ts';

/** Blob soft delete keeps a deleted blob (or container) recoverable for 1 to 365 days. */
export const SOFT_DELETE_MAX_DAYS = 365;

/**
 * One rule per layer: coolAfterDays -> tier to Cool, expireAfterDays -> delete,
 * both counted from the last modification. A layer with neither gets no rule.
 * Rules match the container as a prefix (`raw/`), which covers the whole layer.
 */
export function lifecycleRules(environment: Environment): StorageManagementPolicyRule[] {
  return LAYERS.flatMap((layer) => {
    const { coolAfterDays, expireAfterDays } = environment.storage.lifecycle[layer];
    if (coolAfterDays === undefined && expireAfterDays === undefined) return [];
    return [
      {
        name: layer, // rule names are alphanumeric
        enabled: true,
        filters: { blobTypes: ['blockBlob'], prefixMatch: [`${layer}/`] },
        actions: {
          baseBlob: {
            ...(coolAfterDays !== undefined ? { tierToCoolAfterDaysSinceModificationGreaterThan: coolAfterDays } : {}),
            ...(expireAfterDays !== undefined ? { deleteAfterDaysSinceModificationGreaterThan: expireAfterDays } : {}),
          },
        },
      },
    ];
  });
}

/**
 * How long a deleted or overwritten blob stays recoverable.
 *
 * S3 keeps noncurrent versions of raw for `rawNoncurrentVersionExpireDays`.
 * ADLS Gen2 (hierarchical namespace) has no blob versioning in azurerm 4.x
 * (`versioning_enabled` can't be true when `is_hns_enabled` is true), so the
 * same recovery window is given by blob soft delete, which is account-wide and
 * capped at 365 days.
 */
export function softDeleteRetentionDays(environment: Environment): number {
  return Math.min(SOFT_DELETE_MAX_DAYS, environment.storage.rawNoncurrentVersionExpireDays);
}
