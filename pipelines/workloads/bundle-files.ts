/**
 * The workload files a Lambda or function bundle carries beside its code:
 * each installed workload's `datasets/` and `sql/`, under `<workload>/`, so
 * the registry reads them at run time from the bundle's own folder (see
 * workloads/index.ts). A changed dataset file or SQL model changes the
 * bundle, and so the asset hash: the function redeploys with it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { installedWorkloadNames, workloadsRoot } from './registry.ts';
import { WORKLOAD_FILE_FOLDERS } from './workload-folder.ts';

export interface BundledFile {
  /** Path inside the bundle, with `/`: `olist/sql/trusted/orders.sql`. */
  readonly path: string;
  readonly source: string;
}

/** Every workload file a bundle carries, sorted by path. */
export function workloadBundleFiles(root = workloadsRoot()): BundledFile[] {
  const files: BundledFile[] = [];
  const walk = (directory: string, prefix: string) => {
    for (const name of readdirSync(directory).sort()) {
      if (name.startsWith('.')) continue;
      const source = join(directory, name);
      if (statSync(source).isDirectory()) walk(source, `${prefix}${name}/`);
      else files.push({ path: `${prefix}${name}`, source });
    }
  };
  for (const workload of installedWorkloadNames(root)) {
    for (const folder of WORKLOAD_FILE_FOLDERS) {
      const directory = join(root, workload, folder);
      if (existsSync(directory)) walk(directory, `${workload}/${folder}/`);
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
