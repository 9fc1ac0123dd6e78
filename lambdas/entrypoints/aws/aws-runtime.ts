/**
 * Wiring for AWS: the ports on S3, Athena (commits published to Glue) and Secrets Manager, settings from
 * the function's environment, and Powertools logging and metrics around
 * every handler (duration, rows in, rows out per step).
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { LAYERS, type Layer } from '../../../config/schema.ts';
import { AthenaQueryEngine } from '../../adapters/aws/athena-query-engine.ts';
import { GlueTableCatalog } from '../../adapters/aws/glue-table-catalog.ts';
import { S3ObjectStore, layerBucketsFromEnv } from '../../adapters/aws/s3-object-store.ts';
import { sageMakerMlflowTracking } from '../../adapters/aws/sagemaker-mlflow-signer.ts';
import { SecretsManagerSecretStore } from '../../adapters/aws/secrets-manager-secret-store.ts';
import { MlflowRestTracker } from '../../adapters/tracking/mlflow-rest-tracker.ts';
import { ObjectStoreTracker } from '../../adapters/tracking/object-store-tracker.ts';
import { rowCount, type Handler, type HandlerPorts, type HandlerSettings } from '../../handlers/handler-ports.ts';
import { systemClock } from '../../ports/clock.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set; the stack sets it on every pipeline function`);
  return value;
}

function awsPorts(): HandlerPorts {
  const buckets = layerBucketsFromEnv(process.env);
  const store = new S3ObjectStore({ buckets });
  const databases = Object.fromEntries(LAYERS.map((layer) => [layer, required(`STRATA_DATABASE_${layer.toUpperCase()}`)])) as Record<Layer, string>;
  const athena = new AthenaClient({});
  // Each commit's pointer is mirrored into the table's Glue partitions, which Athena reads.
  const catalog = new GlueTableCatalog({ client: new GlueClient({}), databases, buckets });
  let sessions = 0;
  return {
    store,
    secrets: new SecretsManagerSecretStore(),
    clock: systemClock,
    settings: JSON.parse(required('STRATA_SETTINGS')) as HandlerSettings,
    // mlflow.mode off leaves STRATA_MLFLOW_ARN unset: runs are kept in the lake instead.
    tracker: process.env.STRATA_MLFLOW_ARN
      ? new MlflowRestTracker(sageMakerMlflowTracking({ arn: process.env.STRATA_MLFLOW_ARN }))
      : new ObjectStoreTracker(store),
    openEngine: async () =>
      new AthenaQueryEngine({
        client: athena,
        workgroup: required('STRATA_WORKGROUP'),
        databases,
        buckets,
        store,
        catalog,
        sessionId: `${Date.now().toString(36)}_${(sessions += 1)}`,
      }),
  };
}


/** A Lambda handler for one of the pipeline handlers, with logs and metrics. */
export function awsHandler(step: string, factory: (ports: HandlerPorts) => Handler): (event: unknown) => Promise<unknown> {
  const logger = new Logger();
  const metrics = new Metrics({ defaultDimensions: { step } });
  let handler: Handler | undefined;
  return async (event) => {
    handler ??= factory(awsPorts());
    const started = Date.now();
    try {
      const result = (await handler(event)) as Record<string, unknown> | undefined;
      const seconds = (Date.now() - started) / 1000;
      metrics.addMetric('StepDuration', MetricUnit.Seconds, seconds);
      const rowsIn = rowCount(result?.rowsIn);
      const rowsOut = rowCount(result?.rowsOut);
      if (rowsIn !== undefined) metrics.addMetric('RowsIn', MetricUnit.Count, rowsIn);
      if (rowsOut !== undefined) metrics.addMetric('RowsOut', MetricUnit.Count, rowsOut);
      logger.info('step finished', { step, seconds, rowsIn, rowsOut });
      return result;
    } catch (error) {
      logger.error('step failed', { step, seconds: (Date.now() - started) / 1000, error: error as Error });
      metrics.addMetric('StepFailed', MetricUnit.Count, 1);
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
