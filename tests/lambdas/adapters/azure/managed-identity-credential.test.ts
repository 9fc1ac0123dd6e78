import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManagedIdentityCredential } from '../../../../lambdas/adapters/azure/managed-identity-credential.ts';
import { recorded, replay, startReplayServer, type ReplayServer } from './replay-server.ts';

const CLIENT_ID = '8f3b2c1a-0d4e-4f5a-9b6c-7d8e9f0a1b2c';
const token = recorded<{ access_token: string; expires_on: string }>('managed-identity-token');
const expiresAtMs = Number(token.response.body!.expires_on) * 1000;

describe('ManagedIdentityCredential against a replaying identity endpoint on 127.0.0.1', () => {
  let server: ReplayServer;
  let env: Record<string, string>;
  beforeEach(async () => {
    server = await startReplayServer((request) =>
      request.query.get('resource') === 'https://vault.azure.net' && request.query.get('client_id') === 'unassigned'
        ? replay(recorded('managed-identity-refused'))
        : replay(token),
    );
    env = { IDENTITY_ENDPOINT: `${server.url}/msi/token`, IDENTITY_HEADER: 'identity-header-secret', AZURE_CLIENT_ID: CLIENT_ID };
  });
  afterEach(() => server.close());

  it('asks for a token of the user-assigned identity with the identity header, once per resource while it is fresh (Azure not called)', async () => {
    const credential = new ManagedIdentityCredential({ env, now: () => expiresAtMs - 60 * 60 * 1000 });

    expect(await credential.getToken('https://storage.azure.com/')).toBe(token.response.body!.access_token);
    await credential.getToken('https://storage.azure.com/');
    await credential.getToken('https://vault.azure.net');

    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    expect(first!.method).toBe('GET');
    expect(first!.path).toBe('/msi/token');
    expect(Object.fromEntries(first!.query)).toEqual({ resource: 'https://storage.azure.com/', 'api-version': '2019-08-01', client_id: CLIENT_ID });
    expect(first!.headers['x-identity-header']).toBe('identity-header-secret');
    expect(second!.query.get('resource')).toBe('https://vault.azure.net');
  });

  it('asks again once the cached token is within 5 minutes of expiring (Azure not called)', async () => {
    let now = expiresAtMs - 6 * 60 * 1000;
    const credential = new ManagedIdentityCredential({ env, now: () => now });
    await credential.getToken('https://storage.azure.com/');
    await credential.getToken('https://storage.azure.com/');
    expect(server.requests).toHaveLength(1);

    now = expiresAtMs - 4 * 60 * 1000;
    await credential.getToken('https://storage.azure.com/');
    expect(server.requests).toHaveLength(2);
  });

  it('asks for the system-assigned identity when AZURE_CLIENT_ID is unset (Azure not called)', async () => {
    const { AZURE_CLIENT_ID: _unused, ...systemAssigned } = env;
    await new ManagedIdentityCredential({ env: systemAssigned }).getToken('https://vault.azure.net');
    expect(server.requests[0]!.query.has('client_id')).toBe(false);
  });

  it('surfaces the identity endpoint refusing the request, with its status and reason, and does not cache the failure (Azure not called)', async () => {
    const credential = new ManagedIdentityCredential({ env: { ...env, AZURE_CLIENT_ID: 'unassigned' } });
    await expect(credential.getToken('https://vault.azure.net')).rejects.toThrow(/no token for https:\/\/vault\.azure\.net \(client id unassigned\): HTTP 400: .*Unable to load the proper Managed Identity/);
    await expect(credential.getToken('https://vault.azure.net')).rejects.toThrow(/HTTP 400/);
    expect(server.requests).toHaveLength(2);
  });

  it('fails naming IDENTITY_ENDPOINT and IDENTITY_HEADER when the app has no managed identity', async () => {
    await expect(new ManagedIdentityCredential({ env: {} }).getToken('https://storage.azure.com/')).rejects.toThrow(
      /IDENTITY_ENDPOINT, IDENTITY_HEADER not set.*https:\/\/storage\.azure\.com\//,
    );
    await expect(new ManagedIdentityCredential({ env: { IDENTITY_ENDPOINT: env.IDENTITY_ENDPOINT! } }).getToken('x')).rejects.toThrow(/variable\(s\) IDENTITY_HEADER not set/);
    expect(server.requests).toHaveLength(0);
  });
});
