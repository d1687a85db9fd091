/**
 * Reading the dashboard from a test: bounded waits on its data-testid attributes (see
 * apps/dashboard/README.md, For browser tests), with failure messages that say what was seen.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { sleep } from '../../../server/test/support/timing';

/** Screenshots of each view, kept by CI as test artifacts (gitignored). */
export const ARTIFACTS_DIR = join(process.cwd(), 'test-artifacts', 'dashboard');

/** Saves the whole page (not only the viewport) as test-artifacts/dashboard/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Polls `read` until it returns `expected` (compared as JSON: values from the page are made in
 * another realm than Jest's, so a strict deep equality would see different prototypes); throws
 * with the last value seen otherwise.
 */
export async function untilEqual<T>(
  read: () => Promise<T>,
  expected: T,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: expected ${JSON.stringify(expected)} within ${timeoutMs} ms, last saw ${JSON.stringify(last)}`,
      );
    }
    await sleep(100);
  }
}

/** The data-id of every metric row shown. */
export function metricRows(page: Page): Promise<string[]> {
  return page
    .locator('[data-testid=metric-row]')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id') ?? ''));
}

/** Waits for a view's `section` to say `data-state="ready"`. */
export async function viewReady(page: Page, view: string, timeoutMs = 10_000): Promise<void> {
  const section = `section.${view}-view`;
  try {
    await page.waitForSelector(`${section}[data-state=ready]`, { timeout: timeoutMs });
  } catch (error) {
    const state = await page.locator(section).getAttribute('data-state', { timeout: 1000 });
    const banner = await page.locator(`${section} [data-testid=error]`).allTextContents();
    throw new Error(
      `the ${view} view is not ready within ${timeoutMs} ms (data-state=${state}, errors: ${JSON.stringify(banner)})`,
      { cause: error },
    );
  }
}

/** Waits for the chart's data-state="ready"; returns its data-points and data-limit. */
export async function chartReady(
  page: Page,
  timeoutMs = 10_000,
): Promise<{ points: string; limit: string | null }> {
  const chart = page.locator('[data-testid=chart]');
  try {
    await page.waitForSelector('[data-testid=chart][data-state=ready]', { timeout: timeoutMs });
  } catch (error) {
    const state = await chart.getAttribute('data-state', { timeout: 1000 });
    const banner = await page.locator('.chart-view [data-testid=error]').allTextContents();
    throw new Error(
      `the chart is not drawn within ${timeoutMs} ms (data-state=${state}, errors: ${JSON.stringify(banner)})`,
      { cause: error },
    );
  }
  return {
    points: (await chart.getAttribute('data-points')) ?? '',
    limit: await chart.getAttribute('data-limit'),
  };
}

/** Horizontal overflow of the page, with the elements that stick out past the viewport. */
export function horizontalOverflow(
  page: Page,
): Promise<{ scrollWidth: number; clientWidth: number; widest: string[] }> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const widest = [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > root.clientWidth + 0.5)
      .slice(0, 5)
      .map((element) => {
        const testid = element.getAttribute('data-testid');
        const name = `${element.tagName.toLowerCase()}${element.className ? `.${String(element.className).split(' ').join('.')}` : ''}`;
        return `${name}${testid ? `[data-testid=${testid}]` : ''} right=${Math.round(element.getBoundingClientRect().right)}`;
      });
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, widest };
  });
}
