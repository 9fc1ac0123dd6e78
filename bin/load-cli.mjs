// Loads the CLI's entry module. The TypeScript sources are bundled by esbuild
// on first use into node_modules/.cache/strata/ (about 0.2 s, once per change
// of the sources) and later runs import that bundle: resolving and compiling
// some 200 modules through tsx took about 0.5 s of every command. There is no
// build step to remember: a changed source file changes the fingerprint, and
// the next command bundles again. STRATA_NO_BUNDLE=1, or any bundling error,
// runs the sources through tsx as before; STRATA_DEBUG=1 says which it does.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUNDLE_ENTRIES, CLI_BUNDLE, cacheFolderOf } from './cache-folder.mjs';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The folders cli/main.ts imports from; any file in them, and the lock file, is part of the fingerprint. */
const SOURCE_FOLDERS = ['cli', 'config', 'lambdas', 'pipelines', 'stacks', 'workloads'];
/**
 * A bundle of other sources is removed once no command has loaded it for this
 * long: a command still running (a `strata run --wait`, say) loads chunks and
 * starts worker threads from its bundle until it ends.
 */
export const KEEP_OLD_BUNDLES_MS = 24 * 60 * 60 * 1000;

/** Where the bundles of a checkout's sources are kept: `cli-<fingerprint>/` folders. */
export const bundleCacheOf = (root) => cacheFolderOf(root);

/** Paths, sizes and modification times of the sources: a stat per file, no reading. */
function fingerprint(root) {
  const hash = createHash('sha256');
  const add = (path) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat) hash.update(`${relative(root, path)}\0${stat.size}\0${stat.mtimeMs}\n`);
  };
  for (const folder of SOURCE_FOLDERS) {
    if (!statSync(join(root, folder), { throwIfNoEntry: false })) continue;
    const entries = readdirSync(join(root, folder), { recursive: true, withFileTypes: true });
    // Dirent.path is the name of parentPath before Node 20.12.
    const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath ?? entry.path, entry.name));
    for (const file of files.sort()) add(file);
  }
  add(join(root, 'package-lock.json'));
  add(fileURLToPath(import.meta.url));
  add(join(dirname(fileURLToPath(import.meta.url)), 'cache-folder.mjs'));
  return hash.digest('hex').slice(0, 16);
}

/**
 * A module's own location, written into the bundle where the module asks for
 * `import.meta.url`, so paths it resolves (SQL folders, the repository root)
 * stay those of the sources. Not inside the `createRequire(import.meta.url)`
 * banners the Lambda bundling writes: those are text for another bundle.
 */
const moduleUrlPlugin = {
  name: 'strata-module-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: source.replace(/(?<!createRequire\()import\.meta\.url/g, url), loader: 'ts' };
    });
  },
};

/** The bundle's entries (BUNDLE_ENTRIES), those the checkout has: an older one may lack some. */
function entryPointsOf(root) {
  const entries = {};
  for (const [name, source] of Object.entries(BUNDLE_ENTRIES)) {
    if (name === 'main' || statSync(join(root, source), { throwIfNoEntry: false })) entries[name] = join(root, source);
  }
  return entries;
}

async function bundle(root, folder) {
  const { build } = await import('esbuild');
  const staging = `${folder}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  await build({
    entryPoints: entryPointsOf(root),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Dependencies stay in node_modules; chunks keep `strata run` from loading what only `plan` or `synth` needs.
    packages: 'external',
    splitting: true,
    sourcemap: 'linked',
    outdir: staging,
    logLevel: 'silent',
    plugins: [moduleUrlPlugin],
  });
  writeFileSync(join(staging, 'package.json'), '{ "type": "module" }\n');
  try {
    renameSync(staging, folder);
  } catch (error) {
    // Another command bundled the same sources first: use its bundle.
    rmSync(staging, { recursive: true, force: true });
    if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw error;
  }
  pruneOldBundles(dirname(folder), folder);
}

function pruneOldBundles(cache, current) {
  const now = Date.now();
  for (const name of readdirSync(cache)) {
    const path = join(cache, name);
    if (path === current || !name.startsWith('cli-')) continue;
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat && now - stat.mtimeMs > KEEP_OLD_BUNDLES_MS) rmSync(path, { recursive: true, force: true });
  }
}

/** With STRATA_DEBUG=1, says on stderr where the command's code comes from. */
function debug(line) {
  if (process.env.STRATA_DEBUG === '1') process.stderr.write(`strata: ${line}\n`);
}

async function throughTsx(entry) {
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(entry).href);
}

/**
 * The CLI's `cli/main.ts` module: from the bundle of these sources, bundled
 * now if there is none yet.
 * @param root the checkout whose sources to load. @default the one holding this file
 */
export async function loadCli(root = REPO_ROOT) {
  const entry = join(root, BUNDLE_ENTRIES.main);
  if (process.env.STRATA_NO_BUNDLE === '1') {
    debug('running the sources through tsx: STRATA_NO_BUNDLE=1');
    return throughTsx(entry);
  }
  const cache = bundleCacheOf(root);
  let folder;
  try {
    folder = join(cache, `cli-${fingerprint(root)}`);
    if (statSync(join(folder, 'main.js'), { throwIfNoEntry: false })) {
      // In use: not pruned while it is (see KEEP_OLD_BUNDLES_MS).
      const now = new Date();
      utimesSync(folder, now, now);
    } else {
      mkdirSync(cache, { recursive: true });
      await bundle(root, folder);
    }
  } catch (error) {
    // A read-only checkout, a source esbuild cannot parse: tsx runs the sources and reports what is wrong with them.
    debug(`running the sources through tsx: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    return throughTsx(entry);
  }
  debug(`running from ${relative(root, folder)}`);
  process.setSourceMapsEnabled(true);
  globalThis[CLI_BUNDLE] = folder;
  return import(pathToFileURL(join(folder, 'main.js')).href);
}
