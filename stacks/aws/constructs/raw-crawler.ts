import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../acknowledge-wildcards.ts';

export interface RawCrawlerProps {
  /** Name of the crawler, unique in the account and region. */
  readonly crawlerName: string;
  /** The raw layer bucket it crawls. */
  readonly rawBucket: s3.IBucket;
  /** Name of the Glue database it writes raw tables into. */
  readonly databaseName: string;
  /** The platform key: decrypts raw objects and encrypts the crawler's logs. */
  readonly key: kms.IKey;
  /** A Glue cron expression, e.g. `cron(15 * * * ? *)`. */
  readonly schedule: string;
  /** How long the crawler's (encrypted) logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Prefixes of the raw bucket that are not tables (files still landing, run reports).
   * @default ['landing/**', '_*\/**']
   */
  readonly exclusions?: string[];
}

/**
 * A Glue crawler over the raw layer, so newly arrived tables and partitions
 * show up in the catalog as they were received. Its role reads raw and
 * writes the raw database, nothing else.
 */
export class RawCrawler extends Construct {
  readonly crawler: glue.CfnCrawler;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RawCrawlerProps) {
    super(scope, id);
    const stack = Stack.of(this);

    const securityConfiguration = new glue.SecurityConfiguration(this, 'SecurityConfiguration', {
      securityConfigurationName: `${props.crawlerName}-encryption`,
      s3Encryption: glue.S3Encryption.kms(props.key),
      cloudWatchEncryption: glue.CloudWatchEncryption.kms(props.key),
      jobBookmarksEncryption: glue.JobBookmarksEncryption.clientSideKms(props.key),
      // Holds no data; retaining it would block re-creating the stack (the name is fixed).
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Named, because Glue writes encrypted crawler logs to a log group named after the role
    // and the security configuration; knowing the name lets the stack own that group.
    const roleName = `${props.crawlerName}-${stack.region}`;
    this.role = new iam.Role(this, 'Role', {
      roleName,
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: `Glue crawler ${props.crawlerName}: reads the raw layer, writes the raw catalog database`,
    });
    const databaseArn = stack.formatArn({ service: 'glue', resource: 'database', resourceName: props.databaseName });
    const tablesArn = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${props.databaseName}/*` });
    const rawObjectsArn = props.rawBucket.arnForObjects('*');
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws-glue/crawlers-role/${roleName}-${securityConfiguration.securityConfigurationName}`,
      encryptionKey: props.key,
      retention: props.logRetention,
    });
    const logGroupArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: this.logGroup.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const logStreamsArn = `${logGroupArn}:*`;
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Least privilege for Glue crawler ${props.crawlerName}`,
      statements: [
        new iam.PolicyStatement({ sid: 'ListRaw', actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [props.rawBucket.bucketArn] }),
        new iam.PolicyStatement({ sid: 'ReadRawObjects', actions: ['s3:GetObject'], resources: [rawObjectsArn] }),
        new iam.PolicyStatement({ sid: 'UseLakeKey', actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], resources: [props.key.keyArn] }),
        new iam.PolicyStatement({
          sid: 'WriteRawCatalog',
          // Narrower than the pipelines' Glue grants: with schema-change policy LOG the crawler never deletes.
          actions: [
            'glue:GetDatabase',
            'glue:GetTable',
            'glue:GetTables',
            'glue:CreateTable',
            'glue:UpdateTable',
            'glue:GetPartition',
            'glue:GetPartitions',
            'glue:BatchGetPartition',
            'glue:CreatePartition',
            'glue:BatchCreatePartition',
            'glue:UpdatePartition',
            'glue:BatchUpdatePartition',
          ],
          resources: [stack.formatArn({ service: 'glue', resource: 'catalog' }), databaseArn, tablesArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadSecurityConfiguration',
          actions: ['glue:GetSecurityConfiguration'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'WriteCrawlerLogs',
          actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'],
          resources: [logGroupArn, logStreamsArn],
        }),
      ],
    });
    this.role.addManagedPolicy(policy);
    acknowledgeWildcardResources(policy, [
      { resource: rawObjectsArn, reason: 'The crawler reads every object of the raw layer to infer schemas; object keys are data, unknown at deploy time.' },
      { resource: tablesArn, reason: 'The crawler creates and updates the tables it discovers, only in the raw database.' },
      { resource: '*', reason: 'glue:GetSecurityConfiguration supports no resource-level permissions.' },
      { resource: logStreamsArn, reason: 'Glue names the crawler log streams at run time; the grant stays inside this crawler\'s own log group.' },
    ]);

    this.crawler = new glue.CfnCrawler(this, 'Crawler', {
      name: props.crawlerName,
      role: this.role.roleArn,
      databaseName: props.databaseName,
      description: 'Discovers tables and partitions in the raw layer as they arrive',
      schedule: { scheduleExpression: props.schedule },
      crawlerSecurityConfiguration: securityConfiguration.securityConfigurationName,
      targets: { s3Targets: [{ path: `s3://${props.rawBucket.bucketName}/`, exclusions: props.exclusions ?? ['landing/**', '_*/**'] }] },
      recrawlPolicy: { recrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' },
      schemaChangePolicy: { updateBehavior: 'LOG', deleteBehavior: 'LOG' },
      configuration: JSON.stringify({ Version: 1, Grouping: { TableGroupingPolicy: 'CombineCompatibleSchemas' }, CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } } }),
    });
  }
}
