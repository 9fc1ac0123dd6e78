/**
 * Builds the seller feature store: the six tables of workloads/olist/sql/features/,
 * each one table partitioned by its monthly snapshot (`dt_reference`), read
 * through its pointer (`refined/<table>/_table.json`).
 *
 * Incremental and idempotent. The snapshots come from the data: the 1st of
 * every month from the month after the first sale to the month after the
 * last. A snapshot is built when a table lacks its partition, or when it was
 * built before the data reached it (its window still had days to come); a
 * complete snapshot is skipped. What was built, and with data up to when, is
 * recorded in `refined/_ml/feature_snapshots.json`; a snapshot is complete
 * when that record says the data reached it and every table's pointer has its
 * partition (or the record says the table had 0 rows for it). Each table
 * builds every pending snapshot in one statement and commits them as the
 * partitions of one commit, so a re-run replaces a snapshot and never adds a
 * second copy, and the other snapshots keep their files.
 */
import { commitReplace } from '../../../lambdas/lake/commit-replace.ts';
import { TableStore } from '../../../lambdas/lake/table-store.ts';
import { countInputs, tablesRead } from '../../../lambdas/ml/model-inputs.ts';
import type { ObjectStore } from '../../../lambdas/ports/object-store.ts';
import type { QueryEngine } from '../../../lambdas/ports/query-engine.ts';
import { refinedSelect } from '../../../pipelines/sql/compile.ts';
import { MACROS } from '../../../pipelines/sql/dialect.ts';
import { loadModel, renderModel } from '../../../pipelines/sql/render.ts';
import { FEATURE_DATASETS } from '../features.ts';

/** Where the build records each snapshot it wrote (refined layer). */
export const FEATURE_MANIFEST_KEY = '_ml/feature_snapshots.json';

export interface SnapshotRecord {
  readonly dt_reference: string;
  /** The last sale date in the data when the snapshot was built. */
  readonly lastSaleDate: string;
  readonly runId: string;
  readonly builtAt: string;
  /** Rows written per table: a table with 0 rows has no partition in its pointer, and that is not a gap. */
  readonly rows: Readonly<Record<string, number>>;
}

interface FeatureManifest {
  readonly snapshots: readonly SnapshotRecord[];
}

export interface FeatureBuild {
  /** Every snapshot the data supports, oldest first. */
  readonly snapshots: string[];
  readonly built: string[];
  readonly skipped: string[];
  /** Rows written per table by this run. */
  readonly tables: { table: string; rows: number }[];
  /** Rows of the trusted tables the models read. */
  readonly rowsIn: number;
  readonly rowsOut: number;
}

