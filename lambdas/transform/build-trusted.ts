import type { DatasetDefinition } from '../../pipelines/datasets/index.ts';
import { compileTrustedChecks, quarantineSelect, trustedSelect } from '../../pipelines/sql/compile.ts';
import { loadModel, renderModel } from '../../pipelines/sql/render.ts';
import { TableInputError, type QueryEngine } from '../ports/query-engine.ts';

export interface TrustedBuild {
  readonly table: string;
  readonly status: 'built' | 'failed';
  /** Why the table failed, naming the file and what is wrong. */
  readonly error?: string;
  readonly rawFiles: number;
  /** Rows read from raw, parseable or not. */
  readonly rowsIn: number;
  /** Rows now in trusted. */
  readonly rowsOut: number;
  readonly quarantined: number;
  readonly trustedBytes: number;
  readonly trustedFiles: number;
}

/**
 * Rebuilds one trusted table from all of its raw files: typed, checked,
 * deduplicated by key keeping the latest; every other row goes to
 * dataquality/quarantine/<table>/ with its reason. Re-running replaces both,
 * so the same raw input always yields the same counts.
 */
export async function buildTrusted(engine: QueryEngine, dataset: DatasetDefinition): Promise<TrustedBuild> {
  let staged;
  try {
    staged = await engine.stageRaw(dataset);
  } catch (error) {
    if (!(error instanceof TableInputError)) throw error;
    return { table: dataset.name, status: 'failed', error: error.message, rawFiles: 0, rowsIn: 0, rowsOut: 0, quarantined: 0, trustedBytes: 0, trustedFiles: 0 };
  }
  const model = renderModel(loadModel('trusted', dataset.name), engine.dialect, engine.relations);
  const checked = await engine.createTemporary(`checked_${dataset.name}`, compileTrustedChecks(dataset, model, engine.dialect));
  const trusted = await engine.replace(
    { layer: 'trusted', prefix: dataset.name, partitionBy: dataset.partition?.column },
    trustedSelect(dataset, checked),
  );
  const nullFields = dataset.columns.map((column) => `cast(null as varchar) as ${column.name}`).join(', ');
  const quarantine = await engine.replace(
    { layer: 'dataquality', prefix: `quarantine/${dataset.name}` },
    `${quarantineSelect(dataset, checked)}
     union all
     select ${nullFields}, reason, source_file, raw_line from ${staged.rejectedRelation}`,
  );
  return {
    table: dataset.name,
    status: 'built',
    rawFiles: staged.files.length,
    rowsIn: staged.rowsRead,
    rowsOut: trusted.rows,
    quarantined: quarantine.rows,
    trustedBytes: trusted.bytes,
    trustedFiles: trusted.files,
  };
}
