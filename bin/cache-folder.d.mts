/** `<root>/node_modules/.cache/strata`: ignored by git, removed with node_modules. */
export declare const cacheFolderOf: (root: string) => string;
/** The global under which bin/load-cli.mjs puts the folder of the bundle the CLI runs from. */
export declare const CLI_BUNDLE: unique symbol;
/** What bin/load-cli.mjs bundles, by entry name, as paths relative to the checkout. */
export declare const BUNDLE_ENTRIES: { readonly main: string; readonly 'handler-worker': string; readonly 'aws-app': string; readonly 'azure-app': string };
/** The bundled file of an entry when this process runs from the CLI's bundle; undefined otherwise (run its source). */
export declare function bundledEntry(name: keyof typeof BUNDLE_ENTRIES): string | undefined;
