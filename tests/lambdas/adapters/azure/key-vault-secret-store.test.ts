import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyVaultSecretStore, keyVaultSecretName } from '../../../../lambdas/adapters/azure/key-vault-secret-store.ts';
import { recorded, recordingCredential, replay, startReplayServer, type ReplayServer } from './replay-server.ts';

describe('KeyVaultSecretStore against a replaying vault on 127.0.0.1', () => {
  let server: ReplayServer;
  beforeEach(async () => {
    server = await startReplayServer((request) =>
      request.path === '/secrets/strata-dev-weather-api-key' ? replay(recorded('key-vault-get-secret')) : replay(recorded('key-vault-secret-not-found')),
    );
  });
  afterEach(() => server.close());

  it('reads the current version of a secret by its Key Vault name with a vault token (Azure not called)', async () => {
    const credential = recordingCredential();
    const store = new KeyVaultSecretStore({ vaultUri: server.url, credential });

    expect(await store.get('strata/dev/weather-api-key')).toBe('wx-recorded-4f1d');

    const [request] = server.requests;
    expect(request!.method).toBe('GET');
    expect(request!.path).toBe('/secrets/strata-dev-weather-api-key');
    expect(Object.fromEntries(request!.query)).toEqual({ 'api-version': '7.4' });
    expect(request!.headers.authorization).toBe('Bearer token-for:https://vault.azure.net');
    expect(credential.resources).toEqual(['https://vault.azure.net']);
  });

  it('fails naming the vault, the secret and the Key Vault name it was looked up by when the secret does not exist (Azure not called)', async () => {
    const store = new KeyVaultSecretStore({ vaultUri: `${server.url}/`, credential: recordingCredential() });
    const failure = store.get('strata/dev/missing_key');
    await expect(failure).rejects.toThrow(`secret "strata/dev/missing_key" (Key Vault name "strata-dev-missing-key"`);
    await expect(failure).rejects.toThrow(`no such secret in vault ${server.url}/ (SecretNotFound`);
  });

  it('maps names to the characters Key Vault allows, the same way every time', () => {
    expect(keyVaultSecretName('strata/dev/weather-api-key')).toBe('strata-dev-weather-api-key');
    expect(keyVaultSecretName('strata/prod/crm.token_v2')).toBe('strata-prod-crm-token-v2');
    expect(keyVaultSecretName('Already-Valid-1')).toBe('Already-Valid-1');
    expect(() => keyVaultSecretName('///')).toThrow('must be 1-127 characters of [0-9a-zA-Z-]');
    expect(() => keyVaultSecretName('x'.repeat(128))).toThrow('must be 1-127 characters');
  });
});
