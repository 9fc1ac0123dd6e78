import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workloadFilesInSourceTree } from '../../support/catalog.ts';
import { buildFunctionBundle, FUNCTION_BUNDLE_ZIP, type FunctionBundle } from '../../../stacks/azure/function-bundle.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Stands in for the Functions Node worker's built-in `@azure/functions-core`
 * (the worker cannot run here): it records the programming model and the
 * functions the app registers.
 */
const STAND_IN_CORE = `
exports.version = 'stand-in';
exports.hostVersion = 'stand-in';
exports.registered = [];
exports.setProgrammingModel = (model) => { exports.programmingModel = model; };
exports.registerFunction = (metadata, callback) => { exports.registered.push({ metadata, callback }); return { dispose() {} }; };
exports.registerHook = () => ({ dispose() {} });
exports.log = () => {};
`;

/**
 * Loads index.mjs as the worker would (package.json main), then calls the HTTP functions with stand-in
 * requests and the queue function with what they queued, against a real callback server on 127.0.0.1
 * standing in for Data Factory; prints what happened as JSON.
 */
const RUNNER = `
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
const main = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).main;
await import(new URL(main, import.meta.url).href);
const core = createRequire(import.meta.url)('@azure/functions-core');
const callbacks = [];
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => { callbacks.push({ path: request.url, body: JSON.parse(body) }); response.end(); });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const callBackUri = 'http://127.0.0.1:' + server.address().port + '/callback';
// The queue's third delivery: the last, when a failing step is reported instead of retried.
const context = (logs, queued) => ({ log: (line) => logs.push(line), error: (line) => logs.push(line), extraOutputs: { set: (output, value) => queued.push({ output, value }) }, triggerMetadata: { dequeueCount: 3 } });
const call = async (name, body) => {
  const logs = [];
  const queued = [];
  const response = await core.registered.find((entry) => entry.metadata.name === name).callback({ text: async () => body }, context(logs, queued));
  return { response, logs, queued };
};
const runStep = async (message) => {
  const logs = [];
  await core.registered.find((entry) => entry.metadata.name === 'run-step').callback(message, context(logs, []));
  return { logs };
};
// A step that fails on its input, so the failure report is seen; find-new-data, registered first, would succeed.
const first = 'build-trusted';
const accepted = await call(first, JSON.stringify({ runId: 'r1', callBackUri }));
const ran = await runStep(accepted.queued[0].value);
server.close();
process.stdout.write(JSON.stringify({
  programmingModel: core.programmingModel && core.programmingModel.name,
  functions: core.registered.map((entry) => entry.metadata),
  badJson: await call(first, '{"table": '),
  noCallback: await call(first, '{"runId": "r1"}'),
  accepted,
  ran,
  callbacks,
}));
`;

