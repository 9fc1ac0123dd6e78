/**
 * The part of building a classifier's training set that is the same for
 * every model: once a workload's SQL has built the labelled, split rows (a
 * temporary), count them per snapshot and split, refuse configured
 * out-of-time snapshots the data does not hold, and replace the model's
 * training-set table with them. The workload's builder renders its own SQL
 * and says, in its own words, why nothing could be labelled.
 */
import type { DatasetDefinition } from '../../pipelines/datasets/dataset.ts';
import { SNAPSHOT_COLUMN, type Split } from '../../pipelines/models/model.ts';
import { MACROS } from '../../pipelines/sql/dialect.ts';
import type { QueryEngine } from '../ports/query-engine.ts';

/** What a classifier's training-set build reports. */
export interface ClassifierTrainingSet<Model extends string = string> {
  readonly model: Model;
  readonly table: string;
  readonly rows: number;
  /** Feature columns, in order. */
  readonly features: string[];
  /** The snapshots (dt_reference) the rows come from. */
  readonly snapshots: { first: string; last: string };
  /** The out-of-time snapshots. */
  readonly oot: string[];
  readonly splits: Record<Split, number>;
  /** Rows labelled 1 per split. */
  readonly positives: Record<Split, number>;
  /** Rows of the inputs the set was built from. */
  readonly rowsIn: number;
  readonly rowsOut: number;
}

export interface LabelledRows<Model extends string> {
  readonly model: Model;
  /** The training-set table (refined), whose columns the temporary holds. */
  readonly table: DatasetDefinition;
  readonly label: string;
  /** The temporary holding the labelled, split rows. */
  readonly built: string;
  readonly features: readonly string[];
  readonly rowsIn: number;
  /** The configured out-of-time snapshots (`yyyy-MM-dd`), checked against those the rows hold. */
  readonly ootSnapshots: readonly string[];
  /** The error for configured snapshots the rows do not hold, given those they do (sorted). */
  readonly unknownOot: (unknown: readonly string[], snapshots: readonly string[]) => Error;
  /** Why no row could be labelled, in the workload's words. */
  readonly noLabel: () => Promise<Error>;
}

/** Counts the labelled rows, checks the out-of-time snapshots, and replaces the training-set table with them. */
export async function commitClassifierTrainingSet<Model extends string>(engine: QueryEngine, rows: LabelledRows<Model>): Promise<ClassifierTrainingSet<Model>> {
  const groups = await engine.query<{ dt_reference: string; split: Split; n: bigint | number; positives: bigint | number }>(
    `select ${MACROS.to_text!(engine.dialect, SNAPSHOT_COLUMN)} as dt_reference, split, count(*) as n, sum(${rows.label}) as positives
     from ${rows.built} group by ${SNAPSHOT_COLUMN}, split order by ${SNAPSHOT_COLUMN}, split`,
  );
  if (groups.length === 0) throw await rows.noLabel();
  const snapshots = [...new Set(groups.map((group) => group.dt_reference))].sort();
  const unknown = rows.ootSnapshots.filter((date) => !snapshots.includes(date));
  if (unknown.length > 0) throw rows.unknownOot(unknown, snapshots);
  const splits: Record<Split, number> = { train: 0, test: 0, oot: 0 };
  const positives: Record<Split, number> = { train: 0, test: 0, oot: 0 };
  for (const group of groups) {
    splits[group.split] += Number(group.n);
    positives[group.split] += Number(group.positives);
  }
  const written = await engine.replace({ layer: 'refined', prefix: rows.table.name }, `select * from ${rows.built}`);
  return {
    model: rows.model,
    table: rows.table.name,
    rows: written.rows,
    features: [...rows.features],
    snapshots: { first: snapshots[0]!, last: snapshots.at(-1)! },
    oot: [...new Set(groups.filter((group) => group.split === 'oot').map((group) => group.dt_reference))],
    splits,
    positives,
    rowsIn: rows.rowsIn,
    rowsOut: written.rows,
  };
}
