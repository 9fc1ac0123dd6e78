/**
 * How Databricks serverless compute (the SQL warehouses) reaches a lake whose
 * public network access is off: a network connectivity configuration (NCC)
 * in the Databricks account, bound to the workspace, with a Databricks-managed
 * private endpoint to the lake's blob and to its dfs service. The access
 * connector still authorizes every read and write (Unity Catalog's storage
 * credential); the NCC only gives the traffic a network path.
 *
 * NCC resources live at the account level, so they use their own provider
 * (`accounts.azuredatabricks.net`, the account id from `network.databricksAccountId`),
 * and whoever applies must be a Databricks account admin. Each rule's private
 * endpoint connection arrives on the lake pending: approve it once on the
 * storage account (docs/azure.md, Private networking).
 */
import { Construct } from 'constructs';
import { MwsNccBinding } from '@cdktf/provider-databricks/lib/mws-ncc-binding/index.js';
import { MwsNccPrivateEndpointRule } from '@cdktf/provider-databricks/lib/mws-ncc-private-endpoint-rule/index.js';
import { MwsNetworkConnectivityConfig } from '@cdktf/provider-databricks/lib/mws-network-connectivity-config/index.js';
import { DatabricksProvider } from '@cdktf/provider-databricks/lib/provider/index.js';
import type { Environment } from '../../../config/schema.ts';
import { resourceName } from '../../shared/naming.ts';
import type { PrivateLinkSubresource } from '../private-endpoints.ts';

export interface ServerlessLakeAccessProps {
  /** The environment, parsed and with every default applied (names the NCC, gives its region). */
  readonly environment: Environment;
  /** The Databricks account the workspace belongs to. */
  readonly accountId: string;
  /** The workspace's numeric id (`azurerm_databricks_workspace.workspace_id`). */
  readonly workspaceId: number;
  /** Resource id of the lake storage account. */
  readonly storageAccountId: string;
}

/** The Databricks account console's API host on Azure. */
export const DATABRICKS_ACCOUNTS_HOST = 'https://accounts.azuredatabricks.net';

/** The lake's services serverless compute uses: blob (the blob API) and dfs (abfss://, ADLS). */
export const SERVERLESS_LAKE_SUBRESOURCES: readonly PrivateLinkSubresource[] = ['blob', 'dfs'];

export class ServerlessLakeAccess extends Construct {
  readonly accountProvider: DatabricksProvider;
  readonly connectivityConfig: MwsNetworkConnectivityConfig;
  readonly rules: MwsNccPrivateEndpointRule[];
  readonly binding: MwsNccBinding;

  constructor(scope: Construct, id: string, props: ServerlessLakeAccessProps) {
    super(scope, id);
    const { environment } = props;
    this.accountProvider = new DatabricksProvider(this, 'account', { alias: 'account', host: DATABRICKS_ACCOUNTS_HOST, accountId: props.accountId });
    const provider = this.accountProvider;
    this.connectivityConfig = new MwsNetworkConnectivityConfig(this, 'ncc', {
      provider,
      // 3 to 30 characters.
      name: resourceName(environment, 'serverless'),
      region: environment.azure.location,
    });
    this.rules = SERVERLESS_LAKE_SUBRESOURCES.map(
      (subresource) =>
        new MwsNccPrivateEndpointRule(this, `lake_${subresource}`, {
          provider,
          networkConnectivityConfigId: this.connectivityConfig.networkConnectivityConfigId,
          resourceId: props.storageAccountId,
          groupId: subresource,
        }),
    );
    this.binding = new MwsNccBinding(this, 'binding', {
      provider,
      networkConnectivityConfigId: this.connectivityConfig.networkConnectivityConfigId,
      workspaceId: props.workspaceId,
    });
  }
}
