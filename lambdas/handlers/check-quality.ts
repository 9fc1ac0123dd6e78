import { checkQuality, QualityGateFailed } from '../quality/check-quality.ts';
import { readTrustedBuilds } from '../transform/trusted-build-records.ts';
import { catalogOf, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/**
 * `{ runId }` -> the rule results, over the trusted builds the run recorded;
 * throws QualityGateFailed (after storing the results) when a rule of
 * severity error failed.
 */
export const checkQualityHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const runId = stringField(event, 'runId', 'check-quality');
    const catalog = catalogOf(ports);
    const trusted = await readTrustedBuilds(
      ports.store,
      runId,
      catalog.trusted.map((dataset) => dataset.name),
    );
    const check = await withEngine(ports, (engine) => checkQuality({ engine, store: ports.store, clock: ports.clock }, { runId, catalog, trusted, thresholds: ports.settings.quality }));
    if (check.errors > 0) {
      const failed = check.results.filter((result) => !result.passed && result.severity === 'error');
      throw new QualityGateFailed(
        `${check.errors} error-severity rule(s) failed: ${failed.map((result) => `${result.table}: ${result.rule} (${result.failingRows} rows)`).join('; ')}`,
      );
    }
    return { runId, rules: check.results.length, errors: check.errors, warnings: check.warnings };
  };
