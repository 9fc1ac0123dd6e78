import { ConfigError } from '../config/load-environment.ts';
import { didYouMean } from './did-you-mean.ts';
import { describeFailure, isDebug } from './failure.ts';
import { UsageError } from './usage-error.ts';

interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

// Loaded on use: `strata run` does not pay for the CloudFormation diff engine `plan` loads, nor `plan` for DuckDB.
const COMMANDS: Record<string, () => Promise<Command>> = {
  synth: async () => (await import('./commands/synth.ts')).synthCommand,
  run: async () => (await import('./commands/run.ts')).runCommand,
  generate: async () => (await import('./commands/generate.ts')).generateCommand,
  cost: async () => (await import('./commands/cost.ts')).costCommand,
  plan: async () => (await import('./commands/plan.ts')).planCommand,
  abt: async () => (await import('./commands/abt.ts')).abtCommand,
  lake: async () => (await import('./commands/lake.ts')).lakeCommand,
  new: async () => (await import('./commands/new.ts')).newCommand,
};

async function help(): Promise<string> {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const summaries = await Promise.all(Object.values(COMMANDS).map(async (load) => (await load()).summary));
  return [
    'strata: one spec, one version, the whole data + ML platform on AWS and Azure',
    '',
    'Usage: strata <command> [options] [--debug]',
    '',
    'Commands:',
    ...Object.keys(COMMANDS).map((name, index) => `  ${name.padEnd(width)}  ${summaries[index]}`),
    '',
    'Run `strata <command> --help` for its options. --debug (or STRATA_DEBUG=1) shows the stack trace of a failure.',
  ].join('\n');
}

/** The usage's synopsis: its lines up to the first blank one. */
const synopsisOf = (usage: string) => usage.split('\n\n')[0]!;

/** Runs the CLI; returns the process exit code (0 ok, 1 failed, 2 bad usage). */
export async function main(argv: string[]): Promise<number> {
  const debug = isDebug(argv);
  const [name, ...rest] = argv.filter((arg) => arg !== '--debug');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(await help());
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`strata: unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS))}; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (debug) console.error(error);
    if (error instanceof UsageError) {
      console.error(`strata ${name}: ${error.message}\n${synopsisOf(command.usage)}\n(strata ${name} --help for every option)`);
      return 2;
    }
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    console.error(`strata ${name}: ${describeFailure(error, debug)}`);
    return 1;
  }
}
