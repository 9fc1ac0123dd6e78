import { OLIST_DATASETS } from '../../pipelines/datasets/index.ts';
import { checkQuality, QualityGateFailed } from '../quality/check-quality.ts';
import { readTrustedBuilds } from '../transform/trusted-build-records.ts';
import { stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/**
 * `{ runId }` -> the rule results, over the trusted builds the run recorded;
 * throws QualityGateFailed (after storing the results) when a rule of
 * severity error failed.
 */
export const checkQualityHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const runId = stringField(event, 'runId', 'check-quality');
    const trusted = await readTrustedBuilds(
      ports.store,
      runId,
      OLIST_DATASETS.map((dataset) => dataset.name),
    );
    const check = await withEngine(ports, (engine) => checkQuality({ engine, store: ports.store, clock: ports.clock }, { runId, trusted, thresholds: ports.settings.quality }));
    if (check.errors > 0) {
      const failed = check.results.filter((result) => !result.passed && result.severity === 'error');
      throw new QualityGateFailed(
        `${check.errors} error-severity rule(s) failed: ${failed.map((result) => `${result.table}: ${result.rule} (${result.failingRows} rows)`).join('; ')}`,
      );
    }
    return { runId, rules: check.results.length, errors: check.errors, warnings: check.warnings };
  };
