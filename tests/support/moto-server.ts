/**
 * A moto server (https://github.com/getmoto/moto) for one test file: the
 * real AWS SDK clients talk HTTP to it instead of to AWS.
 *
 *   const moto = useMotoServer();
 *   new GlueClient(moto.clientConfig());
 *
 * Started in beforeAll on a free port, killed in afterAll. Nothing is
 * skipped: without `moto_server` on the PATH (pip install 'moto[server]')
 * the file's tests fail with a message saying so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './free-port.ts';

export interface MotoServer {
  /** `http://127.0.0.1:<port>`; throws before beforeAll has started it. */
  readonly endpoint: string;
  /** Client configuration pointing at this server, with dummy credentials (never the environment's). */
  clientConfig(): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** Forgets every resource (moto's reset API), for tests that want a clean account. */
  reset(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** Starts a moto server for the calling test file (call at the top of a describe or of the file). */
export function useMotoServer(options: { readonly region?: string } = {}): MotoServer {
  const region = options.region ?? 'eu-west-1';
  let child: ChildProcess | undefined;
  let endpoint: string | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const spawned = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = spawned;
    spawned.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    spawned.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const failure = new Promise<never>((_, reject) => {
      spawned.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            error.code === 'ENOENT'
              ? "moto_server is not installed or not on the PATH: these tests need it (pip install 'moto[server]'); they are not skipped"
              : `moto_server could not start: ${error.message}`,
          ),
        ),
      );
      spawned.once('exit', (code, signal) => reject(new Error(`moto_server exited (${signal ?? code}) before answering on ${url}:\n${output.join('')}`)));
    });
    const ready = (async () => {
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (Date.now() < deadline) {
        if (await answers(url)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`moto_server did not answer on ${url} within ${START_TIMEOUT_MS / 1000} s:\n${output.join('')}`);
    })();
    await Promise.race([ready, failure]);
    // Once up, a later exit must not become an unhandled rejection.
    failure.catch(() => undefined);
    endpoint = url;
  }, START_TIMEOUT_MS + 5_000);

  afterAll(async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  });

  const started = () => {
    if (!endpoint) throw new Error('the moto server is not running (useMotoServer starts it in beforeAll)');
    return endpoint;
  };
  return {
    get endpoint() {
      return started();
    },
    clientConfig: () => ({ endpoint: started(), region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }),
    reset: async () => {
      const response = await fetch(`${started()}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
    },
  };
}
