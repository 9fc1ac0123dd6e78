import { GetSecretValueCommand, type GetSecretValueCommandOutput, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../../ports/secret-store.ts';

/** The part of SecretsManagerClient this adapter uses; contract tests pass a fake. */
export interface SecretsManagerSender {
  send(command: GetSecretValueCommand): Promise<unknown>;
}

/** Secrets from AWS Secrets Manager, by name or ARN, current version. */
export class SecretsManagerSecretStore implements SecretStore {
  private readonly client: SecretsManagerSender;

  /** `client` defaults to a SecretsManagerClient with the default credential chain and region. */
  constructor(options?: { readonly client?: SecretsManagerSender }) {
    this.client = options?.client ?? new SecretsManagerClient({});
  }

  async get(name: string): Promise<string> {
    let output: GetSecretValueCommandOutput;
    try {
      output = (await this.client.send(new GetSecretValueCommand({ SecretId: name }))) as GetSecretValueCommandOutput;
    } catch (error) {
      // The SDK's message names the secret, never its value; keep it, it says why (not found, access denied, KMS).
      throw new Error(`SecretsManagerSecretStore: cannot read secret "${name}": ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
    }
    if (output.SecretString !== undefined) return output.SecretString;
    if (output.SecretBinary !== undefined) return new TextDecoder().decode(output.SecretBinary);
    throw new Error(`SecretsManagerSecretStore: secret "${name}" has no value (neither SecretString nor SecretBinary)`);
  }
}
