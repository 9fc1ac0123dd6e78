import type { FlowDefinition } from './flow.ts';
import { ingestFlow } from './ingest.ts';
import { processFlow } from './process.ts';
import { retrainFlow } from './retrain.ts';

export * from './flow.ts';
export { ingestFlow } from './ingest.ts';
export { processFlow } from './process.ts';
export { retrainFlow } from './retrain.ts';

/** Every flow, in the order a full local run executes them. */
export const FLOWS: readonly FlowDefinition[] = [ingestFlow, processFlow, retrainFlow];
