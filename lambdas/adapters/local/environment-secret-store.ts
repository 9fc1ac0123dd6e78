import type { SecretStore } from '../../ports/secret-store.ts';

/** Secrets from environment variables for local runs: `strata/dev/weather-api-key` is read from STRATA_SECRET_STRATA_DEV_WEATHER_API_KEY. */
export class EnvironmentSecretStore implements SecretStore {
  constructor(private readonly environment: NodeJS.ProcessEnv = process.env) {}

  static variableFor(name: string): string {
    return `STRATA_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  }

  async get(name: string): Promise<string> {
    const variable = EnvironmentSecretStore.variableFor(name);
    const value = this.environment[variable];
    if (value === undefined || value === '') throw new Error(`secret "${name}" is not set; locally it is read from the environment variable ${variable}`);
    return value;
  }
}
