/** The command line itself is wrong (unknown flag, missing value): exit 2 with the usage line. */
export class UsageError extends Error {
  override name = 'UsageError';
}
