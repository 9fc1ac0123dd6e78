import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Layer } from '../../../config/schema.ts';
import type { LayerGrant } from '../../../pipelines/access.ts';
import { acknowledgeWildcardResources } from '../acknowledge-wildcards.ts';

export interface WorkgroupAccess {
  readonly workgroupName: string;
  readonly resultsBucket: s3.IBucket;
  /** Prefix of this workgroup's results in the bucket, e.g. `strata-dev/`. */
  readonly resultsPrefix: string;
}

export interface DataAccessPolicyProps {
  readonly description: string;
  readonly reads: readonly LayerGrant[];
  readonly writes: readonly LayerGrant[];
  readonly deletes: readonly LayerGrant[];
  readonly buckets: Record<Layer, s3.IBucket>;
  /** Glue database name per layer. */
  readonly databaseNames: Record<Layer, string>;
  readonly key: kms.IKey;
  /**
   * The Athena workgroup this principal may run queries in.
   * @default - no Athena access
   */
  readonly workgroup?: WorkgroupAccess;
}

export const GLUE_READ = ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'];
export const GLUE_WRITE = [
  'glue:CreateTable',
  'glue:UpdateTable',
  'glue:DeleteTable',
  'glue:CreatePartition',
  'glue:BatchCreatePartition',
  'glue:UpdatePartition',
  'glue:BatchUpdatePartition',
  'glue:DeletePartition',
  'glue:BatchDeletePartition',
];
/** What Athena reads of the `default` database for any query. */
export const ATHENA_DEFAULT_DATABASE = ['glue:GetDatabase', 'glue:GetTable'];
const S3_WRITE = ['s3:PutObject', 's3:AbortMultipartUpload'];
const ATHENA_QUERY = [
  'athena:StartQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  // JDBC/ODBC drivers (BI tools) stream results.
  'athena:GetQueryResultsStream',
  'athena:StopQueryExecution',
  'athena:GetWorkGroup',
];
// What BI tools call to browse: the Glue catalog as Athena's data catalog.
const ATHENA_CATALOG = ['athena:GetDataCatalog', 'athena:ListDatabases', 'athena:GetDatabase', 'athena:ListTableMetadata', 'athena:GetTableMetadata'];

/**
 * A customer-managed policy that grants exactly the layers (and prefixes) a
 * principal reads and writes, the catalog entries of those layers, the key,
 * and optionally one Athena workgroup. Explicit actions only: no `*` action
 * on any data service. Each wildcard resource (object keys, table names) is
 * acknowledged to cdk-nag with the reason it cannot be narrower.
 */
export class DataAccessPolicy extends Construct {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: DataAccessPolicyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const statements: iam.PolicyStatement[] = [];
    const wildcards = new Map<string, string>();

