import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from './did-you-mean.ts';
import { UsageError } from './usage-error.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `parseArgs` with strict flags, whose mistakes become usage errors rather
 * than stack traces. A value that starts with a dash (`--scale -1`) is taken
 * as the value, so the option's own check can say what is allowed.
 */
export function parseOptions<O extends Options>(argv: string[], options: O) {
  const args = joinDashedValues(argv, options);
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = (error as Error).message.replace(/^TypeError \[\w+\]: /, '');
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(message)?.[1] ?? '';
      const known = Object.keys(options).map((name) => `--${name}`);
      throw new UsageError(`unknown option ${flag}${didYouMean(flag.split('=')[0]!, known)}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = /'(--[\w-]+)/.exec(message)?.[1];
      const option = flag ? options[flag.slice(2)] : undefined;
      if (flag && option?.type === 'string') throw new UsageError(`${flag} needs a value`);
      if (flag && option?.type === 'boolean') throw new UsageError(`${flag} takes no value`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const word = /'([^']+)'/.exec(message)?.[1];
      throw new UsageError(`unexpected argument ${word ? `"${word}"` : ''}: every value follows its option (--name value)`.replace('  ', ' '));
    }
    throw new UsageError(message);
  }
}

/** `--opt -1` -> `--opt=-1` for string options, so a negative number reaches the option's own validation. */
function joinDashedValues(argv: string[], options: Options): string[] {
  const args: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    const next = argv[index + 1];
    if (arg.startsWith('--') && !arg.includes('=') && options[arg.slice(2)]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      args.push(`${arg}=${next}`);
      index++;
    } else args.push(arg);
  }
  return args;
}
