/**
 * The dashboard's JSON API (docs/api/openapi.yaml) on the built server: metrics searched and
 * paged, queries that agree with QUERY over TCP, rules added, listed, firing and deleted, a
 * metric deleted, and the guards (bearer token, rate limit, body size), every error carrying the
 * protocol's reply text.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { LineClient } from './support/line-client';
import { parseResults, REPLY } from './support/replies';
import { freshDataDir, PulseServer, removeDataDirs } from './support/spawn-server';
import { eventually } from './support/timing';

const QUERY_USAGE = REPLY.queryUsage.trimEnd();

/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies of many shapes, read by the assertions */
interface Api {
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  send(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/* eslint-enable @typescript-eslint/no-explicit-any */

function apiOf(server: PulseServer): Api {
  const base = `http://127.0.0.1:${server.httpPort}`;
  const call = async (path: string, init: RequestInit) => {
    const response = await fetch(`${base}${path}`, init);
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  return {
    get: (path, headers = {}) => call(path, { headers }),
    send: (method, path, body) =>
      call(path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
  };
}

describe('HTTP API', () => {
  let server: PulseServer;
  let api: Api;
  let client: LineClient;

  beforeAll(async () => {
    server = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { PULSE_ALERT_PERIOD_SECONDS: '1' },
    });
    api = apiOf(server);
    client = await LineClient.connect(server.port);
  });
  afterAll(async () => {
    LineClient.destroyAll();
    await PulseServer.killAll();
    await removeDataDirs();
  });

  it('lists metrics searched and paged, each with the figures QUERY gives', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `page.m${String(i).padStart(3, '0')}`);
    const replies = await client.pipeline(
      ids.flatMap((id, i) => [`LOG ${id} ${i}`, `LOG ${id} ${i}.5`]),
    );
    expect(replies.every((r) => r === REPLY.inserted)).toBe(true);

    const seen: string[] = [];
    let cursor: string | null = '';
    for (let pages = 0; cursor !== null && pages < 10; pages++) {
      const { status, body } = await api.get(
        `/api/metrics?search=PAGE.M&limit=100&cursor=${cursor}`,
      );
      expect(status).toBe(200);
      expect(body.total).toBe(250);
      seen.push(...body.metrics.map((m: { id: string }) => m.id));
      cursor = body.nextCursor;
    }
    expect(seen).toEqual(ids); // every one once, in id order, over three pages

    const { body } = await api.get('/api/metrics?search=m017');
    expect(body.metrics).toHaveLength(1);
    const [m] = body.metrics;
    expect(m).toEqual({
      id: 'page.m017',
      count: 2,
      firstStamp: expect.any(Number),
      lastStamp: expect.any(Number),
      lastValue: 17.5,
    });
    const counted = parseResults(await client.request('QUERY page.m017 COUNT 0'));
    expect(counted.length).toBe(m.count);

    expect(await api.get('/api/metrics?limit=0')).toEqual({
      status: 400,
      body: { error: '400 Bad Request -- limit must be an integer from 1 to 1000' },
    });
    expect((await api.get('/api/metrics?cursor=%%%')).status).toBe(400);
  });

  it('answers a query with the numbers QUERY replies and the start of each window', async () => {
    for (let i = 0; i < 5; i++)
      expect(await client.request(`LOG q.cpu ${i * 0.1}`)).toBe(REPLY.inserted);
    const from = Date.now() - 60_000;
    for (const op of ['AVG', 'MIN', 'MAX', 'COUNT']) {
      const iso = new Date(from).toISOString();
      const tcp = parseResults(await client.request(`QUERY q.cpu ${op} 7 ${iso}`));
      const { status, body } = await api.get(`/api/query?id=q.cpu&op=${op}&secs=7&from=${from}`);
      expect(status).toBe(200);
      expect(body.values).toEqual(tcp);
      expect(body.from).toBe(from);
      expect(body.times).toHaveLength(tcp.length);
      for (const t of body.times) expect((t - from) % 7000).toBe(0); // windows anchored at from
    }
    const iso = await api.get(
      `/api/query?id=q.cpu&op=AVG&secs=7&from=${new Date(from).toISOString()}`,
    );
    expect(iso.body.values).toEqual(
      (await api.get(`/api/query?id=q.cpu&op=AVG&secs=7&from=${from}`)).body.values,
    );
    const raw = await api.get('/api/query?id=q.cpu&op=MAX&secs=0');
    expect(raw.body.values).toEqual([0, 0.1, 0.2, 0.30000000000000004, 0.4]);
  });

  it.each([
    ['an unknown op', '/api/query?id=q.cpu&op=SUM&secs=1', 400, QUERY_USAGE],
    ['negative secs', '/api/query?id=q.cpu&op=AVG&secs=-1', 400, QUERY_USAGE],
    ['no id', '/api/query?op=AVG&secs=1', 400, QUERY_USAGE],
    [
      'from after to',
      '/api/query?id=q.cpu&op=AVG&secs=1&from=2022-02-02&to=2022-02-01',
      400,
      QUERY_USAGE,
    ],
    ['an impossible date', '/api/query?id=q.cpu&op=AVG&secs=1&from=2022-02-30', 400, QUERY_USAGE],
    ['to without from', '/api/query?id=q.cpu&op=AVG&secs=1&to=2022-02-01', 400, QUERY_USAGE],
    ['an unknown metric', '/api/query?id=never.logged&op=AVG&secs=1', 404, '404 Metric Not Found'],
  ])('refuses a query with %s, with the protocol text', async (_what, path, status, error) => {
    expect(await api.get(path)).toEqual({ status, body: { error } });
  });

  it('adds, lists and deletes rules; a firing rule shows as firing; deletion is journaled', async () => {
    expect(await client.request('LOG rack:1.temp 1')).toBe(REPLY.inserted);
    const added = await api.send('POST', '/api/alerts', {
      id: 'rack:1.temp',
      op: 'MAX',
      secs: 60,
      limit: 5,
    });
    expect(added).toEqual({ status: 200, body: { rule: 'rack:1.temp MAX 60 5' } });
    // The same rule over TCP is the same rule.
    expect(await client.request('NEW-ALERT rack:1.temp MAX 60 5')).toBe(REPLY.alertRegistered);
    const rulesOf = async () =>
      (await api.get('/api/alerts')).body.rules.filter(
        (r: { id: string }) => r.id === 'rack:1.temp',
      );
    expect(await rulesOf()).toEqual([
      expect.objectContaining({ rule: 'rack:1.temp MAX 60 5', state: 'ok' }),
    ]);

    expect(await client.request('LOG rack:1.temp 9')).toBe(REPLY.inserted);
    expect(
      await eventually(async () => (await rulesOf())[0]?.state === 'firing', 10_000, 200),
    ).toBe(true);

    const key = encodeURIComponent('rack:1.temp MAX 60 5');
    expect(await api.send('DELETE', `/api/alerts/${key}`)).toEqual({
      status: 204,
      body: undefined,
    });
    expect(await rulesOf()).toEqual([]);
    expect(await api.send('DELETE', `/api/alerts/${key}`)).toEqual({
      status: 404,
      body: { error: '404 Rule Not Found' },
    });
    const journal = await api.get(
      `/api/alerts/journal?metric=${encodeURIComponent('rack:1.temp')}`,
    );
    expect(journal.body.entries.map((e: { state: string }) => e.state)[0]).toBe('deleted');
    expect(journal.body.entries.some((e: { state: string }) => e.state === 'firing')).toBe(true);

    expect(
      await api.send('POST', '/api/alerts', { id: 'never.logged', op: 'MAX', secs: 1, limit: 1 }),
    ).toEqual({
      status: 404,
      body: { error: '404 Metric Not Found' },
    });
    expect(await api.send('POST', '/api/alerts', { id: 'rack:1.temp', op: 'MAX' })).toEqual({
      status: 400,
      body: { error: REPLY.alertUsage.trimEnd() },
    });
  }, 30_000);

  it('deletes a metric: gone from QUERY and the listing at once; a later LOG starts it anew', async () => {
    expect(await client.pipeline(['LOG del.me 1', 'LOG del.me 2'])).toEqual([
      REPLY.inserted,
      REPLY.inserted,
    ]);
    expect(await api.send('DELETE', '/api/metrics/del.me')).toEqual({
      status: 204,
      body: undefined,
    });
    expect(await client.request('QUERY del.me COUNT 0')).toBe(REPLY.notFound);
    expect((await api.get('/api/metrics?search=del.me')).body.total).toBe(0);
    expect(await api.send('DELETE', '/api/metrics/del.me')).toEqual({
      status: 404,
      body: { error: '404 Metric Not Found' },
    });
    expect(await client.request('LOG del.me 3')).toBe(REPLY.inserted);
    expect(await client.request('QUERY del.me MAX 0')).toBe('200 [3.0]\n');
  });

  it('routes every call docs/api/openapi.yaml describes, and no other /api call', async () => {
    const contract = parse(readFileSync('docs/api/openapi.yaml', 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [path, methods] of Object.entries(contract.paths)) {
      for (const method of Object.keys(methods)) {
        const concrete = path.replace('{id}', 'no.such.metric').replace('{rule}', 'no%20rule');
        const response = await fetch(`http://127.0.0.1:${server.httpPort}${concrete}`, {
          method: method.toUpperCase(),
        });
        const body = (await response.json()) as { error?: string; message?: string };
        // No route: Nest's "Cannot GET /path"; the API's own 404s are protocol replies.
        expect(`${method} ${path}: ${body.message ?? body.error}`).not.toMatch(/: Cannot /);
      }
    }
    const unknown = await fetch(`http://127.0.0.1:${server.httpPort}/api/nothing`);
    expect(((await unknown.json()) as { message: string }).message).toMatch(/^Cannot GET/);
  });

  it('reports the server figures the dashboard shows', async () => {
    const { status, body } = await api.get('/api/server');
    expect(status).toBe(200);
    expect(body).toEqual(
      expect.objectContaining({
        timeZone: 'UTC',
        connections: 1,
        valuesAcknowledged: expect.any(Number),
        metrics: expect.any(Number),
        node: null,
      }),
    );
    expect(body.valuesAcknowledged).toBeGreaterThanOrEqual(500);
  });
});

describe('HTTP API guards', () => {
  afterEach(async () => {
    await PulseServer.killAll();
  });
  afterAll(() => removeDataDirs());

  it('needs the bearer token when one is set, and leaves the health endpoints open', async () => {
    const server = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { PULSE_HTTP_TOKEN: 'tok-3f9a' },
    });
    const api = apiOf(server);
    const unauthorized = { status: 401, body: { error: '401 Unauthorized' } };
    expect(await api.get('/api/server')).toEqual(unauthorized);
    expect(await api.get('/api/server', { authorization: 'Bearer tok-3f9' })).toEqual(unauthorized);
    expect((await api.get('/api/server', { authorization: 'Bearer tok-3f9a' })).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${server.httpPort}/healthz`)).status).toBe(200);
    expect(server.output).not.toContain('tok-3f9a');
  });

  it('bounds the request rate per client and the size of a body', async () => {
    const server = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { PULSE_HTTP_RATE_LIMIT: '5' },
    });
    const api = apiOf(server);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => api.get('/api/server')));
    const limited = statuses.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(limited[0].body.error).toMatch(/^429 Too Many Requests/);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const big = await api.send('POST', '/api/alerts', {
      id: 'x'.repeat(20_000),
      op: 'MAX',
      secs: 1,
      limit: 1,
    });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/^413 /);
  });
});
