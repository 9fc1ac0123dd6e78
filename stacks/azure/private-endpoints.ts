/**
 * The private endpoints of one Azure resource: one per private link
 * subresource it is reached through (a storage account's blob and dfs, a
 * vault, a function app's site), each in the platform's private endpoint
 * subnet, approved automatically (the deployer owns both sides), with a DNS
 * zone group that writes its A record into the subresource's private DNS zone.
 *
 * The zone names are Microsoft's (Azure Private Endpoint DNS configuration,
 * https://learn.microsoft.com/azure/private-link/private-endpoint-dns);
 * a function app's `sites` endpoint serves its SCM (deployment) host too.
 */
import { Construct } from 'constructs';
import { PrivateEndpoint } from '@cdktf/provider-azurerm/lib/private-endpoint/index.js';
import type { Environment } from '../../config/schema.ts';
import { resourceName } from '../shared/naming.ts';

/** Private link subresources (group ids) Strata makes endpoints for, and the private DNS zone of each. */
export const PRIVATE_DNS_ZONES = {
  blob: 'privatelink.blob.core.windows.net',
  dfs: 'privatelink.dfs.core.windows.net',
  queue: 'privatelink.queue.core.windows.net',
  table: 'privatelink.table.core.windows.net',
  vault: 'privatelink.vaultcore.azure.net',
  sites: 'privatelink.azurewebsites.net',
} as const;
export type PrivateLinkSubresource = keyof typeof PRIVATE_DNS_ZONES;
export const PRIVATE_LINK_SUBRESOURCES = Object.keys(PRIVATE_DNS_ZONES) as PrivateLinkSubresource[];

/** Where endpoints go: the subnet, and the zone of every subresource (resource ids; may be Terraform references). */
export interface PrivateEndpointNetwork {
  readonly subnetId: string;
  readonly dnsZoneIds: Readonly<Record<PrivateLinkSubresource, string>>;
}

export interface PrivateEndpointsProps {
  /** The environment, parsed and with every default applied (names the endpoints). */
  readonly environment: Environment;
  /** Short name of the target in endpoint names: `strata-<env>-<target>-<subresource>-pe`. */
  readonly targetName: string;
  /** Resource id of what the endpoints connect to. */
  readonly targetResourceId: string;
  /** One endpoint each. */
  readonly subresources: readonly PrivateLinkSubresource[];
  readonly network: PrivateEndpointNetwork;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
}

export class PrivateEndpoints extends Construct {
  readonly endpoints: Partial<Record<PrivateLinkSubresource, PrivateEndpoint>> = {};

  constructor(scope: Construct, id: string, props: PrivateEndpointsProps) {
    super(scope, id);
    const { environment, targetName, network } = props;
    for (const subresource of props.subresources) {
      const name = resourceName(environment, targetName, subresource, 'pe');
      this.endpoints[subresource] = new PrivateEndpoint(this, subresource, {
        name,
        resourceGroupName: props.resourceGroupName,
        location: props.location,
        subnetId: network.subnetId,
        customNetworkInterfaceName: `${name}-nic`,
        privateServiceConnection: {
          name,
          privateConnectionResourceId: props.targetResourceId,
          subresourceNames: [subresource],
          isManualConnection: false,
        },
        privateDnsZoneGroup: { name: 'default', privateDnsZoneIds: [network.dnsZoneIds[subresource]] },
        tags: props.tags,
      });
    }
  }
}
