/**
 * A real HTTP server on 127.0.0.1 (ephemeral port) for the Azure adapters'
 * contract tests: it records every request and answers with what the test's
 * `respond` returns, typically a recorded response from ./recorded/ (shapes
 * from the public API docs). It is not Azure; nothing leaves the machine.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** Path as received (still percent-encoded), without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export interface ReplayAnswer {
  readonly status: number;
  /** An object is sent as JSON; a string or bytes as is. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface ReplayServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startReplayServer(respond: (request: RecordedRequest) => ReplayAnswer | Promise<ReplayAnswer>): Promise<ReplayServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const request: RecordedRequest = { method: incoming.method ?? '', path: url.pathname, query: url.searchParams, headers: incoming.headers, body: Buffer.concat(chunks) };
      requests.push(request);
      Promise.resolve()
        .then(() => respond(request))
        .then((answer) => {
          const isBytes = typeof answer.body === 'string' || answer.body instanceof Uint8Array;
          const payload = answer.body === undefined ? '' : isBytes ? (answer.body as string | Uint8Array) : JSON.stringify(answer.body);
          outgoing.writeHead(answer.status, { ...(answer.body !== undefined && !isBytes ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...answer.headers });
          outgoing.end(payload);
        })
        .catch((error: Error) => {
          outgoing.writeHead(599, { 'content-type': 'text/plain' });
          outgoing.end(`replay server: ${error.message}`);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** A recorded exchange from ./recorded/<name>.json: the request as documented and the response the service gives. */
export interface RecordedExchange<Body = unknown> {
  readonly source: string;
  readonly request: { readonly method: string; readonly path: string; readonly query?: Record<string, string>; readonly headers?: Record<string, string>; readonly body?: unknown };
  readonly response: { readonly status: number; readonly headers?: Record<string, string>; readonly body?: Body };
}

export function recorded<Body = unknown>(name: string): RecordedExchange<Body> {
  return JSON.parse(readFileSync(new URL(`./recorded/${name}.json`, import.meta.url), 'utf8')) as RecordedExchange<Body>;
}

/** The recorded response as the server's answer. */
export const replay = (exchange: RecordedExchange): ReplayAnswer => ({ status: exchange.response.status, body: exchange.response.body, headers: exchange.response.headers });

/** An AccessTokenProvider that issues `token-for:<resource>` and remembers what it was asked for. */
export function recordingCredential(): { getToken(resource: string): Promise<string>; readonly resources: string[] } {
  const resources: string[] = [];
  return {
    resources,
    getToken: async (resource: string) => {
      resources.push(resource);
      return `token-for:${resource}`;
    },
  };
}
