/**
 * Secrets from Azure Key Vault over REST (`GET {vaultUri}secrets/{name}?api-version=7.4`,
 * the current version), with a Microsoft Entra token for https://vault.azure.net.
 */
import type { SecretStore } from '../../ports/secret-store.ts';
import type { AccessTokenProvider } from './managed-identity-credential.ts';

export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';
export const KEY_VAULT_API_VERSION = '7.4';

/**
 * The Key Vault name of a platform secret. Key Vault allows only
 * `[0-9a-zA-Z-]` (1-127 characters), so every run of other characters
 * becomes one `-`: `strata/dev/weather-api-key` -> `strata-dev-weather-api-key`.
 * The Azure stack creates secrets under this name, the runtime reads them
 * with it. Two names that differ only in those characters map to the same
 * secret; the platform's names do not.
 */
export function keyVaultSecretName(name: string): string {
  const mapped = name.replace(/[^0-9a-zA-Z-]+/g, '-').replace(/^-+|-+$/g, '');
  if (mapped === '' || mapped.length > 127) {
    throw new Error(`KeyVaultSecretStore: secret "${name}" maps to Key Vault name "${mapped}", which must be 1-127 characters of [0-9a-zA-Z-]`);
  }
  return mapped;
}

export interface KeyVaultSecretStoreOptions {
  /** `https://<vault>.vault.azure.net/` (APP_SETTINGS.keyVaultUri); a missing trailing slash is added. */
  readonly vaultUri: string;
  readonly credential: AccessTokenProvider;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export class KeyVaultSecretStore implements SecretStore {
  private readonly vaultUri: string;
  private readonly credential: AccessTokenProvider;
  private readonly fetch: typeof fetch;

  constructor(options: KeyVaultSecretStoreOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.vaultUri);
    } catch {
      throw new Error(`KeyVaultSecretStore: vault URI "${options.vaultUri}" is not a URL; expected https://<vault>.vault.azure.net/`);
    }
    this.vaultUri = parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`;
    this.credential = options.credential;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async get(name: string): Promise<string> {
    const vaultName = keyVaultSecretName(name);
    const mapping = vaultName === name ? `"${name}"` : `"${name}" (Key Vault name "${vaultName}": characters other than [0-9a-zA-Z-] become "-")`;
    const token = await this.credential.getToken(KEY_VAULT_RESOURCE);
    const url = `${this.vaultUri}secrets/${vaultName}?api-version=${KEY_VAULT_API_VERSION}`;
    let response: Response;
    try {
      response = await this.fetch(url, { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    } catch (error) {
      throw new Error(`KeyVaultSecretStore: cannot reach vault ${this.vaultUri} for secret ${mapping}: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      let reason = '';
      try {
        const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
        reason = [body.error?.code, body.error?.message].filter(Boolean).join(': ');
      } catch {
        reason = text.slice(0, 300);
      }
      const what = response.status === 404 ? 'no such secret in' : `HTTP ${response.status} from`;
      throw new Error(`KeyVaultSecretStore: secret ${mapping}: ${what} vault ${this.vaultUri}${reason ? ` (${reason})` : ''}`);
    }
    const body = JSON.parse(text) as { value?: string };
    if (typeof body.value !== 'string') throw new Error(`KeyVaultSecretStore: secret ${mapping} in vault ${this.vaultUri} has no value`);
    return body.value;
  }
}
