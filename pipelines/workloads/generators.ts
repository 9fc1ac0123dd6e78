/** The generators of a catalog's workloads, by workload name, in the catalog's order (for `strata generate`, `strata run` without --data, the benchmarks). */
import { WORKLOAD_GENERATORS } from '../../workloads/generators.ts';
import type { Catalog } from './registry.ts';
import type { WorkloadGenerator } from './workload-generator.ts';

export function generatorsOf(catalog: Pick<Catalog, 'workloads'>): ReadonlyMap<string, WorkloadGenerator> {
  return new Map(catalog.workloads.flatMap((workload) => (WORKLOAD_GENERATORS[workload.name] ? [[workload.name, WORKLOAD_GENERATORS[workload.name]!] as const] : [])));
}
