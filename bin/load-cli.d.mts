/** A bundle of other sources is removed once no command has loaded it for this long. */
export declare const KEEP_OLD_BUNDLES_MS: number;
/** Where the bundles of a checkout's sources are kept. */
export declare const bundleCacheOf: (root: string) => string;
/** The CLI's `cli/main.ts` module, from the bundle of the checkout's sources. @param root @default the checkout holding bin/ */
export declare function loadCli(root?: string): Promise<unknown>;
