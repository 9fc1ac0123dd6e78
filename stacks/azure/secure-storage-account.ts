import type { StorageAccountConfig } from '@cdktf/provider-azurerm/lib/storage-account/index.js';

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

/**
 * A Strata storage account's network access: with public access (`network.publicAccess`)
 * nothing is set, so the provider defaults apply (public endpoint, no firewall); without it,
 * public network access is off, which leaves the account's private endpoints as the only way
 * in, and the firewall denies by default (trusted Azure services pass, should public access
 * ever be turned back on to selected networks).
 */
export function storageNetworkAccess(publicAccess: boolean): Pick<StorageAccountConfig, 'publicNetworkAccessEnabled' | 'networkRules'> {
  if (publicAccess) return {};
  return { publicNetworkAccessEnabled: false, networkRules: { defaultAction: 'Deny', bypass: ['AzureServices'] } };
}
