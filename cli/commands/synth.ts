import { relative } from 'node:path';
import { parseOptions } from '../parse-options.ts';
import { synthPlatform, SynthError, type StackSummary } from '../synth-platform.ts';

const USAGE = `Usage: strata synth [--env <name> | --config <file>] [--outdir <dir>]

Synthesizes the platform for one environment, offline and without credentials:
AWS CloudFormation into <dir>/cdk.out/ and Azure Terraform JSON into <dir>/cdktf.out/.
The environment file is validated first; a bad file writes nothing.

Options:
  --env <name>      an environment in config/environments/ (default: dev)
  --config <file>   an environment file anywhere (wins over --env)
  --outdir <dir>    where cdk.out/ and cdktf.out/ go (default: the repository root)`;

export const synthCommand = {
  summary: 'synthesize AWS (CloudFormation) and Azure (Terraform JSON) for an environment',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const options = parseOptions(argv, {
      env: { type: 'string' },
      config: { type: 'string' },
      outdir: { type: 'string' },
    });
    console.log(`strata synth: ${options.config ?? `environment ${options.env ?? 'dev'}`}: validating config, then synthesizing AWS and Azure in parallel...`);
    try {
      const label = { aws: 'AWS (CDK: stacks, cdk-nag, Lambda bundles)', azure: 'Azure (CDKTF: stacks, function bundle)' };
      const summary = await synthPlatform({ ...options, onCloudDone: (cloud, seconds) => console.log(`  ${label[cloud]} synthesized in ${seconds.toFixed(1)} s`) });
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
