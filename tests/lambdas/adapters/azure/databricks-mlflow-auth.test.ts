import { describe, expect, it } from 'vitest';
import { databricksMlflowTracking } from '../../../../lambdas/adapters/azure/databricks-mlflow-auth.ts';
import { recordingCredential } from './replay-server.ts';

const HOST = 'adb-1234567890123456.7.azuredatabricks.net';
const request = { method: 'GET' as const, url: `https://${HOST}/api/2.0/mlflow/experiments/get-by-name`, headers: {} };

describe('databricksMlflowTracking with the managed identity (Databricks not called)', () => {
  it('asks the credential for an Azure Databricks token on every request', async () => {
    const credential = recordingCredential();
    const connection = databricksMlflowTracking({ host: `https://${HOST}`, credential, experimentFolder: '/Shared/strata' });
    expect(await connection.authorize(request)).toEqual({ authorization: 'Bearer token-for:2ff814a6-3304-4ab8-85cb-cd0e6f879c1d' });
    await connection.authorize(request);
    expect(credential.resources).toEqual(['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d', '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d']);
  });

  it('takes exactly one of a credential and a token', () => {
    expect(() => databricksMlflowTracking({ host: HOST })).toThrow('give exactly one of credential (managed identity) and token');
    expect(() => databricksMlflowTracking({ host: HOST, token: 't', credential: recordingCredential() })).toThrow('exactly one');
  });
});
