/**
 * The dashboard in a real browser (playwright-core driving Debian's chromium) against the built
 * server (run `npm run build` first: it builds the page into dist/apps/server/dashboard), with
 * data sent over the TCP protocol and what the page draws checked against QUERY's replies.
 * Screenshots of each view go to test-artifacts/dashboard/ (CI keeps them);
 * docs/images/dashboard-chart.png is a copy of test-artifacts/dashboard/chart.png.
 * Without chromium the suite says it is skipped; under CI=true that is a failure.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LineClient } from '../../server/test/support/line-client';
import { REPLY } from '../../server/test/support/replies';
import {
  freshDataDir,
  PulseServer,
  removeDataDirs,
  withServerOutput,
} from '../../server/test/support/spawn-server';
import { eventually, sleep } from '../../server/test/support/timing';
import { launchChromium, unavailableReason } from './support/chromium';
import {
  chartReady,
  horizontalOverflow,
  metricRows,
  screenshot,
  untilEqual,
  viewReady,
} from './support/dashboard-page';
import { PeriodicLogger } from './support/periodic-logger';
import { expectChartMatchesQuery, queryAfter } from './support/query-replay';
import { latencyLines, waveLines } from './support/sample-series';

const DASHBOARD_DIR = join(process.cwd(), 'dist/apps/server/dashboard');

const unavailable = unavailableReason();
if (unavailable && process.env.CI === 'true') {
  throw new Error(`dashboard browser tests cannot run under CI=true: ${unavailable}`);
}
if (unavailable) console.warn(`dashboard browser tests SKIPPED: ${unavailable}`);
const describeBrowser = unavailable ? describe.skip : describe;

const DESKTOP = { width: 1280, height: 720 };
const PHONE = { width: 375, height: 800 };
/** The background series of the README's chart: two latencies every 100 ms for 20 s. */
const DEMO_TICKS = 200;
const DEMO_EVERY_MS = 100;
const BIG_POINTS = 100_000;

interface RenderTiming {
  points: number;
  series: number;
  ms: number;
}

/** `YYYY-MM-DDTHH:mm:ss` in UTC (the server's zone here): a typed from/to of the chart. */
function wallClockUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

