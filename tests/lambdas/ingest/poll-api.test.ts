import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderObjectStore } from '../../../lambdas/adapters/local/folder-object-store.ts';
import { pollApi, PollError, type PollApiDeps } from '../../../lambdas/ingest/poll-api.ts';
import type { HttpJsonSource } from '../../../pipelines/workloads/http-source.ts';
import { CATALOG } from '../../support/catalog.ts';

const NOW = new Date('2026-03-04T05:06:07.890Z');
const API_KEY = 'k3y-that-must-never-be-written-0123456789';
const SECRET_NAME = 'strata/test/weather-api-key';

type Reply = (request: IncomingMessage, response: ServerResponse) => void;

const json = (body: unknown, status = 200): Reply => (_request, response) => {
  response.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
};
const CITIES = { cnt: 2, list: [{ id: 3448439, name: 'São Paulo', main: { temp: 24.1 } }, { id: 3451190, name: 'Rio de Janeiro', main: { temp: 29.5 } }] };

let server: Server;
let baseUrl: string;
let replies: Reply[];
let requests: { url: string; headers: IncomingMessage['headers'] }[];
let lake: string;
let deps: PollApiDeps;

/** A source like the weather one, pointed at the local server, one request per poll. */
const source = (overrides: Partial<HttpJsonSource> = {}): HttpJsonSource => ({
  ...CATALOG.sources('test')[0]!,
  batches: undefined,
  query: { id: '3448439,3451190', units: 'metric' },
  ...overrides,
});

beforeEach(async () => {
  replies = [];
  requests = [];
  server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers });
    const reply = replies.shift();
    if (reply) reply(request, response);
    // No reply queued: never answer, as a hung API would not.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data/2.5/group`;
  lake = await mkdtemp(join(tmpdir(), 'strata-poll-'));
  deps = {
    store: new FolderObjectStore(lake),
    secrets: { get: async (name) => (name === SECRET_NAME ? API_KEY : Promise.reject(new Error(`no secret ${name}`))) },
    clock: { now: () => NOW },
    limits: { pollTimeoutSeconds: 0.3, pollAttempts: 3, maxPollMb: 1, maxPollRecords: 1_000 },
    backoffBaseMs: 20,
  };
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(lake, { recursive: true, force: true });
});

async function lakeFiles(): Promise<string[]> {
  const entries = await readdir(lake, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(lake.length + 1));
}

