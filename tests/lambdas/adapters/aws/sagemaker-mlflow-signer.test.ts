import { createHash, createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  parseSageMakerMlflowArn,
  sageMakerMlflowTracking,
} from '../../../../lambdas/adapters/aws/sagemaker-mlflow-signer.ts';
import { MlflowRestTracker } from '../../../../lambdas/adapters/tracking/mlflow-rest-tracker.ts';
import type { Clock } from '../../../../lambdas/ports/clock.ts';
import { type RecordedRequest, startStandInMlflowServer, type StandInMlflowServer } from '../tracking/stand-in-mlflow-server.ts';

const APP_ARN = 'arn:aws:sagemaker:eu-west-1:123456789012:mlflow-app/app-ABC123';
const SERVER_ARN = 'arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/strata-dev';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example' };
const CLOCK: Clock = { now: () => new Date('2026-11-22T10:15:00Z') };
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** SigV4 worked out by hand with node:crypto, independent of @smithy/signature-v4. */
function signature(canonicalRequest: string, amzDate: string, scope: string, secret: string): string {
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const [date, region, service] = scope.split('/') as [string, string, string];
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

const rfc3986 = (value: string): string => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** What SageMaker does on receipt: rebuild the canonical request from the wire and check the signature. */
function verifySigV4(request: RecordedRequest, secret: string): { valid: boolean; signedHeaders: string[]; scope: string } {
  const authorization = String(request.headers['authorization'] ?? '');
  const match = /^AWS4-HMAC-SHA256 Credential=[^/]+\/([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!match) return { valid: false, signedHeaders: [], scope: '' };
  const [, scope, signedHeaderList, claimed] = match as unknown as [string, string, string, string];
  const signedHeaders = signedHeaderList.split(';');
  const payloadHash = createHash('sha256').update(request.body).digest('hex');
  const query = request.rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => pair.split('=').map((part) => rfc3986(decodeURIComponent(part ?? ''))).join('='))
    .sort()
    .join('&');
  const canonical = [
    request.method,
    request.path.split('/').map(rfc3986).join('/'),
    query,
    ...signedHeaders.map((name) => `${name}:${String(request.headers[name] ?? '').trim()}`),
    '',
    signedHeaderList,
    payloadHash,
  ].join('\n');
  const valid =
    request.headers['x-amz-content-sha256'] === payloadHash && signature(canonical, String(request.headers['x-amz-date']), scope, secret) === claimed;
  return { valid, signedHeaders, scope };
}

describe('sageMakerMlflowTracking SigV4 (SageMaker not called)', () => {
  it('derives endpoint and routing header from the ARN, as the sagemaker-mlflow plugin does', () => {
    expect(sageMakerMlflowTracking({ arn: APP_ARN, credentials: CREDENTIALS }).baseUrl).toBe('https://mlflow.sagemaker.eu-west-1.app.aws');
    expect(sageMakerMlflowTracking({ arn: SERVER_ARN, credentials: CREDENTIALS }).baseUrl).toBe('https://eu-west-1.experiments.sagemaker.aws');
    expect(sageMakerMlflowTracking({ arn: APP_ARN, credentials: CREDENTIALS, endpoint: 'https://vpce-1.example/' }).baseUrl).toBe('https://vpce-1.example');
    expect(parseSageMakerMlflowArn(SERVER_ARN)).toEqual({
      arn: SERVER_ARN,
      partition: 'aws',
      region: 'eu-west-1',
      account: '123456789012',
      resourceType: 'mlflow-tracking-server',
      resourceId: 'strata-dev',
    });
    expect(() => sageMakerMlflowTracking({ arn: 'arn:aws:sagemaker:eu-west-1:123456789012:model/x' })).toThrow('is not a SageMaker MLflow ARN');
    expect(() => sageMakerMlflowTracking({ arn: APP_ARN, region: 'us-east-1' })).toThrow('region "us-east-1" differs from the ARN\'s region "eu-west-1"');
  });

  it('signs a GET for service sagemaker-mlflow in the ARN\'s region, covering the MLflow App ARN header', async () => {
    const { baseUrl, authorize } = sageMakerMlflowTracking({ arn: APP_ARN, credentials: CREDENTIALS, clock: CLOCK });
    const url = `${baseUrl}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent('strata-dev/seller churn')}`;

    const headers = await authorize({ method: 'GET', url, headers: { accept: 'application/json' } });

    const canonicalRequest = [
      'GET',
      '/api/2.0/mlflow/experiments/get-by-name',
      'experiment_name=strata-dev%2Fseller%20churn',
      'accept:application/json',
      'host:mlflow.sagemaker.eu-west-1.app.aws',
      `x-amz-content-sha256:${EMPTY_SHA256}`,
      'x-amz-date:20261122T101500Z',
      'x-amz-security-token:session-token-example',
      `x-sm-mlflow-app-arn:${APP_ARN}`,
      '',
      'accept;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-sm-mlflow-app-arn',
      EMPTY_SHA256,
    ].join('\n');
    const scope = '20261122/eu-west-1/sagemaker-mlflow/aws4_request';
    expect(headers).toEqual({
      accept: 'application/json',
      authorization:
        `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${scope}, ` +
        'SignedHeaders=accept;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-sm-mlflow-app-arn, ' +
        `Signature=${signature(canonicalRequest, '20261122T101500Z', scope, CREDENTIALS.secretAccessKey)}`,
      'x-amz-content-sha256': EMPTY_SHA256,
      'x-amz-date': '20261122T101500Z',
      'x-amz-security-token': 'session-token-example',
      'x-sm-mlflow-app-arn': APP_ARN,
    });
  });

  it('hashes a POST body into x-amz-content-sha256 and routes a tracking server by x-mlflow-sm-tracking-server-arn', async () => {
    const { baseUrl, authorize } = sageMakerMlflowTracking({ arn: SERVER_ARN, credentials: async () => CREDENTIALS, clock: CLOCK });
    const body = JSON.stringify({ experiment_id: '1', run_name: 'seller-churn v3', start_time: 1795346100000 });

    const headers = await authorize({ method: 'POST', url: `${baseUrl}/api/2.0/mlflow/runs/create`, headers: { 'content-type': 'application/json' }, body });

    expect(headers['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
    expect(headers['x-mlflow-sm-tracking-server-arn']).toBe(SERVER_ARN);
    expect(headers['x-sm-mlflow-app-arn']).toBeUndefined();
    expect(headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261122\/eu-west-1\/sagemaker-mlflow\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-mlflow-sm-tracking-server-arn, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['host']).toBeUndefined();
  });

  describe('through MlflowRestTracker to a stand-in MLflow server on 127.0.0.1 that checks every signature', () => {
    let server: StandInMlflowServer;
    beforeEach(async () => {
      server = await startStandInMlflowServer();
    });
    afterEach(async () => {
      await server.close();
    });

    it('every request, GET with a query, POST JSON and PUT bytes, arrives with a signature that verifies', async () => {
      const connection = sageMakerMlflowTracking({ arn: APP_ARN, credentials: CREDENTIALS, clock: CLOCK, endpoint: server.url });
      const ref = await new MlflowRestTracker({ ...connection, uploadArtifacts: true }).logRun({
        experiment: 'strata-dev/seller churn (v3)',
        runName: 'seller-churn v3',
        startedAt: '2026-11-22T10:15:00Z',
        endedAt: '2026-11-22T10:17:30Z',
        status: 'FINISHED',
        params: { max_depth: 6 },
        metrics: { auc_oot: 0.85 },
        tags: { promoted: 'true' },
        artifacts: [{ name: 'plots/roc.svg', contentType: 'image/svg+xml', body: new Uint8Array([0x3c, 0x73, 0x76, 0x67, 0x2f, 0x3e, 0xff]) }],
      });

      expect(ref.url).toBeUndefined();
      expect(server.calls()).toEqual([
        'GET /api/2.0/mlflow/experiments/get-by-name',
        'POST /api/2.0/mlflow/experiments/create',
        'POST /api/2.0/mlflow/runs/create',
        'POST /api/2.0/mlflow/runs/log-batch',
        `PUT /api/2.0/mlflow-artifacts/artifacts/1/${ref.runId}/artifacts/plots/roc.svg`,
        'POST /api/2.0/mlflow/runs/update',
      ]);
      for (const request of server.requests) {
        const verdict = verifySigV4(request, CREDENTIALS.secretAccessKey);
        expect(verdict, `${request.method} ${request.path}`).toMatchObject({ valid: true, scope: '20261122/eu-west-1/sagemaker-mlflow/aws4_request' });
        expect(verdict.signedHeaders).toContain('x-sm-mlflow-app-arn');
        expect(request.headers['x-sm-mlflow-app-arn']).toBe(APP_ARN);
      }
      // A wrong secret does not verify: the check above is not vacuous.
      expect(verifySigV4(server.requests[0]!, 'not-the-secret').valid).toBe(false);
    });
  });
});
