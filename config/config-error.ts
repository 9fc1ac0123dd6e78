/** A file a person wrote that cannot be used; `problems` holds one line per problem, ready to print. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}
