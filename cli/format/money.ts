/** Number formatting for cost figures (cost lines, the plan's cost delta): fixed, locale-free, so output is byte-stable everywhere. */

/** `$1,234.56`; negative as `-$1.00`. */
export function money(value: number): string {
  const cents = Math.round(Math.abs(value) * 100);
  const whole = Math.floor(cents / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = value < 0 && cents > 0 ? '-' : '';
  return `${sign}$${whole}.${String(cents % 100).padStart(2, '0')}`;
}

/** `+$1.00` / `-$1.00` / `$0.00`. */
export function signedMoney(value: number): string {
  const text = money(value);
  return text === '$0.00' ? text : value > 0 ? `+${text}` : text;
}

/** A quantity: integers as is, others with up to 2 decimals (trailing zeros dropped). */
export function qty(value: number): string {
  const text = Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) < 0.01 ? 4 : 2).replace(/\.?0+$/, '');
  const [whole, fraction] = text.split('.') as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** A unit price exactly as the book holds it: `$0.0000133334`. */
export function price(value: number): string {
  return `$${value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 12 })}`;
}
