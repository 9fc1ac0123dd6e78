/** The generator's option limits and defaults, light to import (the generator itself reads the dataset files when loaded). */
export const MAX_SCALE = 20;
export const MAX_BAD_ROWS = 0.5;
export const DEFAULT_SEED = 42;
export const MANIFEST_FILE = '_manifest.json';
