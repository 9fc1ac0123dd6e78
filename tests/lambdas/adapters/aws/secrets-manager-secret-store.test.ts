import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { SecretsManagerSecretStore } from '../../../../lambdas/adapters/aws/secrets-manager-secret-store.ts';
import { useMotoServer } from '../../../support/moto-server.ts';

const moto = useMotoServer();

describe('SecretsManagerSecretStore against moto_server (the real SDK over HTTP on 127.0.0.1)', () => {
  const clients = () => {
    const client = new SecretsManagerClient(moto.clientConfig());
    return { client, store: new SecretsManagerSecretStore({ client }) };
  };

  it('returns the current SecretString by name', async () => {
    const { client, store } = clients();
    await client.send(new CreateSecretCommand({ Name: 'strata/dev/weather-api-key', SecretString: 'the-key' }));
    expect(await store.get('strata/dev/weather-api-key')).toBe('the-key');
  });

  it('decodes a binary secret as UTF-8', async () => {
    const { client, store } = clients();
    await client.send(new CreateSecretCommand({ Name: 'strata/dev/binary-key', SecretBinary: new TextEncoder().encode('binary-key') }));
    expect(await store.get('strata/dev/binary-key')).toBe('binary-key');
  });

  it('fails naming the secret and the reason when it does not exist', async () => {
    await expect(clients().store.get('strata/dev/missing')).rejects.toThrow(/cannot read secret "strata\/dev\/missing": ResourceNotFoundException: /);
  });
});

describe('SecretsManagerSecretStore on an answer no emulator gives (recorded shape)', () => {
  it('fails when the secret has neither SecretString nor SecretBinary', async () => {
    const store = new SecretsManagerSecretStore({ client: { send: async () => ({ Name: 'x' }) } });
    await expect(store.get('x')).rejects.toThrow(/has no value/);
  });
});
