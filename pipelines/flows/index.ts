import type { Catalog } from '../workloads/registry.ts';
import type { FlowDefinition } from './flow.ts';
import { ingestFlow } from './ingest.ts';
import { processFlow } from './process.ts';
import { retrainFlow } from './retrain.ts';

export * from './flow.ts';
export { ingestFlow } from './ingest.ts';
export { processFlow } from './process.ts';
export { retrainFlow } from './retrain.ts';

/** The flow names, in the order a full local run executes them. */
export const FLOW_NAMES = ['ingest', 'process', 'retrain'] as const;

/**
 * The flows of a catalog's workloads, in the order a full local run executes
 * them: ingest and process always; retrain when a workload has models.
 */
export function flowsFor(catalog: Catalog): FlowDefinition[] {
  return [ingestFlow, processFlow(catalog), ...(catalog.models.length > 0 ? [retrainFlow(catalog.models)] : [])];
}
