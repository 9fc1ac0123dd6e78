/** The command line itself is wrong (unknown flag, missing value): exit 2 with the usage line. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure the user can act on (a path that cannot be used, data missing): exit 1 with the message alone. */
export class UserError extends Error {
  override name = 'UserError';
}