/** `yyyy-MM-01` of the month after the given `yyyy-MM-dd`. */
function nextMonthStart(date: string): string {
  const [year, month] = date.split('-').map(Number) as [number, number];
  return month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, '0')}-01`;
}

/** The 1st of every month after the first sale's month, up to the 1st of the month after the last sale. */
export function snapshotDates(firstSaleDate: string, lastSaleDate: string): string[] {
  const dates: string[] = [];
  const last = nextMonthStart(lastSaleDate);
  for (let date = nextMonthStart(firstSaleDate); date <= last; date = nextMonthStart(date)) dates.push(date);
  return dates;
}

async function readManifest(store: ObjectStore): Promise<Map<string, SnapshotRecord>> {
  const found = await store.list('refined', FEATURE_MANIFEST_KEY);
  if (!found.some((object) => object.key === FEATURE_MANIFEST_KEY)) return new Map();
  const text = new TextDecoder().decode(await store.read('refined', FEATURE_MANIFEST_KEY));
  let manifest: FeatureManifest;
  try {
    manifest = JSON.parse(text) as FeatureManifest;
  } catch (error) {
    throw new Error(`refined/${FEATURE_MANIFEST_KEY} is not JSON (${(error as Error).message}); delete it to rebuild every snapshot`);
  }
  return new Map((manifest.snapshots ?? []).map((record) => [record.dt_reference, record]));
}

/** Snapshot dates the table's committed version has a partition for. */
async function writtenPartitions(store: ObjectStore, table: string): Promise<Set<string>> {
  const pointer = await new TableStore(store).read('refined', table);
  return new Set(Object.keys(pointer?.partitions ?? {}));
}

async function saleRange(engine: QueryEngine): Promise<{ first: string; last: string } | undefined> {
  const text = (expression: string) => MACROS.to_text!(engine.dialect, expression);
  const [row] = await engine.query<{ first: string | null; last: string | null }>(
    `select ${text('min(sale_date)')} as first, ${text('max(sale_date)')} as last
     from (
       select cast(o.order_purchase_timestamp as date) as sale_date
       from ${engine.relations.ref('trusted', 'order_items')} i
       join ${engine.relations.ref('trusted', 'orders')} o on o.order_id = i.order_id
     ) sales`,
  );
  return row?.first && row.last ? { first: row.first, last: row.last } : undefined;
}

export async function buildFeatures(engine: QueryEngine, store: ObjectStore, options: { runId: string; now?: Date }): Promise<FeatureBuild> {
  const rowsIn = await countInputs(
    engine,
    FEATURE_DATASETS.flatMap((dataset) => tablesRead(loadModel('features', dataset.name).text)),
    'the feature store (run the process flow first)',
  );
  const range = await saleRange(engine);
  if (!range) return { snapshots: [], built: [], skipped: [], tables: FEATURE_DATASETS.map((dataset) => ({ table: dataset.name, rows: 0 })), rowsIn, rowsOut: 0 };

  const snapshots = snapshotDates(range.first, range.last);
  const manifest = await readManifest(store);
  const written = new Map<string, Set<string>>();
  for (const dataset of FEATURE_DATASETS) written.set(dataset.name, await writtenPartitions(store, dataset.name));
  const isComplete = (date: string): boolean => {
    const record = manifest.get(date);
    // Complete once the data had a sale on or after the snapshot: every day of its window was in.
    if (!record || record.lastSaleDate < date) return false;
    return FEATURE_DATASETS.every((dataset) => written.get(dataset.name)!.has(date) || record.rows[dataset.name] === 0);
  };
  const pending = snapshots.filter((date) => !isComplete(date));
  const skipped = snapshots.filter((date) => !pending.includes(date));
  if (pending.length === 0) {
    return { snapshots, built: [], skipped, tables: FEATURE_DATASETS.map((dataset) => ({ table: dataset.name, rows: 0 })), rowsIn, rowsOut: 0 };
  }

  const tableStore = new TableStore(store);
  const snapshotRelation = await engine.loadRows('ml_snapshots', [{ name: 'dt_reference', type: 'date' }], pending.map((date) => [date]));
  const tables: { table: string; rows: number }[] = [];
  const rowsPerSnapshot = new Map<string, Record<string, number>>(pending.map((date) => [date, {}]));
  for (const dataset of FEATURE_DATASETS) {
    const model = loadModel('features', dataset.name);
    const sql = renderModel(model, engine.dialect, engine.relations, { ml: { snapshots: snapshotRelation } });
    // Every pending snapshot in one statement; the partitions are cut from it.
    const built = await engine.createTemporary(dataset.name, refinedSelect(dataset, sql, engine.dialect));
    const stored = dataset.columns.map((column) => column.name).join(', ');
    // Every pending snapshot is one partition of one commit. The pointer keeps the
    // columns, dt_reference a date, so a table with no rows still reads with its schema.
    const { written } = await commitReplace(
      engine,
      tableStore,
      { layer: 'refined', prefix: dataset.name, partitionBy: 'dt_reference', partitions: pending },
      `select ${stored}, ${MACROS.to_text!(engine.dialect, 'dt_reference')} as dt_reference from ${built}`,
      { columns: [...dataset.columns.map((column) => ({ name: column.name, type: column.type })), { name: 'dt_reference', type: 'date' }] },
    );
    const counts = await engine.query<{ d: string; n: unknown }>(`select ${MACROS.to_text!(engine.dialect, 'dt_reference')} as d, count(*) as n from ${built} group by 1`);
    for (const date of pending) rowsPerSnapshot.get(date)![dataset.name] = Number(counts.find((row) => row.d === date)?.n ?? 0);
    tables.push({ table: dataset.name, rows: written.rows });
  }

  const builtAt = (options.now ?? new Date()).toISOString();
  for (const date of pending) {
    manifest.set(date, { dt_reference: date, lastSaleDate: range.last, runId: options.runId, builtAt, rows: rowsPerSnapshot.get(date)! });
  }
  const records = [...manifest.values()].sort((a, b) => (a.dt_reference < b.dt_reference ? -1 : 1));
  await store.write('refined', FEATURE_MANIFEST_KEY, `${JSON.stringify({ snapshots: records } satisfies FeatureManifest, null, 2)}\n`);
  return { snapshots, built: pending, skipped, tables, rowsIn, rowsOut: tables.reduce((sum, table) => sum + table.rows, 0) };
}

