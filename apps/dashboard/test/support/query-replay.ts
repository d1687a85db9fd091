/**
 * The chart's queries replayed over TCP: what the page asked GET /api/query for, sent as QUERY
 * with the same id, op, secs and bounds, so the points drawn can be checked against QUERY.
 */
import type { Page, Response } from 'playwright-core';
import { LineClient } from '../../../server/test/support/line-client';
import { parseResults } from '../../../server/test/support/replies';
import { chartReady } from './dashboard-page';

/** A query bound as /api/query got it (ms since the epoch, or typed text), as QUERY takes it. */
export function protocolDate(bound: string): string {
  return /^\d+$/.test(bound) ? new Date(Number(bound)).toISOString() : bound;
}

/** The next GET /api/query the page makes after `action` (matching `match`). */
export async function queryAfter(
  page: Page,
  action: () => Promise<unknown>,
  match: (params: URLSearchParams) => boolean = () => true,
): Promise<Response> {
  const response = page.waitForResponse(
    (r) => {
      const url = new URL(r.url());
      return url.pathname === '/api/query' && match(url.searchParams);
    },
    { timeout: 10_000 },
  );
  await action();
  return response;
}

/** The same query as QUERY over TCP: the aggregates it answers. */
export async function queryOverTcp(port: number, params: URLSearchParams): Promise<number[]> {
  const bounds = ['from', 'to'].flatMap((key) => {
    const bound = params.get(key);
    return bound === null ? [] : [protocolDate(bound)];
  });
  const line = ['QUERY', params.get('id'), params.get('op'), params.get('secs'), ...bounds];
  const tcp = await LineClient.connect(port);
  try {
    return parseResults(await tcp.request(line.join(' ')));
  } finally {
    tcp.destroy();
  }
}

/**
 * Waits for the chart drawn from `response` and checks it against QUERY on `port`: as many
 * points as QUERY returns aggregates for the same id, op, secs and from (and the same numbers).
 */
export async function expectChartMatchesQuery(
  page: Page,
  response: Response,
  port: number,
): Promise<{ params: URLSearchParams; limit: string | null }> {
  const params = new URL(response.url()).searchParams;
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { values: number[]; times: number[] };
  const { points, limit } = await chartReady(page);
  const replayed = await queryOverTcp(port, params);
  expect(replayed.length).toBeGreaterThan(0);
  expect(points).toBe(String(replayed.length));
  expect(body.values).toEqual(replayed);
  expect(body.times).toHaveLength(replayed.length);
  return { params, limit };
}
