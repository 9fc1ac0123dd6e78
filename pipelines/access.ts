/**
 * What each handler class may touch, cloud-neutral. The AWS stack turns this
 * into IAM policies, the Azure stack into role assignments: least privilege
 * is decided once, here.
 */
import type { HandlerClass, Layer } from '../config/schema.ts';
import { LANDING_PREFIX, RECEIPTS_PREFIX, STAGED_PREFIX, STAGED_REJECTS_PREFIX } from './contract/lake-layout.ts';

export interface LayerGrant {
  readonly layer: Layer;
  /**
   * Only keys under this prefix.
   * @default - the whole layer
   */
  readonly prefix?: string;
}

export interface HandlerAccess {
  readonly description: string;
  readonly reads: readonly LayerGrant[];
  readonly writes: readonly LayerGrant[];
  /** Where objects may be deleted: re-running a partition replaces it; raw is never deleted from but for its landing area. */
  readonly deletes: readonly LayerGrant[];
  /** Runs SQL on the platform query engine (Athena / Databricks SQL). */
  readonly queries: boolean;
}

export const HANDLER_ACCESS: Record<HandlerClass, HandlerAccess> = {
  ingest: {
    description: 'Unpacks file drops and polls APIs into raw; refused files go to dataquality/rejected.',
    // A file dropped again is known by its receipt (received/), then its staged and rejects files, whose footers give its row counts.
    reads: [
      { layer: 'raw', prefix: LANDING_PREFIX },
      { layer: 'raw', prefix: RECEIPTS_PREFIX },
      { layer: 'raw', prefix: STAGED_PREFIX },
      { layer: 'raw', prefix: STAGED_REJECTS_PREFIX },
    ],
    writes: [{ layer: 'raw' }, { layer: 'dataquality', prefix: 'rejected/' }],
    deletes: [{ layer: 'raw', prefix: 'landing/' }],
    queries: false,
  },
  transform: {
    description: 'Builds trusted from raw and refined from trusted; quarantines bad rows.',
    // _scratch/ holds the query engine's session tables (Athena CTAS), dropped when the step ends. A commit reads
    // the table's current pointer; a trusted build reads its quarantine (parked rows), an incremental refined build itself.
    reads: [{ layer: 'raw' }, { layer: 'trusted' }, { layer: 'refined' }, { layer: 'dataquality', prefix: 'quarantine/' }, { layer: 'dataquality', prefix: '_scratch/' }],
    writes: [{ layer: 'trusted' }, { layer: 'refined' }, { layer: 'dataquality', prefix: 'quarantine/' }, { layer: 'dataquality', prefix: '_scratch/' }],
    deletes: [{ layer: 'trusted' }, { layer: 'refined' }, { layer: 'dataquality', prefix: 'quarantine/' }, { layer: 'dataquality', prefix: '_scratch/' }],
    queries: true,
  },
  quality: {
    description: 'Evaluates data-quality rules and records their results.',
    // Reconciliation recounts the quarantine beside trusted; the commit of the results reads their current pointer.
    reads: [{ layer: 'trusted' }, { layer: 'refined' }, { layer: 'dataquality', prefix: 'quarantine/' }, { layer: 'dataquality', prefix: 'results/' }],
    writes: [{ layer: 'dataquality', prefix: 'results/' }],
    deletes: [{ layer: 'dataquality', prefix: 'results/' }],
    queries: true,
  },
  ml: {
    description: 'Builds the feature store (from trusted) and training sets, trains, registers and scores models.',
    // Features read trusted; _scratch/ holds the query engine's session tables, as for transform.
    reads: [{ layer: 'trusted' }, { layer: 'refined' }, { layer: 'dataquality', prefix: '_scratch/' }],
    writes: [{ layer: 'refined' }, { layer: 'dataquality', prefix: '_scratch/' }],
    deletes: [{ layer: 'refined' }, { layer: 'dataquality', prefix: '_scratch/' }],
    queries: true,
  },
};

/** What a handler does to an object, as the clouds authorize it. */
export type ObjectAction = 'list' | 'read' | 'write' | 'delete';

const grantCovers = (grant: LayerGrant, layer: Layer, key: string) => grant.layer === layer && key.startsWith(grant.prefix ?? '');

/**
 * Whether a handler class may do `action` on `key` (for `list`, the listing's
 * prefix) in `layer`, as the IAM policies and role assignments built from
 * HANDLER_ACCESS allow it: reads, writes and deletes under their grants;
 * listing under any read or write grant (S3's ListBucket `s3:prefix`).
 */
export function isGranted(access: HandlerAccess, action: ObjectAction, layer: Layer, key: string): boolean {
  const grants = action === 'read' ? access.reads : action === 'write' ? access.writes : action === 'delete' ? access.deletes : [...access.reads, ...access.writes];
  return grants.some((grant) => grantCovers(grant, layer, key));
}
