/** One priced line of an estimate, and the totals lines add up to. */

export type Cloud = 'aws' | 'azure';
export type Kind = 'always-on' | 'usage-based';

export interface CostLine {
  /** Stable key, for matching lines between two estimates. */
  readonly id: string;
  readonly cloud: Cloud;
  readonly component: string;
  readonly kind: Kind;
  readonly min: number;
  readonly expected: number;
  readonly max: number;
  /** The arithmetic of the expected figure (and of min/max where they differ). */
  readonly formula: string;
}

export interface CostTotal {
  readonly min: number;
  readonly expected: number;
  readonly max: number;
}

/** A line whose min and max are its expected figure unless a range is given. */
export function line(cloud: Cloud, id: string, component: string, kind: Kind, expected: number, formula: string, range?: { min: number; max: number }): CostLine {
  return { id: `${cloud}.${id}`, cloud, component, kind, min: range?.min ?? expected, expected, max: range?.max ?? expected, formula };
}

export function sum(lines: CostLine[]): CostTotal {
  return lines.reduce((total, l) => ({ min: total.min + l.min, expected: total.expected + l.expected, max: total.max + l.max }), { min: 0, expected: 0, max: 0 });
}
