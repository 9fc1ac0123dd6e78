import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { HANDLER_CLASSES, LAYERS, type HandlerClass, type Layer } from '../../../config/schema.ts';
import { HANDLER_ACCESS } from '../../../pipelines/access.ts';
import { acknowledgeWildcardResources } from '../acknowledge-wildcards.ts';
import { AwsNames } from '../aws-names.ts';
import { DataAccessPolicy, type WorkgroupAccess } from '../constructs/data-access-policy.ts';
import type { DataLakeStorage } from '../constructs/data-lake-storage.ts';
import { referenceLayerBuckets } from '../lake-references.ts';
import type { PlatformStackProps } from './platform-stack-props.ts';

export interface AccessStackProps extends PlatformStackProps {
  readonly storage: DataLakeStorage;
}

/**
 * IAM: one role per handler class, limited to the layers it reads and
 * writes (pipelines/access.ts), and a BI role that reads refined only.
 */
export class AccessStack extends Stack {
  readonly handlerRoles: Record<HandlerClass, iam.Role>;
  readonly biRole: iam.Role;

  constructor(scope: Construct, id: string, props: AccessStackProps) {
    super(scope, id, props);
    const { environment, storage } = props;
    const names = new AwsNames(environment, this);
    const resultsBucket = s3.Bucket.fromBucketName(this, 'QueryResults', names.queryResultsBucket);
    const common = {
      buckets: referenceLayerBuckets(this, names, storage.key),
      databaseNames: Object.fromEntries(LAYERS.map((layer) => [layer, names.database(layer)])) as Record<Layer, string>,
      key: storage.key,
    };
    const workgroup = (workgroupName: string): WorkgroupAccess => ({ workgroupName, resultsBucket, resultsPrefix: names.queryResultsPrefix(workgroupName) });

    const handlerRoles = {} as Record<HandlerClass, iam.Role>;
    for (const handlerClass of HANDLER_CLASSES) {
      const access = HANDLER_ACCESS[handlerClass];
      const role = new iam.Role(this, `${handlerClass}Role`, {
        roleName: names.handlerRole(handlerClass),
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Strata ${environment.name} ${handlerClass} handlers: ${access.description}`,
      });
      const data = new DataAccessPolicy(this, `${handlerClass}DataAccess`, {
        ...common,
        description: `Strata ${environment.name} ${handlerClass} handlers: layer access`,
        reads: access.reads,
        writes: access.writes,
        deletes: access.deletes,
        workgroup: access.queries ? workgroup(names.platformWorkgroup) : undefined,
      });
      role.addManagedPolicy(data.policy);
      role.addManagedPolicy(this.logsPolicy(handlerClass, names));
      handlerRoles[handlerClass] = role;
    }
    this.handlerRoles = handlerRoles;

    this.biRole = new iam.Role(this, 'BiRole', {
      assumedBy: new iam.AccountPrincipal(this.account),
      description: `Strata ${environment.name} BI: reads the refined layer through the BI workgroup, nothing else`,
    });
    this.biRole.addManagedPolicy(
      new DataAccessPolicy(this, 'BiDataAccess', {
        ...common,
        description: `Strata ${environment.name} BI: read refined`,
        reads: [{ layer: 'refined' }],
        writes: [],
        deletes: [],
        workgroup: workgroup(names.biWorkgroup),
      }).policy,
    );
  }

  /** Handlers write their own log groups only (no AWS managed policy, which grants every log group). */
  private logsPolicy(handlerClass: HandlerClass, names: AwsNames): iam.ManagedPolicy {
    const functionPrefix = names.functionPrefix(handlerClass);
    const logGroups = this.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `/aws/lambda/${functionPrefix}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const logStreams = `${logGroups}:*`;
    const policy = new iam.ManagedPolicy(this, `${handlerClass}Logs`, {
      description: `${functionPrefix} handlers: write their own logs`,
      statements: [new iam.PolicyStatement({ actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroups, logStreams] })],
    });
    acknowledgeWildcardResources(policy, [
      { resource: logGroups, reason: `Log groups of the ${functionPrefix}-* functions only; function names get a suffix at deploy time.` },
      { resource: logStreams, reason: 'Lambda names log streams at run time; the grant stays inside this class of functions\' log groups.' },
    ]);
    return policy;
  }
}
