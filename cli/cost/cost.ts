/**
 * The estimator's entry point: everything `strata cost` and `strata plan`
 * need to price a synthesized environment and compare two. The plan reaches
 * the estimator through this module only, and nothing here reaches the plan.
 */
import type { LoadedEnvironment } from '../../config/load-environment.ts';
import type { SynthOutput } from '../synthesized/synth-output.ts';
import { estimateCost, type CostEstimate } from './estimate.ts';
import { loadPriceBook, staleWarnings, type PriceBook } from './price-book.ts';
import { loadUsage, type LoadedUsage } from './usage.ts';

export { cloudTotals, compareEstimates, type LineDelta } from './render.ts';
export { recordedUsage, usageFor, type PricedFolder } from './recorded-usage.ts';

export interface CostContext {
  readonly book: PriceBook;
  readonly usage: LoadedUsage;
  readonly warnings: string[];
}

/** Loads the book and the profile (by name or file, or one already loaded) once; warns on a stale book and on a region the book does not cover. */
export function costContext(usage?: string | LoadedUsage, today = new Date().toISOString().slice(0, 10)): CostContext {
  const book = loadPriceBook();
  return { book, usage: typeof usage === 'object' ? usage : loadUsage(usage), warnings: staleWarnings(book, today) };
}

export function estimateFor(context: CostContext, loaded: LoadedEnvironment, synth: SynthOutput): CostEstimate {
  const env = loaded.environment;
  for (const [cloud, region] of [['aws', env.aws.region], ['azure', env.azure.location]] as const) {
    const bookRegion = context.book.regions[cloud];
    const warning = `warning: ${loaded.file} deploys ${cloud === 'aws' ? 'AWS' : 'Azure'} to ${region}, but the price book is for ${bookRegion}; figures are ${bookRegion} list prices`;
    if (bookRegion && bookRegion !== region && !context.warnings.includes(warning)) context.warnings.push(warning);
  }
  const estimate = estimateCost({ environment: env, usage: context.usage.profile, book: context.book, synth, usageName: context.usage.name });
  for (const warning of estimate.warnings) if (!context.warnings.includes(warning)) context.warnings.push(warning);
  return estimate;
}
