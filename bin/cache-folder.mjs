// Where a checkout keeps what it can make again (the CLI's bundles, the synthesized state machines), and how the
// running CLI says which bundle it runs from.
import { join } from 'node:path';

/** `<root>/node_modules/.cache/strata`: ignored by git, removed with node_modules. */
export const cacheFolderOf = (root) => join(root, 'node_modules', '.cache', 'strata');

/** The global under which bin/load-cli.mjs puts the folder of the bundle the CLI runs from (worker threads start its other entries). */
export const CLI_BUNDLE = Symbol.for('strata.cli-bundle');
