// Where a checkout keeps what it can make again: the CLI's bundles and the synthesized state machines.
import { join } from 'node:path';

/** `<root>/node_modules/.cache/strata`: ignored by git, removed with node_modules. */
export const cacheFolderOf = (root) => join(root, 'node_modules', '.cache', 'strata');
