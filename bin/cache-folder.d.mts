/** `<root>/node_modules/.cache/strata`: ignored by git, removed with node_modules. */
export declare const cacheFolderOf: (root: string) => string;
