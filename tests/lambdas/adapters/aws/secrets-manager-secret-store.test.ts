import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { SecretsManagerSecretStore, type SecretsManagerSender } from '../../../../lambdas/adapters/aws/secrets-manager-secret-store.ts';

/** A stand-in for SecretsManagerClient that records commands and answers from a script. AWS is never called. */
function fakeSecretsManager(answer: () => unknown): SecretsManagerSender & { commands: GetSecretValueCommand[] } {
  const commands: GetSecretValueCommand[] = [];
  return {
    commands,
    async send(command) {
      commands.push(command);
      const response = answer();
      if (response instanceof Error) throw response;
      return response;
    },
  };
}

describe('SecretsManagerSecretStore (AWS mocked, not called)', () => {
  it('returns SecretString of GetSecretValue by name', async () => {
    const client = fakeSecretsManager(() => ({ Name: 'strata/dev/weather-api-key', SecretString: 'the-key' }));

    expect(await new SecretsManagerSecretStore({ client }).get('strata/dev/weather-api-key')).toBe('the-key');
    expect(client.commands[0]).toBeInstanceOf(GetSecretValueCommand);
    expect(client.commands[0]!.input).toEqual({ SecretId: 'strata/dev/weather-api-key' });
  });

  it('decodes a binary secret as UTF-8', async () => {
    const client = fakeSecretsManager(() => ({ SecretBinary: new TextEncoder().encode('binary-key') }));
    expect(await new SecretsManagerSecretStore({ client }).get('strata/dev/weather-api-key')).toBe('binary-key');
  });

  it('fails naming the secret and the reason when it does not exist', async () => {
    const client = fakeSecretsManager(() => new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    await expect(new SecretsManagerSecretStore({ client }).get('strata/dev/missing')).rejects.toThrow(
      `cannot read secret "strata/dev/missing": ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
    );
  });

  it('fails when the secret has no value', async () => {
    await expect(new SecretsManagerSecretStore({ client: fakeSecretsManager(() => ({ Name: 'x' })) }).get('x')).rejects.toThrow(/has no value/);
  });
});
