/** `<root>/node_modules/.cache/strata`: ignored by git, removed with node_modules. */
export declare const cacheFolderOf: (root: string) => string;
/** The global under which bin/load-cli.mjs puts the folder of the bundle the CLI runs from. */
export declare const CLI_BUNDLE: unique symbol;
