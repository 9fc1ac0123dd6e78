import { beforeAll, describe, expect, it } from 'vitest';
import { environmentNamed } from '../../support/environments.ts';
import { bucketFor, synthAws, type SynthesizedAws } from './synth-aws.ts';

describe('analytics stack', () => {
  const prod = environmentNamed('prod');
  const dev = environmentNamed('dev');
  let aws: SynthesizedAws;
  let devAws: SynthesizedAws;
  beforeAll(() => {
    aws = synthAws(prod);
    devAws = synthAws(dev);
  });

  const workgroup = (template: SynthesizedAws, name: string) =>
    Object.values(template.templates.analytics.findResources('AWS::Athena::WorkGroup')).find((candidate) => candidate.Properties.Name === name)!;

  it('runs the platform workgroup on engine v3 with an enforced configuration and the scan cut-off from config', () => {
    const configuration = workgroup(aws, 'strata-prod').Properties.WorkGroupConfiguration;
    expect(configuration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
      BytesScannedCutoffPerQuery: prod.analytics.bytesScannedCutoffMb * 1024 * 1024,
      PublishCloudWatchMetricsEnabled: true,
    });
  });

  it('gives the BI workgroup its own, smaller cut-off', () => {
    expect(workgroup(aws, 'strata-prod-bi').Properties.WorkGroupConfiguration.BytesScannedCutoffPerQuery).toBe(prod.analytics.biBytesScannedCutoffMb * 1024 * 1024);
    expect(workgroup(devAws, 'strata-dev').Properties.WorkGroupConfiguration.BytesScannedCutoffPerQuery).toBe(1024 * 1024 * 1024);
  });

  it('encrypts query results with the platform key in a per-workgroup prefix of the results bucket', () => {
    for (const name of ['strata-prod', 'strata-prod-bi']) {
      const result = workgroup(aws, name).Properties.WorkGroupConfiguration.ResultConfiguration;
      expect(result.EncryptionConfiguration.EncryptionOption).toBe('SSE_KMS');
      expect(result.EncryptionConfiguration.KmsKey['Fn::ImportValue']).toMatch(/^strata-prod-storage:.*LakeKey/);
      // An ACL header on result objects would need s3:PutObjectAcl, which no role has.
      expect(result.AclConfiguration).toBeUndefined();
      expect(JSON.stringify(result.OutputLocation)).toContain(`"/${name}/"`);
    }
  });

  it('expires query results after the configured days, in a KMS-encrypted bucket without public access', () => {
    const { resource } = bucketFor(aws.templates.analytics, prod, 'athena-results');
    expect(resource.Properties.LifecycleConfiguration.Rules).toContainEqual(expect.objectContaining({ ExpirationInDays: prod.analytics.resultsExpireDays }));
    expect(resource.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    expect(resource.Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
  });

  it('keeps workgroup history on delete in prod and lets dev delete it recursively', () => {
    expect(workgroup(aws, 'strata-prod').Properties.RecursiveDeleteOption).toBe(false);
    expect(workgroup(devAws, 'strata-dev').Properties.RecursiveDeleteOption).toBe(true);
  });
});
