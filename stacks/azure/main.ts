/**
 * Synthesizes the Azure stacks to Terraform JSON:
 *
 *   node --import tsx stacks/azure/main.ts [--env <name> | --config <file>] [--outdir <dir>]
 *
 * `STRATA_VERSION` overrides the platform version (otherwise package version + git commit).
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadEnvironment } from '../../config/load-environment.ts';
import { platformVersion } from '../shared/platform-version.ts';
import { synthAzure } from './azure-app.ts';
import { UnrenderableStepError } from './flows/data-factory-activities.ts';
import { ScheduleConversionError } from './flows/schedule-recurrence.ts';

const USAGE = 'usage: node --import tsx stacks/azure/main.ts [--env <name> | --config <file>] [--outdir <dir>]';

function main(argv: string[]): number {
  let values: { env?: string; config?: string; outdir?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { env: { type: 'string' }, config: { type: 'string' }, outdir: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    const { environment } = loadEnvironment({ env: values.env, config: values.config });
    synthAzure({ environment, version: platformVersion(), outdir: values.outdir ?? 'cdktf.out' });
    return 0;
  } catch (error) {
    // A config Azure cannot deploy as written (a schedule Data Factory cannot express, a step
    // without a Data Factory rendering) is reported like a config error, without a stack trace.
    if (error instanceof ConfigError || error instanceof ScheduleConversionError || error instanceof UnrenderableStepError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
