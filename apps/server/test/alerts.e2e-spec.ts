/**
 * Alerts against the built server with a one-second alert period: a broken rule produces the
 * exact log line and a journal line within two periods, an unbroken one neither, a rule
 * registered before a restart still fires after it, and a firing whose journal write failed is
 * journaled by a later check.
 */
import { mkdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LineClient } from './support/line-client';
import { REPLY } from './support/replies';
import { freshDataDir } from './support/spawn-server';
import { useServerPool } from './support/server-pool';

const PERIOD = { PULSE_ALERT_PERIOD_SECONDS: '1' };

async function journal(dataDir: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(dataDir, 'alerts.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The journal once it has `count` lines: it is written at the end of the check that logs. */
async function journalWith(
  dataDir: string,
  count: number,
  timeoutMs = 2000,
): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + timeoutMs;
  let entries = await journal(dataDir);
  while (entries.length < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    entries = await journal(dataDir);
  }
  return entries;
}

describe('alerts', () => {
  const pool = useServerPool();
  const logged = <Args extends unknown[]>(fn: (...args: Args) => Promise<void>) => pool.logged(fn);
  const start = (dataDir: string) => pool.start({ dataDir, env: PERIOD });

  it(
    'logs and journals a broken rule within two periods, and not an unbroken one',
    logged(async () => {
      const dataDir = await freshDataDir();
      const server = await start(dataDir);
      const client = await LineClient.connect(server.port);
      expect(await client.request('LOG hot 1')).toBe(REPLY.inserted);
      expect(await client.request('LOG calm 1')).toBe(REPLY.inserted);
      expect(await client.request('NEW-ALERT hot MAX 60 5')).toBe(REPLY.alertRegistered);
      expect(await client.request('NEW-ALERT calm MAX 60 5')).toBe(REPLY.alertRegistered);
      expect(await client.request('LOG hot 7.5')).toBe(REPLY.inserted);
      expect(await client.request('LOG calm 5')).toBe(REPLY.inserted);
      await server.waitForOutput(/ALERT hot: MAX is over 5\.0\n/, 2500);
      const entries = await journalWith(dataDir, 1);
      expect(entries).toEqual([
        expect.objectContaining({
          state: 'firing',
          id: 'hot',
          op: 'MAX',
          limit: 5,
          aggregates: [7.5],
        }),
      ]);
      // Two more periods: still nothing about the rule that was never broken.
      await new Promise((r) => setTimeout(r, 2100));
      expect(server.output).not.toMatch(/ALERT calm/);
      expect((await journal(dataDir)).filter((e) => e.id === 'calm')).toEqual([]);
    }),
    15_000,
  );

  it(
    'keeps a rule registered before a restart, and it fires after it',
    logged(async () => {
      const dataDir = await freshDataDir();
      let server = await start(dataDir);
      let client = await LineClient.connect(server.port);
      expect(await client.request('LOG disk 10')).toBe(REPLY.inserted);
      expect(await client.request('NEW-ALERT disk AVG 0 50')).toBe(REPLY.alertRegistered);
      client.destroy();
      expect((await server.stop()).code).toBe(0);
      server = await start(dataDir);
      client = await LineClient.connect(server.port);
      expect(await client.request('LOG disk 99')).toBe(REPLY.inserted);
      await server.waitForOutput(/ALERT disk: AVG is over 50\.0\n/, 2500);
      expect(await journalWith(dataDir, 1)).toEqual([
        expect.objectContaining({ state: 'firing', id: 'disk', aggregates: [99] }),
      ]);
    }),
    20_000,
  );

  it(
    'journals a firing whose journal write failed at a later check (at least once)',
    logged(async () => {
      const dataDir = await freshDataDir();
      // A directory where the journal goes: every append fails (EISDIR) until it is removed.
      await mkdir(join(dataDir, 'alerts.jsonl'));
      const server = await start(dataDir);
      const client = await LineClient.connect(server.port);
      expect(await client.request('LOG hot 1')).toBe(REPLY.inserted);
      expect(await client.request('NEW-ALERT hot MAX 60 5')).toBe(REPLY.alertRegistered);
      expect(await client.request('LOG hot 9')).toBe(REPLY.inserted);
      await server.waitForOutput(/alert check failed: .*EISDIR/, 2500);
      await rmdir(join(dataDir, 'alerts.jsonl'));
      const [first] = await journalWith(dataDir, 1, 3000);
      expect(first).toEqual(
        expect.objectContaining({ state: 'firing', id: 'hot', aggregates: [9] }),
      );
      client.destroy();
    }),
    15_000,
  );
});
