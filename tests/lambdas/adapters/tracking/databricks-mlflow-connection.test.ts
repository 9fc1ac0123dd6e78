import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databricksMlflowTracking } from '../../../../lambdas/adapters/azure/databricks-mlflow-auth.ts';
import { MlflowRestTracker } from '../../../../lambdas/adapters/tracking/mlflow-rest-tracker.ts';
import { startStandInMlflowServer, type StandInMlflowServer } from './stand-in-mlflow-server.ts';

const HOST = 'adb-1234567890123456.7.azuredatabricks.net';

describe('databricksMlflowTracking (Databricks not called)', () => {
  it('points at the workspace, names experiments by workspace path and links runs in the workspace UI', async () => {
    const connection = databricksMlflowTracking({ host: `https://${HOST}/`, token: 'dapi-example' });
    expect(connection.baseUrl).toBe(`https://${HOST}`);
    expect(connection.experimentName?.('strata-dev/seller-churn')).toBe('/Shared/strata/strata-dev/seller-churn');
    expect(connection.runUrl?.('42', 'abc')).toBe(`https://${HOST}/ml/experiments/42/runs/abc`);
    expect(await connection.authorize({ method: 'GET', url: `https://${HOST}/api/2.0/mlflow/experiments/get-by-name`, headers: {} })).toEqual({
      authorization: 'Bearer dapi-example',
    });
    expect(databricksMlflowTracking({ host: HOST, token: 't', experimentFolder: '/Users/ml@example.com/' }).experimentName?.('x/y')).toBe('/Users/ml@example.com/x/y');
    expect(() => databricksMlflowTracking({ host: 'https://adb.net/path?x', token: 't' })).toThrow('is not a workspace host name');
  });

  describe('through MlflowRestTracker to a stand-in MLflow server on 127.0.0.1', () => {
    let server: StandInMlflowServer;
    beforeEach(async () => {
      server = await startStandInMlflowServer();
    });
    afterEach(async () => {
      await server.close();
    });

    it('asks the token function on every request and logs under the workspace path', async () => {
      let issued = 0;
      const connection = databricksMlflowTracking({ host: HOST, token: async () => `entra-token-${++issued}` });
      const ref = await new MlflowRestTracker({ ...connection, baseUrl: server.url }).logRun({
        experiment: 'strata-dev/seller-churn',
        runName: 'seller-churn v3',
        startedAt: '2026-11-22T10:15:00Z',
        endedAt: '2026-11-22T10:17:30Z',
        status: 'FINISHED',
        params: {},
        metrics: { auc_oot: 0.85 },
        tags: {},
        artifacts: [],
      });

      expect(server.requests.map((request) => request.headers['authorization'])).toEqual(server.requests.map((_, i) => `Bearer entra-token-${i + 1}`));
      expect([...server.experiments.keys()]).toEqual(['/Shared/strata/strata-dev/seller-churn']);
      expect(ref.url).toBe(`https://${HOST}/ml/experiments/${ref.experimentId}/runs/${ref.runId}`);
    });
  });
});
