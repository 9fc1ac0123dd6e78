/**
 * Microsoft Entra tokens for the Azure adapters, from the managed identity
 * of the App Service / Functions host: no SDK, one GET on the local identity
 * endpoint the platform injects (IDENTITY_ENDPOINT + IDENTITY_HEADER).
 */

/** A bearer token for a resource (`https://storage.azure.com/`, `https://vault.azure.net`, the Azure Databricks app id). */
export interface AccessTokenProvider {
  getToken(resource: string): Promise<string>;
}

/** The identity endpoint's answer (App Service api-version 2019-08-01). */
interface IdentityTokenResponse {
  readonly access_token?: string;
  /** Epoch seconds, as a string. */
  readonly expires_on?: string | number;
  readonly resource?: string;
  readonly token_type?: string;
  readonly client_id?: string;
}

export interface ManagedIdentityCredentialOptions {
  /** Where IDENTITY_ENDPOINT, IDENTITY_HEADER and AZURE_CLIENT_ID are read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default () => Date.now() */
  readonly now?: () => number;
  /** A cached token is renewed this long before it expires. @default 300000 (5 minutes) */
  readonly refreshMarginMs?: number;
}

export const IDENTITY_API_VERSION = '2019-08-01';

/**
 * The App Service / Functions managed identity: `GET ${IDENTITY_ENDPOINT}?resource=<r>&api-version=2019-08-01&client_id=<AZURE_CLIENT_ID>`
 * with `X-IDENTITY-HEADER`. With AZURE_CLIENT_ID set it asks for that
 * user-assigned identity, else the system-assigned one. Tokens are cached
 * per resource until 5 minutes before they expire; concurrent callers share
 * one request.
 */
export class ManagedIdentityCredential implements AccessTokenProvider {
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly refreshMarginMs: number;
  private readonly cache = new Map<string, Promise<{ token: string; expiresAtMs: number }>>();

  constructor(options: ManagedIdentityCredentialOptions = {}) {
    this.env = options.env ?? process.env;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.refreshMarginMs = options.refreshMarginMs ?? 5 * 60 * 1000;
  }

  async getToken(resource: string): Promise<string> {
    const cached = this.cache.get(resource);
    if (cached) {
      const entry = await cached.catch(() => undefined);
      if (entry && entry.expiresAtMs - this.refreshMarginMs > this.now()) return entry.token;
      if (this.cache.get(resource) !== cached) return this.getToken(resource);
    }
    const pending = this.request(resource);
    this.cache.set(resource, pending);
    try {
      return (await pending).token;
    } catch (error) {
      if (this.cache.get(resource) === pending) this.cache.delete(resource);
      throw error;
    }
  }

  private async request(resource: string): Promise<{ token: string; expiresAtMs: number }> {
    const endpoint = this.env.IDENTITY_ENDPOINT;
    const header = this.env.IDENTITY_HEADER;
    const unset = [!endpoint && 'IDENTITY_ENDPOINT', !header && 'IDENTITY_HEADER'].filter(Boolean);
    if (unset.length > 0) {
      throw new Error(
        `ManagedIdentityCredential: environment variable(s) ${unset.join(', ')} not set; App Service and Azure Functions set them when the app has a managed identity (cannot get a token for ${resource})`,
      );
    }
    const url = new URL(endpoint!);
    url.searchParams.set('resource', resource);
    url.searchParams.set('api-version', IDENTITY_API_VERSION);
    const clientId = this.env.AZURE_CLIENT_ID;
    if (clientId) url.searchParams.set('client_id', clientId);
    let response: Response;
    try {
      response = await this.fetch(url, { method: 'GET', headers: { 'X-IDENTITY-HEADER': header!, accept: 'application/json' } });
    } catch (error) {
      throw new Error(`ManagedIdentityCredential: identity endpoint ${url.origin}${url.pathname} unreachable for ${resource}: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      // The endpoint's error body says why (identity not assigned, bad resource); it holds no token.
      throw new Error(`ManagedIdentityCredential: no token for ${resource}${clientId ? ` (client id ${clientId})` : ''}: HTTP ${response.status}: ${text.slice(0, 500)}`);
    }
    let body: IdentityTokenResponse;
    try {
      body = JSON.parse(text) as IdentityTokenResponse;
    } catch {
      throw new Error(`ManagedIdentityCredential: the identity endpoint answered ${resource} with something other than JSON`);
    }
    const expiresOn = Number(body.expires_on);
    if (!body.access_token || !Number.isFinite(expiresOn)) {
      throw new Error(`ManagedIdentityCredential: the identity endpoint's answer for ${resource} lacks access_token or expires_on`);
    }
    return { token: body.access_token, expiresAtMs: expiresOn * 1000 };
  }
}

/** A fixed token (tests, or a personal access token for Databricks): the same for every resource. */
export function staticToken(token: string): AccessTokenProvider {
  return { getToken: async () => token };
}
