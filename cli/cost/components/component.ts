/** What every priced component is given, and what it gives back. */
import type { Environment } from '../../../config/schema.ts';
import type { SynthesizedResources } from '../../synthesized/resources.ts';
import type { CostLine } from '../cost-line.ts';
import type { FlowRuns } from '../flow-runs.ts';
import type { PriceBook } from '../price-book.ts';
import type { UsageProfile } from '../usage.ts';

export interface ComponentInput {
  /** Sizing. */
  readonly env: Environment;
  /** How much the platform is used. */
  readonly usage: UsageProfile;
  /** The usage profile's name, for warnings. */
  readonly usageName: string;
  readonly book: PriceBook;
  /** Which components exist, and how many. */
  readonly resources: SynthesizedResources;
  /** Runs per month of each flow, counted once per cloud. */
  readonly flowRuns: FlowRuns;
  /** Said once under the estimate (a schedule not counted, a resource not priced). */
  readonly notes: string[];
  /** One line each, for stderr. */
  readonly warnings: string[];
}

/** Prices one component: no line when the synthesized output does not deploy it. */
export type PriceComponent = (input: ComponentInput) => CostLine[];

/** The unit price of a book row. */
export function unitPrice(book: PriceBook, id: string): number {
  return book.price(id).price;
}
