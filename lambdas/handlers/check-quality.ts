import { checkQuality, QualityGateFailed } from '../quality/check-quality.ts';
import type { TrustedBuild } from '../transform/build-trusted.ts';
import { stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/**
 * `{ runId, trusted: [builds] }` -> the rule results; throws QualityGateFailed
 * (after storing the results) when a rule of severity error failed.
 */
export const checkQualityHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const runId = stringField(event, 'runId', 'check-quality');
    const trusted = (event as { trusted?: unknown }).trusted;
    if (!Array.isArray(trusted)) throw new TypeError('check-quality: event field "trusted" must be the list of trusted builds');
    const check = await withEngine(ports, (engine) =>
      checkQuality({ engine, store: ports.store, clock: ports.clock }, { runId, trusted: trusted as TrustedBuild[] }),
    );
    if (check.errors > 0) {
      const failed = check.results.filter((result) => !result.passed && result.severity === 'error');
      throw new QualityGateFailed(
        `${check.errors} error-severity rule(s) failed: ${failed.map((result) => `${result.table}: ${result.rule} (${result.failingRows} rows)`).join('; ')}`,
      );
    }
    return { runId, rules: check.results.length, errors: check.errors, warnings: check.warnings };
  };
