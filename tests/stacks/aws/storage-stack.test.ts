import { beforeAll, describe, expect, it } from 'vitest';
import { LAYERS } from '../../../config/schema.ts';
import { environmentNamed, environmentWith } from '../../support/environments.ts';
import { bucketFor, synthAws, type SynthesizedAws } from './synth-aws.ts';

describe('storage stack', () => {
  const dev = environmentNamed('dev');
  const prod = environmentNamed('prod');
  let devAws: SynthesizedAws;
  let prodAws: SynthesizedAws;
  beforeAll(() => {
    devAws = synthAws(dev);
    prodAws = synthAws(prod);
  });

  it('encrypts each of the four layer buckets with the customer-managed key, with S3 Bucket Keys', () => {
    const template = prodAws.templates.storage;
    const [keyId] = Object.keys(template.findResources('AWS::KMS::Key'));
    for (const layer of LAYERS) {
      const { resource } = bucketFor(template, prod, layer);
      expect(resource.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } } },
      ]);
    }
  });

  it('rotates the customer-managed key', () => {
    prodAws.templates.storage.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('encrypts the access-log bucket with S3-managed keys, the only kind S3 log delivery accepts', () => {
    const { resource } = bucketFor(prodAws.templates.storage, prod, 'access-logs');
    expect(resource.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
  });

  it('blocks all public access and enforces TLS 1.2+ on every bucket', () => {
    const template = prodAws.templates.storage;
    const buckets = template.findResources('AWS::S3::Bucket');
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(Object.keys(buckets)).toHaveLength(5);
    for (const [logicalId, bucket] of Object.entries(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      const policy = policies.find((candidate) => candidate.Properties.Bucket.Ref === logicalId);
      const statements = policy?.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }));
    }
  });

  it('versions the raw layer and expires its old versions after the configured days', () => {
    const { resource } = bucketFor(prodAws.templates.storage, prod, 'raw');
    expect(resource.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(resource.Properties.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: prod.storage.rawNoncurrentVersionExpireDays } }),
    );
  });

  it('does not version the derived layers', () => {
    for (const layer of ['trusted', 'refined', 'dataquality']) {
      expect(bucketFor(prodAws.templates.storage, prod, layer).resource.Properties.VersioningConfiguration).toBeUndefined();
    }
  });

  it('sends every layer bucket\'s access logs to the access-log bucket under the layer\'s prefix', () => {
    const logBucket = bucketFor(prodAws.templates.storage, prod, 'access-logs').logicalId;
    for (const layer of LAYERS) {
      expect(bucketFor(prodAws.templates.storage, prod, layer).resource.Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logBucket },
        LogFilePrefix: `${layer}/`,
      });
    }
  });

  it('tiers and expires each layer as its lifecycle in the environment file says', () => {
    const rule = (environment: typeof dev, aws: SynthesizedAws, layer: string) =>
      (bucketFor(aws.templates.storage, environment, layer).resource.Properties.LifecycleConfiguration.Rules as Array<Record<string, any>>).find(
        (candidate) => candidate.Id === 'layer-lifecycle',
      );
    expect(rule(dev, devAws, 'raw')).toMatchObject({ ExpirationInDays: 90, Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }] });
    expect(rule(dev, devAws, 'dataquality')).toMatchObject({ ExpirationInDays: 30 });
    expect(rule(dev, devAws, 'dataquality')?.Transitions).toBeUndefined();
    expect(rule(prod, prodAws, 'refined')).toMatchObject({ Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 180 }] });
    expect(rule(prod, prodAws, 'refined')?.ExpirationInDays).toBeUndefined();
  });

  it('adds no tiering rule to a layer whose lifecycle is empty', () => {
    const environment = environmentWith('dev', (document) => {
      document.storage.lifecycle.refined = {};
    });
    const aws = synthAws(environment);
    const rules = bucketFor(aws.templates.storage, environment, 'refined').resource.Properties.LifecycleConfiguration.Rules as Array<{ Id: string }>;
    expect(rules.map((rule) => rule.Id)).toEqual(['abort-incomplete-uploads']);
  });

  it('retains buckets and the key on stack deletion unless the environment opts in to destroy', () => {
    for (const resource of Object.values({ ...prodAws.templates.storage.findResources('AWS::S3::Bucket'), ...prodAws.templates.storage.findResources('AWS::KMS::Key') })) {
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('deletes buckets and the key with the stack when the environment opts in (destroyOnDelete: true)', () => {
    expect(dev.retention.destroyOnDelete).toBe(true);
    for (const resource of Object.values({ ...devAws.templates.storage.findResources('AWS::S3::Bucket'), ...devAws.templates.storage.findResources('AWS::KMS::Key') })) {
      expect(resource.DeletionPolicy).toBe('Delete');
    }
  });

  it('lets CloudWatch Logs of this account use the key, and no other service', () => {
    const key = Object.values(prodAws.templates.storage.findResources('AWS::KMS::Key'))[0]!;
    const servicePrincipals = (key.Properties.KeyPolicy.Statement as Array<Record<string, any>>).flatMap((statement) => statement.Principal?.Service ?? []);
    expect(servicePrincipals).toEqual(['logs.eu-west-1.amazonaws.com']);
  });
});
