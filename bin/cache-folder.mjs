// Where a checkout keeps what it can make again (the CLI's bundles, the synthesized state machines), and how the
// running CLI says which bundle it runs from.
import { join } from 'node:path';

/** `<root>/node_modules/.cache/strata`: ignored by git, removed with node_modules. */
export const cacheFolderOf = (root) => join(root, 'node_modules', '.cache', 'strata');

/** The global under which bin/load-cli.mjs puts the folder of the bundle the CLI runs from (worker threads start its other entries). */
export const CLI_BUNDLE = Symbol.for('strata.cli-bundle');

/**
 * What bin/load-cli.mjs bundles, by entry name: the CLI, the local runner's worker threads, and the two apps
 * `strata synth` runs as child processes (through tsx they spent about a second compiling the sources).
 */
export const BUNDLE_ENTRIES = {
  main: 'cli/main.ts',
  'handler-worker': 'cli/run/handler-worker.ts',
  'aws-app': 'stacks/aws/app.ts',
  'azure-app': 'stacks/azure/main.ts',
};

/** The bundled file of an entry when this process runs from the CLI's bundle; undefined otherwise (run its source). */
export function bundledEntry(name) {
  const folder = globalThis[CLI_BUNDLE];
  return typeof folder === 'string' ? join(folder, `${name}.js`) : undefined;
}
