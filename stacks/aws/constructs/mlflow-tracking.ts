import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import type { Environment } from '../../../config/schema.ts';
import { resourceName } from '../../shared/naming.ts';
import { acknowledgeWildcardResources } from '../acknowledge-wildcards.ts';
import { AwsNames } from '../aws-names.ts';

/** Where MLflow keeps run artifacts: the refined layer, beside the lake's own model registry. */
export const MLFLOW_ARTIFACT_PREFIX = '_ml/mlflow/';

/**
 * What the handlers' MLflow client calls (lambdas/adapters/tracking/mlflow-rest-tracker.ts):
 * experiments/get-by-name, experiments/create, runs/create, runs/log-batch,
 * runs/update. Each MLflow REST call is its own `sagemaker-mlflow:` action
 * (Service Authorization Reference, "Amazon SageMaker with MLflow").
 */
export const MLFLOW_TRACKING_ACTIONS = [
  'sagemaker-mlflow:GetExperimentByName',
  'sagemaker-mlflow:CreateExperiment',
  'sagemaker-mlflow:CreateRun',
  'sagemaker-mlflow:LogBatch',
  'sagemaker-mlflow:UpdateRun',
] as const;

/** cfn-lint's "resource type does not exist in the region" rule. */
export const CFN_LINT_UNKNOWN_TYPE = 'E3006';

/** Size of the always-on tracking server (`server` mode): the smallest, ~$0.60/h. */
export const TRACKING_SERVER_SIZE = 'Small';

export interface MlflowTrackingProps {
  readonly environment: Environment;
  /** The lake key: the artifact store lives in the refined bucket. */
  readonly key: kms.IKey;
}

/**
 * SageMaker managed MLflow, as `sizing.mlflow.mode` asks: a serverless MLflow
 * App (no idle cost), an always-on tracking server, or nothing (runs are then
 * tracked in the lake). Its artifact store is the refined bucket under
 * `_ml/mlflow/`, written by a role that can reach that prefix and the lake
 * key and nothing else.
 */
export class MlflowTracking extends Construct {
  readonly mode: Environment['sizing']['mlflow']['mode'];
  /** The App's or tracking server's ARN (what STRATA_MLFLOW_ARN carries); undefined when off. */
  readonly arn?: string;
  /** `s3://<refined>/_ml/mlflow/`. */
  readonly artifactStoreUri?: string;
  readonly role?: iam.Role;
  readonly app?: sagemaker.CfnMlflowApp;
  readonly trackingServer?: sagemaker.CfnMlflowTrackingServer;

  constructor(scope: Construct, id: string, props: MlflowTrackingProps) {
    super(scope, id);
    const { environment } = props;
    this.mode = environment.sizing.mlflow.mode;
    if (this.mode === 'off') return;

    const stack = Stack.of(this);
    const names = new AwsNames(environment, this);
    const refined = s3.Bucket.fromBucketName(this, 'Refined', names.layerBucket('refined'));
    this.artifactStoreUri = `s3://${refined.bucketName}/${MLFLOW_ARTIFACT_PREFIX}`;

    this.role = new iam.Role(this, 'ArtifactStoreRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `Strata ${environment.name} MLflow: reads and writes its artifact store, refined/${MLFLOW_ARTIFACT_PREFIX}`,
    });
    const artifacts = refined.arnForObjects(`${MLFLOW_ARTIFACT_PREFIX}*`);
    const policy = new iam.ManagedPolicy(this, 'ArtifactStorePolicy', {
      description: `Strata ${environment.name} MLflow: its artifact store only`,
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({ sid: 'Artifacts', actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], resources: [artifacts] }),
        new iam.PolicyStatement({
          sid: 'ListArtifacts',
          actions: ['s3:ListBucket'],
          resources: [refined.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${MLFLOW_ARTIFACT_PREFIX}*`] } },
        }),
        new iam.PolicyStatement({ sid: 'LocateBucket', actions: ['s3:GetBucketLocation'], resources: [refined.bucketArn] }),
        new iam.PolicyStatement({
          sid: 'LakeKeyThroughS3',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
      ],
    });
    acknowledgeWildcardResources(policy, [
      { resource: artifacts, reason: `MLflow names artifact objects per run; the grant stays under refined/${MLFLOW_ARTIFACT_PREFIX}.` },
    ]);

    const name = resourceName(environment);
    if (this.mode === 'serverless') {
      this.app = new sagemaker.CfnMlflowApp(this, 'App', {
        name,
        artifactStoreUri: this.artifactStoreUri,
        roleArn: this.role.roleArn,
        modelRegistrationMode: 'AutoModelRegistrationDisabled',
      });
      this.app.node.addDependency(policy);
      // cfn-lint 1.51's resource specs predate the type (E3006 "does not exist" in every region), though CloudFormation
      // documents it and aws-cdk-lib has its L1: its regions cannot be checked offline. docs/deploy.md, "Before the first
      // deploy", says how to confirm the region, and `sizing.mlflow.mode: server` or `off` avoids the type.
      this.app.cfnOptions.metadata = { ...this.app.cfnOptions.metadata, 'cfn-lint': { config: { ignore_checks: [CFN_LINT_UNKNOWN_TYPE] } } };
      this.arn = this.app.attrArn;
    } else {
      this.trackingServer = new sagemaker.CfnMlflowTrackingServer(this, 'TrackingServer', {
        trackingServerName: name,
        trackingServerSize: TRACKING_SERVER_SIZE,
        artifactStoreUri: this.artifactStoreUri,
        roleArn: this.role.roleArn,
        automaticModelRegistration: false,
      });
      this.trackingServer.node.addDependency(policy);
      this.arn = this.trackingServer.attrTrackingServerArn;
    }
  }

  /**
   * What a client needs to track runs: the MLflow REST actions the handlers
   * call, on this App or server only (an App also needs sagemaker:CallMlflowAppApi).
   * Empty when off.
   */
  trackingStatements(): iam.PolicyStatement[] {
    if (!this.arn) return [];
    return [
      new iam.PolicyStatement({
        sid: 'TrackRuns',
        actions: [...(this.mode === 'serverless' ? ['sagemaker:CallMlflowAppApi'] : []), ...MLFLOW_TRACKING_ACTIONS],
        resources: [this.arn],
      }),
    ];
  }
}