describe('the Azure function bundle', () => {
  let outdir: string;
  let bundle: FunctionBundle;
  let entries: Record<string, Uint8Array>;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'strata-function-bundle-'));
    bundle = buildFunctionBundle({ outdir: join(outdir, 'first') });
    entries = unzipSync(readFileSync(bundle.zipPath));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('zips index.mjs, host.json, package.json and every workload dataset file and SQL model, under <workload>/ where the registry looks', () => {
    const models = workloadFilesInSourceTree();
    expect(models.some((file) => file.endsWith('.sql')) && models.some((file) => file.endsWith('.yaml'))).toBe(true);
    expect(Object.keys(entries).sort()).toEqual(['host.json', 'index.mjs', 'package.json', ...models].sort());
    expect(bundle.files).toEqual(Object.keys(entries).sort());
    for (const model of models) expect(new TextDecoder().decode(entries[model])).toBe(readFileSync(join(REPO_ROOT, 'workloads', model), 'utf8'));
    expect(bundle.zipPath).toBe(join(outdir, 'first', FUNCTION_BUNDLE_ZIP));

    const packageJson = JSON.parse(new TextDecoder().decode(entries['package.json']));
    expect(packageJson).toMatchObject({ type: 'module', main: 'index.mjs' });
    const hostJson = JSON.parse(new TextDecoder().decode(entries['host.json']));
    expect(hostJson.version).toBe('2.0');
    // The queue trigger and output binding come from the extension bundle.
    expect(hostJson.extensionBundle).toEqual({ id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' });
    // A step is delivered at most as many times as the runner tries it (3, as on AWS), one at a time per instance.
    expect(hostJson.extensions.queues).toEqual({ maxDequeueCount: 3, visibilityTimeout: '00:00:05', batchSize: 1 });
    const index = new TextDecoder().decode(entries['index.mjs']);
    expect(index.startsWith("import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);")).toBe(true);
    // No machine paths in the code: the zip is the same wherever it is built.
    expect(index).not.toContain(REPO_ROOT);
  });

  it('is byte-identical when built again from the same checkout', () => {
    const again = buildFunctionBundle({ outdir: join(outdir, 'second'), cache: false });
    expect(again.zipPath).not.toBe(bundle.zipPath);
    expect(readFileSync(again.zipPath).equals(readFileSync(bundle.zipPath))).toBe(true);
    expect(again.sha256).toBe(bundle.sha256);
    const actual = execFileSync('sha256sum', [bundle.zipPath], { encoding: 'utf8' }).split(' ')[0];
    expect(bundle.sha256).toBe(actual);
  });

  it('is byte-identical when built in another process and time zone (zip entry times are fixed)', () => {
    const elsewhere = join(outdir, 'elsewhere');
    const script = `import('./stacks/azure/function-bundle.ts').then(({ buildFunctionBundle }) => process.stdout.write(buildFunctionBundle({ outdir: ${JSON.stringify(elsewhere)} }).sha256))`;
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone === 'Pacific/Kiritimati' ? 'America/Los_Angeles' : 'Pacific/Kiritimati';
    const sha256 = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, TZ: timeZone } });
    expect(sha256).toBe(bundle.sha256);
    expect(readFileSync(join(elsewhere, FUNCTION_BUNDLE_ZIP)).equals(readFileSync(bundle.zipPath))).toBe(true);
  });

  describe('loaded in a child node process with a stand-in @azure/functions-core (the Functions worker cannot run here)', () => {
    let app: string;
    beforeAll(() => {
      app = join(outdir, 'app');
      for (const [name, bytes] of Object.entries(entries)) {
        mkdirSync(dirname(join(app, name)), { recursive: true });
        writeFileSync(join(app, name), bytes);
      }
      const core = join(app, 'node_modules', '@azure', 'functions-core');
      mkdirSync(core, { recursive: true });
      writeFileSync(join(core, 'package.json'), JSON.stringify({ name: '@azure/functions-core', main: 'index.js' }));
      writeFileSync(join(core, 'index.js'), STAND_IN_CORE);
      writeFileSync(join(app, 'runner.mjs'), RUNNER);
    });

    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['runner.mjs'], { cwd: app, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });

    const appSettings = {
      STRATA_SETTINGS: JSON.stringify({ name: 'dev', platformVersion: '0.1.0+0123456789ab' }),
      STRATA_STORAGE_ACCOUNT: 'stratadevlake',
      STRATA_DATABRICKS_HOST: 'https://adb-1234567890123456.7.azuredatabricks.net',
      STRATA_DATABRICKS_WAREHOUSE_ID: '1a2b3c4d5e6f7a8b',
      STRATA_KEY_VAULT_URI: 'https://strata-dev-kv.vault.azure.net/',
    };

    it('registers the handlers of its class as POST functions that queue the step, and the queue function that runs it and calls Data Factory back (Azure not called)', () => {
      const result = run({ ...appSettings, STRATA_HANDLER_CLASS: 'transform' });
      expect(result.stderr).not.toMatch(/Error/);
      expect(result.status).toBe(0);
      const out = JSON.parse(result.stdout);
      expect(out.programmingModel).toBe('@azure/functions');
      type Metadata = { name: string; bindings: Record<string, Record<string, unknown>> };
      const functions = out.functions as Metadata[];
      expect(functions.map((metadata) => metadata.name)).toEqual(['find-new-data', 'build-trusted', 'build-refined', 'run-step']);
      const bindings = (metadata: Metadata) => Object.values(metadata.bindings);
      for (const metadata of functions.slice(0, 3)) {
        expect(bindings(metadata).find((binding) => binding.direction === 'in')).toMatchObject({ type: 'httpTrigger', methods: ['POST'], authLevel: 'function', route: metadata.name });
        expect(bindings(metadata).filter((binding) => binding.direction === 'out')).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ type: 'http' }),
            expect.objectContaining({ type: 'queue', queueName: 'strata-steps-transform', connection: 'AzureWebJobsStorage' }),
          ]),
        );
      }
      expect(bindings(functions[3]!)).toEqual([expect.objectContaining({ type: 'queueTrigger', direction: 'in', queueName: 'strata-steps-transform', connection: 'AzureWebJobsStorage' })]);

      expect(out.badJson.response.status).toBe(400);
      expect(out.badJson.response.jsonBody.errorMessage).toMatch(/^build-trusted: the request body is not JSON/);
      expect(out.noCallback.response.status).toBe(400);
      expect(out.noCallback.response.jsonBody.errorMessage).toMatch(/^build-trusted: the request body has no callBackUri string/);
      expect(out.accepted.response).toEqual({ status: 202, jsonBody: { accepted: 'build-trusted' } });
      expect(out.accepted.queued).toHaveLength(1);
      expect(out.accepted.queued[0].value).toMatchObject({ handler: 'build-trusted', event: { runId: 'r1' } });
      // Run on the app's ports at its last delivery, refused by the handler: the error goes to Data Factory's callback, not thrown.
      expect(out.callbacks).toEqual([
        {
          path: '/callback',
          body: { Error: { ErrorCode: 'TypeError', Message: expect.stringContaining('build-trusted: event field "table" must be a non-empty string') }, StatusCode: '500' },
        },
      ]);
      expect(JSON.parse(out.ran.logs[0])).toMatchObject({ step: 'build-trusted', error: { name: 'TypeError' } });
    });

    it('fails to start, naming the allowed classes, when STRATA_HANDLER_CLASS is not a handler class', () => {
      const result = run({ ...appSettings, STRATA_HANDLER_CLASS: 'reporting' });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('app setting STRATA_HANDLER_CLASS is "reporting"; allowed: ingest, transform, quality, ml');
    });
  });
});
