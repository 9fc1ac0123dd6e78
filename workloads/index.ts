/**
 * The workloads that have code (a workload.ts), by folder name: what the
 * platform's registry (pipelines/workloads/registry.ts) adds to each
 * workload's files. A workload of files only needs no line here.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkloadCode } from '../pipelines/workloads/workload.ts';
import { olist } from './olist/workload.ts';
import { weather } from './weather/workload.ts';

export const WORKLOAD_CODE: Readonly<Record<string, WorkloadCode>> = { olist, weather };

/** The workloads root: this folder in the source tree, the bundle's own folder in a Lambda or function app. */
export const WORKLOADS_DIR = dirname(fileURLToPath(import.meta.url));