describeBrowser('dashboard in a browser', () => {
  let launching: Promise<Browser> | undefined;
  let browser: Browser | undefined;
  let server: PulseServer;
  let tokenServer: PulseServer | undefined;
  let client: LineClient;
  let base: string;
  let demo: PeriodicLogger | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  /** A new page in a fresh context (its own sessionStorage), closed after the test. */
  async function openPage(viewport = DESKTOP): Promise<Page> {
    if (!browser) throw new Error('the browser did not start (see beforeAll)');
    const context = await browser.newContext({ viewport });
    context.setDefaultTimeout(10_000);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
    return page;
  }

  beforeAll(async () => {
    if (!existsSync(join(DASHBOARD_DIR, 'index.html'))) {
      throw new Error(`${DASHBOARD_DIR}/index.html is missing: run \`npm run build\` first`);
    }
    launching = launchChromium();
    launching.catch(() => undefined); // awaited below; a failure is reported there
    server = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { PULSE_ALERT_PERIOD_SECONDS: '1' },
    });
    base = `http://127.0.0.1:${server.httpPort}`;
    client = await LineClient.connect(server.port);
    demo = await PeriodicLogger.start(
      server.port,
      DEMO_EVERY_MS,
      latencyLines('web.latency.p50', 'web.latency.p95'),
      DEMO_TICKS,
    );
    // Three rounds a second apart, so the shop metrics have several 1-second windows.
    for (let round = 0; round < 3; round++) {
      if (round > 0) await sleep(1000);
      const lines = [
        ...[0, 1, 2, 3, 4].map((i) => `LOG shop.orders ${10 + round * 7 + ((i * 5) % 11)}`),
        `LOG shop.orders.failed ${round}`,
        `LOG shop.orders.failed ${round + 0.5}`,
        `LOG shop.backorders ${3 - round}`,
        `LOG shop.refunds ${round * 2}`,
        `LOG web.requests ${100 + round}`,
      ];
      const replies = await client.pipeline(lines);
      expect(replies).toEqual(lines.map(() => REPLY.inserted));
    }
    browser = await launching;
  }, 60_000);

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    const errors = pageErrors.splice(0);
    if (errors.length > 0) throw new Error(`uncaught errors in the page:\n${errors.join('\n')}`);
  });

  afterAll(async () => {
    await demo?.stop().catch(() => undefined);
    // The browser even if beforeAll failed while it was starting: no Chromium left behind.
    await (browser ?? (await launching?.catch(() => undefined)))?.close();
    LineClient.destroyAll();
    await PulseServer.killAll();
    await removeDataDirs();
  });

  /** A failing test shows what the servers logged. */
  const withLogs = (fn: () => Promise<void>) => withServerOutput(() => [server, tokenServer], fn);

  it(
    'finds metrics by a search and charts one with as many points as QUERY returns',
    withLogs(async () => {
      const page = await openPage();
      await page.goto(`${base}/#view=metrics`);
      await viewReady(page, 'metrics');
      const searched = page.waitForResponse((r) => {
        const url = new URL(r.url());
        return url.pathname === '/api/metrics' && url.searchParams.get('search') === 'orders';
      });
      await page.fill('[data-testid=metric-search]', 'orders');
      await searched;

      const api = await (await fetch(`${base}/api/metrics?search=orders`)).json();
      const ids = api.metrics.map((m: { id: string }) => m.id);
      expect(ids).toEqual(['shop.backorders', 'shop.orders', 'shop.orders.failed']);
      await untilEqual(() => metricRows(page), ids, 'metric rows for "orders"');
      expect(await page.textContent('[data-testid=metric-total]')).toContain(
        `${api.total} metrics`,
      );
      expect(page.url()).toContain('q=orders');
      await screenshot(page, 'metrics');

      const row = page.locator('[data-testid=metric-row][data-id="shop.orders"]');
      const response = await queryAfter(page, () => row.locator('a.id').click());
      const { params } = await expectChartMatchesQuery(page, response, server.port);
      expect(params.get('id')).toBe('shop.orders');
      expect(params.get('op')).toBe('AVG'); // the default op, and the automatic window of 1 h
      expect(params.get('secs')).toBe('5');
      const hash = new URLSearchParams(new URL(page.url()).hash.slice(1));
      expect([hash.get('view'), hash.get('metrics')]).toEqual(['chart', 'shop.orders']);
    }),
  );

  it(
    'asks for the chosen op and range, and draws what QUERY returns for them',
    withLogs(async () => {
      const page = await openPage();
      const opened = await queryAfter(page, () =>
        page.goto(`${base}/#view=chart&metrics=shop.orders`),
      );
      await expectChartMatchesQuery(page, opened, server.port);

      const max = await queryAfter(
        page,
        () => page.selectOption('[data-testid=op]', 'MAX'),
        (p) => p.get('op') === 'MAX',
      );
      const byMax = await expectChartMatchesQuery(page, max, server.port);
      expect(page.url()).toContain('op=MAX');

      // 15 min: 1-second windows, so the three rounds a second apart are three points or more.
      const quarter = await queryAfter(
        page,
        () => page.click('[data-testid=range-15m]'),
        (p) => p.get('secs') === '1',
      );
      const byQuarter = await expectChartMatchesQuery(page, quarter, server.port);
      expect(byQuarter.params.get('op')).toBe('MAX');
      expect(Number(byQuarter.params.get('from'))).toBeGreaterThan(
        Number(byMax.params.get('from')),
      );
      expect(Number((await chartReady(page)).points)).toBeGreaterThanOrEqual(3);
      expect(page.url()).toContain('range=15m');
      expect(await page.getAttribute('[data-testid=range-15m]', 'aria-pressed')).toBe('true');

      const day = await queryAfter(
        page,
        () => page.click('[data-testid=range-24h]'),
        (p) => p.get('secs') === '120',
      );
      const byDay = await expectChartMatchesQuery(page, day, server.port);
      const span = Number(byQuarter.params.get('from')) - Number(byDay.params.get('from'));
      expect(span).toBeGreaterThan(23 * 3_600_000); // 24 h back instead of 15 min
      expect(page.url()).toContain('range=24h');
    }),
  );

  it(
    'shows a firing rule as firing and draws its limit on the chart it opens',
    withLogs(async () => {
      const id = 'alert.temperature';
      expect(await client.request(`LOG ${id} 20`)).toBe(REPLY.inserted);
      expect(await client.request(`NEW-ALERT ${id} MAX 60 50`)).toBe(REPLY.alertRegistered);
      // Over the limit at every check (each second) until the page has shown it, so it stays firing.
      const hot = await PeriodicLogger.start(server.port, 100, (tick) => [
        `LOG ${id} ${75 + tick}`,
      ]);
      try {
        const firing = async () => {
          const { rules } = await (await fetch(`${base}/api/alerts`)).json();
          return rules.find((r: { id: string }) => r.id === id);
        };
        const seen = await eventually(async () => (await firing())?.state === 'firing', 10_000);
        expect(seen ? 'firing' : `not firing within 10 s: ${JSON.stringify(await firing())}`).toBe(
          'firing',
        );
        const rule = await firing();

        const page = await openPage();
        await page.goto(`${base}/#view=alerts`);
        await viewReady(page, 'alerts');
        const row = page.locator(`[data-testid=rule-row][data-rule="${rule.rule}"]`);
        expect(await row.getAttribute('data-state')).toBe('firing');
        await page.waitForSelector(`[data-testid=journal-row][data-state=firing][data-id="${id}"]`);
        await screenshot(page, 'alerts');
        await hot.stop(); // the values stop growing, so the chart and QUERY see the same ones

        const response = await queryAfter(page, () =>
          row.locator('[data-testid=rule-chart]').click(),
        );
        const { params, limit } = await expectChartMatchesQuery(page, response, server.port);
        expect([params.get('id'), params.get('op'), params.get('secs')]).toEqual([id, 'MAX', '60']);
        expect(limit).toBe(String(rule.limit));
        expect(rule.limit).toBe(50);
        expect(await page.isVisible('[data-testid=chart-limit]')).toBe(true);
        expect(await page.textContent('[data-testid=chart-limit]')).toContain('Rule limit 50.0');
      } finally {
        await hot.stop();
      }
    }),
  );

  it(
    "shows the server's own figures",
    withLogs(async () => {
      const page = await openPage();
      await page.goto(`${base}/#view=server`);
      await viewReady(page, 'server');
      const summary = await (await fetch(`${base}/api/server`)).json();
      expect(await page.textContent('[data-testid=server-metrics]')).toBe(String(summary.metrics));
      expect(await page.textContent('[data-testid=server-zone]')).toBe('UTC');
      expect(await page.textContent('[data-testid=server-node]')).toBe('single node');
      expect(await page.textContent('[data-testid=server-version]')).toBe(summary.version);
      await screenshot(page, 'server');
    }),
  );

  it(
    'has no horizontal scroll in any view at 375 px wide',
    withLogs(async () => {
      const page = await openPage(PHONE);
      const journal = await (await fetch(`${base}/api/alerts/journal`)).json();
      const views: Array<[string, () => Promise<unknown>]> = [
        ['metrics', () => page.waitForSelector('[data-testid=metric-row]')],
        ['chart&metrics=shop.orders,web.latency.p50&op=MAX', () => chartReady(page)],
        [
          'alerts',
          async () => {
            await viewReady(page, 'alerts');
            if (journal.entries.length > 0) await page.waitForSelector('[data-testid=journal-row]');
          },
        ],
        ['server', () => viewReady(page, 'server')],
      ];
      for (const [view, ready] of views) {
        await page.goto(`${base}/#view=${view}`);
        await ready();
        const overflow = await horizontalOverflow(page);
        const fits = overflow.scrollWidth <= overflow.clientWidth;
        expect(fits ? 'fits' : `#view=${view} scrolls sideways: ${JSON.stringify(overflow)}`).toBe(
          'fits',
        );
        if (view.startsWith('chart')) await screenshot(page, 'chart-375');
      }
    }),
  );

  it(
    'with a token set: the API refuses calls without it and the page asks for it',
    withLogs(async () => {
      const token = 'dashboard-e2e-token';
      tokenServer = await PulseServer.start({
        dataDir: await freshDataDir(),
        env: { PULSE_HTTP_TOKEN: token },
      });
      try {
        const guarded = `http://127.0.0.1:${tokenServer.httpPort}`;
        const tcp = await LineClient.connect(tokenServer.port);
        expect(await tcp.request('LOG guarded.metric 1')).toBe(REPLY.inserted);
        tcp.destroy();

        const missing = await fetch(`${guarded}/api/metrics`);
        expect([missing.status, await missing.json()]).toEqual([
          401,
          { error: '401 Unauthorized' },
        ]);
        const wrong = await fetch(`${guarded}/api/metrics`, {
          headers: { authorization: 'Bearer not-it' },
        });
        expect(wrong.status).toBe(401);
        const right = await fetch(`${guarded}/api/metrics`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(right.status).toBe(200);

        const page = await openPage();
        await page.goto(`${guarded}/#view=metrics`);
        await page.waitForSelector('[data-testid=token-form]', { state: 'visible' });
        expect(await page.isVisible('[data-testid=token-refused]')).toBe(false);
        await screenshot(page, 'token-form');

        await page.fill('[data-testid=token-input]', 'not-it');
        await page.click('[data-testid=token-submit]');
        await page.waitForSelector('[data-testid=token-refused]', { state: 'visible' });

        await page.fill('[data-testid=token-input]', token);
        await page.click('[data-testid=token-submit]');
        await viewReady(page, 'metrics');
        await untilEqual(() => metricRows(page), ['guarded.metric'], 'metric rows after the token');
        expect(await page.isVisible('[data-testid=token-form]')).toBe(false);

        await page.reload(); // kept for the tab's life: no second prompt
        await viewReady(page, 'metrics');
        expect(await page.isVisible('[data-testid=token-form]')).toBe(false);
      } finally {
        await tokenServer.stop();
        tokenServer = undefined;
      }
    }),
  );

  it(
    'deletes a metric from the list (after confirming): gone from the page and from QUERY',
    withLogs(async () => {
      const replies = await client.pipeline(['LOG doomed.keep 1', 'LOG doomed.gone 2']);
      expect(replies).toEqual([REPLY.inserted, REPLY.inserted]);
      expect(await client.request('QUERY doomed.gone MAX 0')).toBe('200 [2.0]\n');

      const page = await openPage();
      const questions: string[] = [];
      page.on('dialog', (dialog) => {
        questions.push(dialog.message());
        void dialog.accept();
      });
      await page.goto(`${base}/#view=metrics&q=doomed`);
      await untilEqual(() => metricRows(page), ['doomed.gone', 'doomed.keep'], 'rows before');
      const deleted = page.waitForResponse((r) => r.request().method() === 'DELETE');
      await page.click(
        '[data-testid=metric-row][data-id="doomed.gone"] [data-testid=metric-delete]',
      );
      expect((await deleted).status()).toBe(204);
      await untilEqual(() => metricRows(page), ['doomed.keep'], 'rows after deleting doomed.gone');

      expect(questions).toEqual([expect.stringContaining('doomed.gone')]);
      expect(await client.request('QUERY doomed.gone MAX 0')).toBe(REPLY.notFound);
      expect(await client.request('QUERY doomed.keep MAX 0')).toBe('200 [1.0]\n');
    }),
  );

  it(
    'draws 100,000 points (first-render time and bundle size reported)',
    withLogs(async () => {
      const id = 'big.series';
      for (let sent = 0; sent < BIG_POINTS; sent += 5000) {
        const lines = waveLines(id, sent, 5000);
        const replies = await client.pipeline(lines, 30_000);
        const refused = replies.find((reply) => reply !== REPLY.inserted);
        expect(refused).toBeUndefined();
      }

      const page = await openPage();
      const response = await queryAfter(page, () =>
        page.goto(`${base}/#view=chart&metrics=${id}&secs=0`),
      );
      expect(response.status()).toBe(200);
      const { points } = await chartReady(page, 30_000);
      const render = await page.evaluate(
        () => (window as unknown as { __pulseRender?: RenderTiming }).__pulseRender,
      );
      expect(points).toBe(String(BIG_POINTS));
      expect(render).toEqual({ points: BIG_POINTS, series: 1, ms: expect.any(Number) });

      const assets = readdirSync(join(DASHBOARD_DIR, 'assets')).map((name) =>
        readFileSync(join(DASHBOARD_DIR, 'assets', name)),
      );
      const raw = assets.reduce((sum, bytes) => sum + bytes.length, 0);
      const gzip = assets.reduce((sum, bytes) => sum + gzipSync(bytes).length, 0);
      expect(raw).toBeGreaterThan(0);
      console.log(
        `dashboard: first render of ${BIG_POINTS.toLocaleString('en-US')} points (1 series, secs=0): ` +
          `${render?.ms} ms; bundle (dist/apps/server/dashboard/assets, ${assets.length} files): ` +
          `${raw} bytes, ${gzip} gzipped (node:zlib default level)`,
      );
    }),
    90_000,
  );

  it(
    'charts two series of a few hundred values each (the README screenshot)',
    withLogs(async () => {
      await demo!.done();
      // At least 24 s across, so uPlot's x ticks are 2 s apart (see the report: 1-s tick labels
      // overlap).
      const from = wallClockUtc(demo!.firstSent - 2000);
      const to = wallClockUtc(demo!.lastAcked + 4000);
      const page = await openPage();
      await page.goto(
        `${base}/#view=chart&metrics=web.latency.p50,web.latency.p95&secs=0&from=${from}&to=${to}`,
      );
      const { points } = await chartReady(page);
      expect(points).toBe(`${DEMO_TICKS},${DEMO_TICKS}`);
      await screenshot(page, 'chart');
    }),
    40_000,
  );
});
