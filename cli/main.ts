import { ConfigError } from '../config/load-environment.ts';
import { UsageError } from './usage-error.ts';
import { runCommand } from './commands/run.ts';
import { synthCommand } from './commands/synth.ts';
import { generateCommand } from './commands/generate.ts';
import { costCommand } from './commands/cost.ts';
import { planCommand } from './commands/plan.ts';
import { abtCommand } from './commands/abt.ts';
import { lakeCommand } from './commands/lake.ts';

interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  synth: synthCommand,
  run: runCommand,
  generate: generateCommand,
  cost: costCommand,
  plan: planCommand,
  abt: abtCommand,
  lake: lakeCommand,
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'strata: one spec, one version, the whole data + ML platform on AWS and Azure',
    '',
    'Usage: strata <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    '',
    'Run `strata <command> --help` for its options.',
  ].join('\n');
}

/** Runs the CLI; returns the process exit code (0 ok, 1 failed, 2 bad usage). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`strata: unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`strata ${name}: ${error.message}\n\n${command.usage}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}
