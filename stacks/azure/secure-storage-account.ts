/**
 * The security settings every Strata storage account shares (the lake and
 * the function apps' runtime account): one list, so the two cannot drift.
 * Entra ID only (no shared keys, no local users, no SFTP), TLS 1.2 and HTTPS
 * only, no public blobs, no cross-tenant replication, double encryption.
 */
export const SECURE_STORAGE_ACCOUNT = {
  accountKind: 'StorageV2',
  accountTier: 'Standard',
  accountReplicationType: 'ZRS',
  minTlsVersion: 'TLS1_2',
  httpsTrafficOnlyEnabled: true,
  allowNestedItemsToBePublic: false,
  sharedAccessKeyEnabled: false,
  defaultToOauthAuthentication: true,
  crossTenantReplicationEnabled: false,
  localUserEnabled: false,
  sftpEnabled: false,
  infrastructureEncryptionEnabled: true,
} as const;
