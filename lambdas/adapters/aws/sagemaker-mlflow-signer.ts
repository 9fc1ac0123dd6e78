/**
 * SigV4 for SageMaker managed MLflow, done the way AWS's `sagemaker-mlflow`
 * plugin does it (sagemaker_mlflow/auth.py, mlflow_sagemaker_helpers.py,
 * mlflow_sagemaker_request_header_provider.py):
 * - service name `sagemaker-mlflow`, region from the ARN;
 * - endpoint `https://mlflow.sagemaker.<region>.app.aws` for an MLflow App
 *   (serverless), `https://<region>.experiments.sagemaker.aws` for a tracking server;
 * - the resource ARN in a routing header, signed with the rest:
 *   `x-sm-mlflow-app-arn` (App) or `x-mlflow-sm-tracking-server-arn` (server);
 * - `x-amz-content-sha256` set to the body's hash.
 * The MLflow REST calls themselves are MlflowRestTracker's.
 */
import { createHash, createHmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Hash, SourceData } from '@smithy/types';
import type { Clock } from '../../ports/clock.ts';
import { systemClock } from '../../ports/clock.ts';
import type { MlflowConnection, MlflowHttpRequest } from '../tracking/mlflow-rest-tracker.ts';

export const SAGEMAKER_MLFLOW_SIGNING_SERVICE = 'sagemaker-mlflow';

export interface SageMakerMlflowArn {
  readonly arn: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly resourceType: 'mlflow-app' | 'mlflow-tracking-server';
  readonly resourceId: string;
}

/** Splits and checks `arn:<partition>:sagemaker:<region>:<account>:mlflow-app|mlflow-tracking-server/<id>`. */
export function parseSageMakerMlflowArn(arn: string): SageMakerMlflowArn {
  const match = /^arn:(aws|aws-us-gov):sagemaker:([a-z0-9-]+):(\d{12}):(mlflow-app|mlflow-tracking-server)\/(.+)$/.exec(arn);
  if (!match) {
    throw new Error(
      `sageMakerMlflowTracking: "${arn}" is not a SageMaker MLflow ARN (arn:aws:sagemaker:<region>:<account>:mlflow-app/<id> or :mlflow-tracking-server/<name>, partitions aws and aws-us-gov)`,
    );
  }
  const [, partition, region, account, resourceType, resourceId] = match as unknown as [string, string, string, string, SageMakerMlflowArn['resourceType'], string];
  return { arn, partition, region, account, resourceType, resourceId };
}

/** The endpoint the plugin derives from the ARN (both partitions it supports use the `aws` DNS suffix). */
export function sageMakerMlflowEndpoint(parsed: SageMakerMlflowArn): string {
  return parsed.resourceType === 'mlflow-app' ? `https://mlflow.sagemaker.${parsed.region}.app.aws` : `https://${parsed.region}.experiments.sagemaker.aws`;
}

/** The routing header that names the MLflow resource. */
export function sageMakerMlflowArnHeader(parsed: SageMakerMlflowArn): Record<string, string> {
  return parsed.resourceType === 'mlflow-app' ? { 'x-sm-mlflow-app-arn': parsed.arn } : { 'x-mlflow-sm-tracking-server-arn': parsed.arn };
}

export interface SageMakerMlflowTrackingOptions {
  /** MLflow App (`CfnMlflowApp.attrArn`) or tracking server (`attrTrackingServerArn`) ARN. */
  readonly arn: string;
  /** Must equal the ARN's region when given (the endpoint and the signature are regional). */
  readonly region?: string;
  /** @default the Node default chain (env, SSO/ini, web identity, ECS/IMDS; the Lambda role) */
  readonly credentials?: AwsCredentialIdentityProvider | AwsCredentialIdentity;
  /** Replaces the derived endpoint (the plugin's SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT), e.g. a VPC endpoint. */
  readonly endpoint?: string;
  /** Signing time; tests pin it. @default systemClock */
  readonly clock?: Clock;
}

/** `baseUrl` + SigV4 `authorize` for MlflowRestTracker, from the MLflow resource's ARN. */
export function sageMakerMlflowTracking(options: SageMakerMlflowTrackingOptions): MlflowConnection {
  const parsed = parseSageMakerMlflowArn(options.arn);
  if (options.region !== undefined && options.region !== parsed.region) {
    throw new Error(`sageMakerMlflowTracking: region "${options.region}" differs from the ARN's region "${parsed.region}" (${options.arn})`);
  }
  const signer = new SignatureV4({
    service: SAGEMAKER_MLFLOW_SIGNING_SERVICE,
    region: parsed.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: true,
  });
  const clock = options.clock ?? systemClock;
  const routing = sageMakerMlflowArnHeader(parsed);

  const authorize = async (request: MlflowHttpRequest): Promise<Record<string, string>> => {
    const url = new URL(request.url);
    const headers: Record<string, string> = { ...lowerCased(request.headers), ...routing, host: url.host };
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: decodedQuery(url.search),
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
      },
      { signingDate: clock.now() },
    );
    // fetch sets Host from the URL itself; hand back everything else the signature covers.
    const { host: _host, ...extra } = signed.headers;
    return extra;
  };

  return {
    baseUrl: (options.endpoint ?? sageMakerMlflowEndpoint(parsed)).replace(/\/+$/, ''),
    authorize,
    // The MLflow UI needs a presigned URL (CreatePresignedMlflowAppUrl / ...TrackingServerUrl); there is no stable run link.
    runUrl: () => undefined,
  };
}

/**
 * Query parameters decoded with decodeURIComponent (a `+` stays a `+`), as
 * the signer wants them: it re-encodes them RFC 3986 style, which matches
 * what MlflowRestTracker puts on the wire (encodeURIComponent, spaces as %20).
 * The plugin rewrites `+` to `%20` for the same reason.
 */
function decodedQuery(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const key = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
    const value = at < 0 ? '' : decodeURIComponent(pair.slice(at + 1));
    const existing = query[key];
    query[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** SHA-256 / HMAC-SHA-256 from node:crypto, in the shape SignatureV4 asks for. */
class NodeSha256 implements Hash {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function bytes(data: SourceData): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
