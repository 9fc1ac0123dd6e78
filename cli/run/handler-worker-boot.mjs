// Starts a handler worker from the TypeScript sources (tests, STRATA_NO_BUNDLE=1); the CLI's bundle has its own entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
