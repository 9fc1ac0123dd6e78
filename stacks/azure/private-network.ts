/**
 * The platform's virtual network when `network.publicAccess` is false: one
 * subnet for the private endpoints, one the Flex Consumption function apps
 * integrate with (delegated to Microsoft.App/environments, which is what Flex
 * Consumption requires; App Service plans use Microsoft.Web/serverFarms), and
 * a private DNS zone per private link subresource, linked to the network, so
 * that inside it `<account>.blob.core.windows.net` and the like resolve to
 * the endpoints' private addresses.
 *
 * The zones are the environment's own: one network per environment, no hub.
 * A tenant with a central DNS hub would link its zones instead (docs/azure.md,
 * Private networking).
 */
import { Construct } from 'constructs';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone/index.js';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link/index.js';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet/index.js';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network/index.js';
import type { Environment } from '../../config/schema.ts';
import { resourceName } from '../shared/naming.ts';
import { PRIVATE_LINK_SUBRESOURCES, PRIVATE_DNS_ZONES, type PrivateEndpointNetwork, type PrivateLinkSubresource } from './private-endpoints.ts';

export interface PrivateNetworkProps {
  /** The environment, parsed and with every default applied; its `network` section gives the ranges. */
  readonly environment: Environment;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** The service a subnet must be delegated to for Flex Consumption virtual network integration. */
export const FLEX_SUBNET_DELEGATION = 'Microsoft.App/environments';

export class PrivateNetwork extends Construct {
  readonly virtualNetwork: VirtualNetwork;
  readonly privateEndpointSubnet: Subnet;
  /** Where the function apps' outbound traffic enters the network (`virtual_network_subnet_id`). */
  readonly functionsSubnet: Subnet;
  readonly dnsZones: Record<PrivateLinkSubresource, PrivateDnsZone>;
  /** What a private endpoint needs: this subnet and these zones. */
  readonly endpointNetwork: PrivateEndpointNetwork;

  constructor(scope: Construct, id: string, props: PrivateNetworkProps) {
    super(scope, id);
    const { environment, resourceGroupName, location, tags } = props;
    const { addressSpace, privateEndpointSubnet, functionsSubnet } = environment.network;

    this.virtualNetwork = new VirtualNetwork(this, 'network', {
      name: resourceName(environment, 'vnet'),
      resourceGroupName,
      location,
      addressSpace: [addressSpace],
      tags,
    });
    this.privateEndpointSubnet = new Subnet(this, 'endpoints', {
      name: 'private-endpoints',
      resourceGroupName,
      virtualNetworkName: this.virtualNetwork.name,
      addressPrefixes: [privateEndpointSubnet],
      // Endpoints only: nothing in it needs to reach the internet.
      defaultOutboundAccessEnabled: false,
    });
    this.functionsSubnet = new Subnet(this, 'functions', {
      name: 'functions',
      resourceGroupName,
      virtualNetworkName: this.virtualNetwork.name,
      addressPrefixes: [functionsSubnet],
      // The apps still call public endpoints (Databricks, Data Factory's callbacks, Application Insights):
      // kept explicit, as new Azure subnets are to default to no outbound access.
      defaultOutboundAccessEnabled: true,
      delegation: [
        {
          name: 'flex-consumption',
          serviceDelegation: { name: FLEX_SUBNET_DELEGATION, actions: ['Microsoft.Network/virtualNetworks/subnets/join/action'] },
        },
      ],
    });

    this.dnsZones = {} as Record<PrivateLinkSubresource, PrivateDnsZone>;
    for (const subresource of PRIVATE_LINK_SUBRESOURCES) {
      const zone = new PrivateDnsZone(this, `zone_${subresource}`, { name: PRIVATE_DNS_ZONES[subresource], resourceGroupName, tags });
      new PrivateDnsZoneVirtualNetworkLink(this, `zone_${subresource}_link`, {
        name: resourceName(environment, 'vnet', subresource),
        resourceGroupName,
        privateDnsZoneName: zone.name,
        virtualNetworkId: this.virtualNetwork.id,
        // The endpoints' zone groups write the records; nothing registers itself.
        registrationEnabled: false,
        tags,
      });
      this.dnsZones[subresource] = zone;
    }
    this.endpointNetwork = {
      subnetId: this.privateEndpointSubnet.id,
      dnsZoneIds: Object.fromEntries(PRIVATE_LINK_SUBRESOURCES.map((subresource) => [subresource, this.dnsZones[subresource].id])) as Record<PrivateLinkSubresource, string>,
    };
  }
}
