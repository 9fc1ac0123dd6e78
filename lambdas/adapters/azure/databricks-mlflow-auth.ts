/**
 * Databricks-managed MLflow (Azure Databricks): the workspace serves the
 * MLflow REST API 2.0 under `https://<workspace host>/api/2.0/mlflow/...`,
 * authenticated with a bearer token (a personal access token, or a Microsoft
 * Entra ID token for a service principal, resource 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d).
 *
 * Databricks names experiments by workspace path and rejects bare names
 * ("An experiment name must be an absolute path within the Databricks
 * workspace"), so `strata-dev/seller-churn` is logged as
 * `<experimentFolder>/strata-dev/seller-churn`. experiments/create does not
 * make folders: the folder chain (`/Shared/strata/strata-dev`) must exist,
 * e.g. a `databricks_directory` in the Azure stack.
 */
import type { MlflowConnection } from '../tracking/mlflow-rest-tracker.ts';
import type { AccessTokenProvider } from './managed-identity-credential.ts';

/** The Azure Databricks first-party application: the Entra resource of workspace tokens. */
export const AZURE_DATABRICKS_RESOURCE = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';

export interface DatabricksMlflowTrackingOptions {
  /** Workspace host, e.g. `adb-1234567890123456.7.azuredatabricks.net` (an https:// prefix is accepted). */
  readonly host: string;
  /**
   * Where tokens come from: an AccessTokenProvider (the function app's managed
   * identity; asked for the Azure Databricks resource on every request, it
   * caches), a fixed token (a personal access token), or a function returning
   * a current one. Exactly one of `credential` and `token`.
   */
  readonly credential?: AccessTokenProvider;
  readonly token?: string | (() => Promise<string>);
  /** Workspace folder experiments live under. @default '/Shared/strata' */
  readonly experimentFolder?: string;
}

/** `baseUrl` + bearer `authorize` for MlflowRestTracker, plus the workspace path and run link Databricks uses. */
export function databricksMlflowTracking(options: DatabricksMlflowTrackingOptions): MlflowConnection {
  const host = options.host.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (!/^[a-z0-9.-]+(:\d+)?$/i.test(host)) throw new Error(`databricksMlflowTracking: host "${options.host}" is not a workspace host name`);
  const folder = `/${(options.experimentFolder ?? '/Shared/strata').replace(/^\/+|\/+$/g, '')}`;
  if ((options.credential === undefined) === (options.token === undefined)) {
    throw new Error('databricksMlflowTracking: give exactly one of credential (managed identity) and token');
  }
  const { credential, token: given } = options;
  const token = credential ? () => credential.getToken(AZURE_DATABRICKS_RESOURCE) : typeof given === 'string' ? () => Promise.resolve(given) : given!;
  const baseUrl = `https://${host}`;
  return {
    baseUrl,
    authorize: async () => {
      const value = await token();
      if (!value) throw new Error(`databricksMlflowTracking: no token for ${host}`);
      return { authorization: `Bearer ${value}` };
    },
    experimentName: (experiment) => `${folder}/${experiment}`,
    runUrl: (experimentId, runId) => `${baseUrl}/ml/experiments/${experimentId}/runs/${runId}`,
  };
}