    const objectsOf = (grant: LayerGrant, access: 'read' | 'write' | 'delete') => {
      const arn = props.buckets[grant.layer].arnForObjects(`${grant.prefix ?? ''}*`);
      const where = grant.prefix ? `under ${grant.prefix} in the ${grant.layer} layer` : `in the ${grant.layer} layer`;
      wildcards.set(arn, `Object-level ${access} ${where}; object keys are data, unknown at deploy time.`);
      return arn;
    };
    for (const grant of props.reads) statements.push(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objectsOf(grant, 'read')] }));
    for (const grant of props.writes) statements.push(new iam.PolicyStatement({ actions: S3_WRITE, resources: [objectsOf(grant, 'write')] }));
    for (const grant of props.deletes) statements.push(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [objectsOf(grant, 'delete')] }));
    statements.push(...listingStatements([...props.reads, ...props.writes], props.buckets));

    // The catalog is for querying: only a principal with a workgroup reads it, and
    // registers partitions (each commit's, GlueTableCatalog) in the layers it writes.
    if (props.workgroup) {
      const catalogArn = stack.formatArn({ service: 'glue', resource: 'catalog' });
      const databaseArn = (layer: Layer) => stack.formatArn({ service: 'glue', resource: 'database', resourceName: props.databaseNames[layer] });
      const tablesArn = (layer: Layer) => {
        const arn = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${props.databaseNames[layer]}/*` });
        wildcards.set(arn, `Tables of the ${layer} database are created by the pipelines; the grant stays inside that database.`);
        return arn;
      };
      const catalogResources = (layers: Layer[]) => [catalogArn, ...layers.map(databaseArn), ...layers.map(tablesArn)];
      const touchedLayers = unique([...props.reads, ...props.writes].map((grant) => grant.layer));
      const writtenLayers = unique(props.writes.map((grant) => grant.layer));
      // Athena looks up the `default` database (the context of a statement that
      // names none) before running anything; it holds no table of the platform.
      statements.push(
        new iam.PolicyStatement({
          sid: 'AthenaDefaultDatabase',
          actions: ATHENA_DEFAULT_DATABASE,
          resources: [catalogArn, stack.formatArn({ service: 'glue', resource: 'database', resourceName: 'default' })],
        }),
      );
      if (touchedLayers.length > 0) statements.push(new iam.PolicyStatement({ actions: GLUE_READ, resources: catalogResources(touchedLayers) }));
      if (writtenLayers.length > 0) statements.push(new iam.PolicyStatement({ actions: GLUE_WRITE, resources: catalogResources(writtenLayers) }));
    }

    const decrypts = props.reads.length > 0 || props.writes.length > 0 || props.workgroup !== undefined;
    const encrypts = props.writes.length > 0 || props.workgroup !== undefined;
    const keyActions = [...(decrypts ? ['kms:Decrypt'] : []), ...(encrypts ? ['kms:Encrypt', 'kms:GenerateDataKey'] : [])];
    if (keyActions.length > 0) statements.push(new iam.PolicyStatement({ actions: keyActions, resources: [props.key.keyArn] }));

    if (props.workgroup) {
      const { workgroupName, resultsBucket, resultsPrefix } = props.workgroup;
      const resultObjects = resultsBucket.arnForObjects(`${resultsPrefix}*`);
      wildcards.set(resultObjects, `Athena names result objects per query; the grant stays under the ${workgroupName} workgroup's prefix.`);
      statements.push(
        new iam.PolicyStatement({ actions: ATHENA_QUERY, resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: workgroupName })] }),
        new iam.PolicyStatement({ actions: ATHENA_CATALOG, resources: [stack.formatArn({ service: 'athena', resource: 'datacatalog', resourceName: 'AwsDataCatalog' })] }),
        new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [resultsBucket.bucketArn] }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [resultsBucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${resultsPrefix}*`] } } }),
        new iam.PolicyStatement({ actions: ['s3:GetObject', ...S3_WRITE], resources: [resultObjects] }),
      );
    }

    this.policy = new iam.ManagedPolicy(this, 'Policy', { description: props.description, statements });
    acknowledgeWildcardResources(this.policy, [...wildcards].map(([resource, reason]) => ({ resource, reason })));
  }
}

/** One ListBucket per bucket: unrestricted if any grant covers the whole layer, else limited to the granted prefixes. */
function listingStatements(grants: readonly LayerGrant[], buckets: Record<Layer, s3.IBucket>): iam.PolicyStatement[] {
  const prefixesByLayer = new Map<Layer, Set<string> | 'all'>();
  for (const grant of grants) {
    const known = prefixesByLayer.get(grant.layer);
    if (grant.prefix === undefined || known === 'all') prefixesByLayer.set(grant.layer, 'all');
    else prefixesByLayer.set(grant.layer, new Set([...(known ?? []), grant.prefix]));
  }
  return [...prefixesByLayer].map(
    ([layer, prefixes]) =>
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [buckets[layer].bucketArn],
        conditions: prefixes === 'all' ? undefined : { StringLike: { 's3:prefix': [...prefixes].map((prefix) => `${prefix}*`) } },
      }),
  );
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
