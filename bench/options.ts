/**
 * Options of the benchmark scripts: a mistaken option ends in one line naming it and what is allowed, with
 * exit code 2, as the strata CLI answers a usage error; never a stack trace.
 */

/** Says what is wrong with an option of `bench:<name>` and exits 2. */
export function refuseOption(name: string, message: string): never {
  console.error(`bench:${name}: ${message}`);
  process.exit(2);
}

/** The result of `parse` (node:util parseArgs), or its complaint about the options as one line. */
export function parseBenchOptions<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    return refuseOption(name, (error as Error).message);
  }
}

/** A whole number of at least `least`, from the text an option was given. */
export function wholeNumberOption(name: string, flag: string, text: string, least = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < least) refuseOption(name, `${flag} must be a whole number >= ${least}, got ${text}`);
  return value;
}

/** Positive numbers separated by commas (scales), from the text an option was given. */
export function positiveNumbersOption(name: string, flag: string, text: string): number[] {
  const values = text.split(',').map(Number);
  if (values.some((value) => !(value > 0))) refuseOption(name, `${flag} must be positive numbers separated by commas, got ${text}`);
  return values;
}
