/** Secrets Manager (AWS), Key Vault (Azure), environment variables (local). */
export interface SecretStore {
  /** The secret's value; throws if it does not exist. */
  get(name: string): Promise<string>;
}