describe('pollApi against a real HTTP server on 127.0.0.1', () => {
  it('writes the records as JSON lines with _ingested_at, in raw/<source>/ingest_date=/<ISO time>.jsonl', async () => {
    replies.push(json(CITIES));

    const result = await pollApi(deps, source({ lands: undefined }), { url: baseUrl });

    expect(result).toEqual({ key: 'weather_current/ingest_date=2026-03-04/2026-03-04T05:06:07.890Z.jsonl', records: 2, attempts: 1 });
    expect(await lakeFiles()).toEqual([join('raw', result.key!)]);
    const lines = (await readFile(join(lake, 'raw', result.key!), 'utf8')).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(CITIES.list.map((city) => ({ ...city, _ingested_at: NOW.toISOString() })));
  });

  it('drops the records into landing as their table\'s CSV: a header of its columns, each value by its path, quoted where it must be, empty where missing', async () => {
    const list = [
      { id: 1, name: 'São Paulo', dt: 1772600767, main: { temp: 24.1 }, weather: [{ main: 'Rain', description: 'chuva "forte", vento' }], rain: { '1h': 0.25 } },
      { id: 2, name: 'Rio', dt: 1772600768, main: { temp: -0.5 }, weather: [], flags: { x: true } },
    ];
    replies.push(json({ cnt: 2, list }));
    const lands = { file: 'weather_current.csv', columns: { city_id: 'id', city: 'name', observed_at: 'dt', temp_c: 'main.temp', condition: 'weather.0.main', description: 'weather.0.description', rain_1h_mm: 'rain.1h', flags: 'flags' } };

    const result = await pollApi(deps, source({ lands }), { url: baseUrl });

    expect(result.landingKey).toBe('landing/weather_current/2026-03-04T05-06-07.890Z/weather_current.csv');
    expect((await lakeFiles()).sort()).toEqual([join('raw', result.key!), join('raw', result.landingKey!)].sort());
    expect(await readFile(join(lake, 'raw', result.landingKey!), 'utf8')).toBe(
      'city_id,city,observed_at,temp_c,condition,description,rain_1h_mm,flags\r\n' +
        '1,São Paulo,1772600767,24.1,Rain,"chuva ""forte"", vento",0.25,\r\n' +
        '2,Rio,1772600768,-0.5,,,,"{""x"":true}"\r\n',
    );
  });

  it('sends the key from the SecretStore where the source says, and never writes it', async () => {
    replies.push(json(CITIES), json(CITIES));

    const inQuery = await pollApi(deps, source(), { url: baseUrl });
    await pollApi({ ...deps, clock: { now: () => new Date('2026-03-04T05:07:00Z') } }, source({ apiKey: { in: 'header', header: 'x-api-key' } }), { url: baseUrl });

    const first = new URL(requests[0]!.url, baseUrl);
    expect(first.searchParams.get('appid')).toBe(API_KEY);
    expect(first.searchParams.get('id')).toBe('3448439,3451190');
    expect(requests[1]!.headers['x-api-key']).toBe(API_KEY);
    expect(new URL(requests[1]!.url, baseUrl).searchParams.has('appid')).toBe(false);
    expect(inQuery.key).toBeTruthy();
    for (const file of await lakeFiles()) expect(await readFile(join(lake, file), 'utf8')).not.toContain(API_KEY);
  });

  it('retries a 500 and succeeds on the next attempt', async () => {
    replies.push(json({ message: 'upstream down' }, 500), json(CITIES));

    const result = await pollApi(deps, source(), { url: baseUrl });

    expect(result).toMatchObject({ records: 2, attempts: 2 });
    expect(requests).toHaveLength(2);
  });

  it('honours Retry-After on a 429', async () => {
    replies.push((_request, response) => response.writeHead(429, { 'retry-after': '1' }).end(), json(CITIES));
    const started = Date.now();

    const result = await pollApi({ ...deps, maxBackoffMs: 300 }, source(), { url: baseUrl });

    expect(result).toMatchObject({ records: 2, attempts: 2 });
    // Retry-After asked for 1 s; capped by maxBackoffMs (300 ms), far above the 20 ms backoff.
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('abandons an attempt the server does not answer within pollTimeoutSeconds, retries, then fails with nothing written', async () => {
    const started = Date.now();
    const error = await pollApi({ ...deps, limits: { ...deps.limits, pollAttempts: 2 } }, source(), { url: baseUrl }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PollError);
    expect((error as PollError).attempts).toBe(2);
    expect((error as PollError).message).toMatch(/weather_current: GET http:\/\/127\.0\.0\.1:\d+\/data\/2\.5\/group failed on attempt 2 of 2: no complete answer within pollTimeoutSeconds \(0\.3 s\); giving up, nothing written/);
    expect(requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await lakeFiles()).toEqual([]);
  });

  it('times out a body that never finishes, the same as no answer', async () => {
    const trickle: Reply = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"list": [');
    };
    replies.push(trickle, json(CITIES));

    expect(await pollApi(deps, source(), { url: baseUrl })).toMatchObject({ records: 2, attempts: 2 });
  });

  it('retries malformed JSON, then fails with a clear message and writes nothing', async () => {
    replies.push(json('{"list": [ {"id": 1}'), json('<html>busy</html>'), json('{"list": '));

    await expect(pollApi(deps, source(), { url: baseUrl })).rejects.toThrow(/attempt 3 of 3: response is not valid JSON .*giving up, nothing written/);
    expect(requests).toHaveLength(3);
    expect(await lakeFiles()).toEqual([]);
  });

  it('fails when the records path is missing or not an array', async () => {
    replies.push(json({ cod: '200', items: [] }), json({ list: { id: 1 } }), json({ list: [1, 2] }));

    await expect(pollApi(deps, source(), { url: baseUrl })).rejects.toThrow(/attempt 3 of 3: record 0 at "list" is not a JSON object/);
    expect(await lakeFiles()).toEqual([]);
  });

  it('does not retry a 401, and does not echo the key the server echoes', async () => {
    replies.push(json({ cod: 401, message: `Invalid API key ${API_KEY}` }, 401));

    const error = (await pollApi(deps, source(), { url: baseUrl }).catch((caught: unknown) => caught)) as PollError;

    expect(error).toBeInstanceOf(PollError);
    expect(error.message).toMatch(/failed on attempt 1 of 3: HTTP 401 .*\(not retried\)/);
    expect(error.message).not.toContain(API_KEY);
    expect(error.attempts).toBe(1);
    expect(requests).toHaveLength(1);
    expect(await lakeFiles()).toEqual([]);
  });

  it('does not follow redirects (the key would go along)', async () => {
    replies.push((_request, response) => response.writeHead(302, { location: 'http://example.invalid/steal' }).end());
    await expect(pollApi(deps, source(), { url: baseUrl })).rejects.toThrow(/HTTP 302 .*not retried/);
  });

  it('polls every batch and writes their records as one file; a failing batch writes nothing', async () => {
    replies.push(json(CITIES), json({ list: [{ id: 3469058, name: 'Brasília' }] }));
    const batched = source({ batches: [{ id: '3448439,3451190' }, { id: '3469058' }] });

    expect(await pollApi(deps, batched, { url: baseUrl })).toMatchObject({ records: 3, attempts: 2 });
    expect(new URL(requests[1]!.url, baseUrl).searchParams.get('id')).toBe('3469058');

    replies.push(json(CITIES), json({ message: 'bad request' }, 400));
    await rm(lake, { recursive: true, force: true });
    await expect(pollApi(deps, batched, { url: baseUrl })).rejects.toThrow(/HTTP 400/);
    expect(await lakeFiles().catch(() => [])).toEqual([]);
  });

  it('stops reading an answer at maxPollMb, whatever it declares, and does not ask again', async () => {
    let sent = 0;
    replies.push((_request, response) => {
      // Chunked, no content-length: 64 KiB at a time, for up to 8 MiB, as long as the client reads.
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"list": [');
      const chunk = `${'{"id": 1},'.repeat(6553)}`;
      const more = () => {
        while (sent < 8 * 1024 * 1024 && !response.destroyed) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', more);
        }
        response.end('{"id": 2}]}');
      };
      more();
    });

    await expect(pollApi(deps, source(), { url: baseUrl })).rejects.toThrow(/over maxPollMb \(1 MB\); not read further \(not retried\)/);
    expect(requests).toHaveLength(1);
    expect(sent).toBeLessThan(8 * 1024 * 1024);
    expect(await lakeFiles()).toEqual([]);
  });

  it('refuses an answer declared larger than maxPollMb before reading its body', async () => {
    replies.push((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) });
      response.write('{"list": [');
    });
    await expect(pollApi(deps, source(), { url: baseUrl })).rejects.toThrow(/answer of 2097152 bytes is over maxPollMb \(1 MB\)/);
    expect(requests).toHaveLength(1);
  });

  it('refuses bytes that are not UTF-8 instead of replacing them, and writes nothing', async () => {
    replies.push((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.concat([Buffer.from('{"list": [{"name": "S'), Buffer.from([0xe3]), Buffer.from('o Paulo"}]}')]));
    });
    await expect(pollApi(deps, source(), { url: baseUrl })).rejects.toThrow(/answer is not valid UTF-8 .*\(not retried\)/);
    expect(requests).toHaveLength(1);
    expect(await lakeFiles()).toEqual([]);
  });

  it('refuses a poll whose batches hold more than maxPollRecords records in all: nothing written, not retried', async () => {
    const list = (count: number) => ({ list: Array.from({ length: count }, (_, id) => ({ id })) });
    replies.push(json(list(600)), json(list(600)));
    const twoBatches = source({ batches: [{ id: '1' }, { id: '2' }] });

    await expect(pollApi(deps, twoBatches, { url: baseUrl })).rejects.toThrow(/more than maxPollRecords \(1000\) records: 1200 so far .*\(not retried\)/);
    expect(requests).toHaveLength(2);
    expect(await lakeFiles()).toEqual([]);

    replies.push(json(list(500)), json(list(500)));
    expect((await pollApi(deps, twoBatches, { url: baseUrl })).records).toBe(1000);
  });

  it('writes nothing when the API answers with no records', async () => {
    replies.push(json({ cnt: 0, list: [] }));
    expect(await pollApi(deps, source(), { url: baseUrl })).toEqual({ key: null, records: 0, attempts: 1 });
    expect(await lakeFiles()).toEqual([]);
  });
});

describe('the weather source', () => {
  it('asks for all 27 state capitals in batches the group endpoint accepts (20 ids at most)', () => {
    const weather = CATALOG.sources('prod')[0]!;
    const ids = (weather.batches ?? []).flatMap((batch) => batch.id!.split(','));
    expect(new Set(ids).size).toBe(27);
    for (const batch of weather.batches ?? []) expect(batch.id!.split(',').length).toBeLessThanOrEqual(20);
    expect(weather).toMatchObject({ name: 'weather_current', apiKeySecret: 'strata/prod/weather-api-key', apiKey: { in: 'query', parameter: 'appid' }, recordsPath: 'list' });
    expect(CATALOG.sources('dev').map((each) => each.apiKeySecret)).toEqual(['strata/dev/weather-api-key']);
  });
});
