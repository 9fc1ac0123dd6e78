import { dirname, relative } from 'node:path';
import { recordedUsage } from '../cost/cost.ts';
import { loadUsage, USAGE_PROFILES } from '../cost/usage.ts';
import { parseOptions } from '../parse-options.ts';
import { recordUsage } from '../synthesized/folder-environment.ts';
import { cloudSynthesizedLine, synthPlatform, SynthError, synthStepLine, type StackSummary } from '../synth-platform.ts';

const USAGE = `Usage: strata synth [--env <name> | --config <file>] [--outdir <dir>] [--usage <profile>]

Synthesizes the platform for one environment, offline and without credentials:
AWS CloudFormation into <dir>/cdk.out/ and Azure Terraform JSON into <dir>/cdktf.out/.
The environment file is validated first; a bad file writes nothing.

Options:
  --env <name>      an environment in config/environments/ (default: dev)
  --config <file>   an environment file anywhere (wins over --env)
  --outdir <dir>    where cdk.out/ and cdktf.out/ go (default: the repository root)
  --usage <name>    usage profile recorded in <dir>/strata-synth.json with the environment, for
                    strata plan and strata cost --from: ${USAGE_PROFILES.join(', ')} or a file (default: medium)`;

export const synthCommand = {
  summary: 'synthesize AWS (CloudFormation) and Azure (Terraform JSON) for an environment',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const options = parseOptions(argv, {
      env: { type: 'string' },
      config: { type: 'string' },
      outdir: { type: 'string' },
      usage: { type: 'string' },
    });
    // Read before synthesizing, so a bad profile writes nothing.
    const usage = loadUsage(options.usage);
    console.log(`strata synth: ${options.config ?? `environment ${options.env ?? 'dev'}`}: validating config, then synthesizing AWS and Azure in parallel...`);
    try {
      const summary = await synthPlatform({
        env: options.env,
        config: options.config,
        outdir: options.outdir,
        onProgress: (cloud, text, seconds) => console.log(synthStepLine(cloud, text, seconds)),
        onCloudDone: (cloud, seconds) => console.log(cloudSynthesizedLine(cloud, seconds)),
      });
      recordUsage(dirname(summary.awsDir), recordedUsage(usage));
      // On stderr, as plan and cost print theirs.
      for (const warning of summary.warnings) console.error(`warning: Azure ${warning}`);
      const show = (dir: string) => relative(process.cwd(), dir) || '.';
      console.log(
        [
          `environment ${summary.loaded.environment.name} (${summary.loaded.file}), platform version ${summary.version}`,
          '',
          `AWS CloudFormation -> ${show(summary.awsDir)}/`,
          ...table(summary.aws),
          `  cdk-nag (AwsSolutions, Serverless, NIST 800-53 R5): ${summary.unacknowledgedFindings} unacknowledged findings, ${summary.acknowledgements} acknowledged with reasons`,
          '',
          `Azure Terraform JSON -> ${show(summary.azureDir)}/`,
          ...table(summary.azure),
          '',
          `done in ${summary.seconds.toFixed(1)} s`,
        ].join('\n'),
      );
      return 0;
    } catch (error) {
      if (!(error instanceof SynthError)) throw error;
      console.error(error.message);
      return 1;
    }
  },
};

function table(stacks: StackSummary[]): string[] {
  const width = Math.max(...stacks.map((stack) => stack.name.length));
  return stacks.map((stack) => `  ${stack.name.padEnd(width)}  ${String(stack.resources).padStart(4)} resources`);
}
