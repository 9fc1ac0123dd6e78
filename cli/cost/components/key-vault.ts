/** Key Vault keys: operations, and automatic rotations read from each key's rotation policy. */
import { money, price, qty } from '../../format/money.ts';
import { azureOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { DAYS_PER_MONTH } from '../schedules.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function keyVaultLines({ usage, book, resources }: ComponentInput): CostLine[] {
  const keys = azureOfType(resources, 'azurerm_key_vault_key');
  if (keys.length === 0) return [];
  const p = (id: string) => unitPrice(book, id);
  const operations = usage.kms.requestsPerMonth;
  const cost = (operations / 10_000) * p('keyvault.operations.rsa3072');
  const lines = [line('azure', 'keyvault.operations', 'Key Vault key operations', 'usage-based', cost, `${qty(operations)} operations/10,000 x ${price(p('keyvault.operations.rsa3072'))} = ${money(cost)}`)];
  const rotations = keys.reduce((total, key) => total + rotationsPerMonth(key.body), 0);
  if (rotations > 0) {
    const rotationCost = rotations * p('keyvault.rotation');
    lines.push(line('azure', 'keyvault.rotation', 'Key Vault key rotation', 'always-on', rotationCost, `${qty(rotations)} rotations/month (rotation_policy) x ${price(p('keyvault.rotation'))} = ${money(rotationCost)}`));
  }
  return lines;
}

/** Automatic rotations per month from an azurerm key's `rotation_policy.automatic.time_after_creation` (ISO 8601 P<n>D|M|Y). */
export function rotationsPerMonth(body: Record<string, unknown>): number {
  const automatic = (body.rotation_policy as { automatic?: { time_after_creation?: unknown } } | undefined)?.automatic;
  const text = automatic?.time_after_creation;
  if (typeof text !== 'string') return 0;
  const match = /^P(\d+)([DMY])$/.exec(text);
  if (!match) return 0;
  const days = Number(match[1]) * (match[2] === 'D' ? 1 : match[2] === 'M' ? DAYS_PER_MONTH : 365);
  return DAYS_PER_MONTH / days;
}
