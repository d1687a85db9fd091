/**
 * The data directory as an operator meets it: one server per directory (an exclusive lock held
 * for the process's life), a lock left by a killed server never in the way, and a directory that
 * cannot be created reported in one line instead of a hang.
 */
import { join } from 'node:path';
import { LineClient } from '../support/line-client';
import { REPLY, results } from '../support/replies';
import { useServerPool } from '../support/server-pool';
import { freshDataDir, PulseServer } from '../support/spawn-server';

describe('the data directory', () => {
  const pool = useServerPool();
  const logged = <Args extends unknown[]>(fn: (...args: Args) => Promise<void>) => pool.logged(fn);

  it(
    'refuses a second server on the same directory, naming it; the first serves on',
    logged(async () => {
      const dataDir = await freshDataDir();
      const first = await pool.start({ dataDir });
      const second = pool.track(PulseServer.spawn({ dataDir }));
      const exit = await second.waitForExit(15000);
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      expect(second.output).not.toMatch(/listening on/);
      expect(second.output).toContain(
        `data directory ${dataDir} (PULSE_DATA_DIR) is in use by another Pulse server (lock ${join(dataDir, 'LOCK')})`,
      );
      const client = await LineClient.connect(first.port);
      expect(await client.request('LOG lock-check 1')).toBe(REPLY.inserted);
      expect(await client.request('QUERY lock-check COUNT 1000')).toBe(results('1'));
    }),
    30000,
  );

  it(
    'restarts at once on the directory of a SIGKILLed server, with its values',
    logged(async () => {
      const dataDir = await freshDataDir();
      const first = await pool.start({ dataDir });
      const client = await LineClient.connect(first.port);
      for (let v = 1; v <= 5; v++)
        expect(await client.request(`LOG killed ${v}`)).toBe(REPLY.inserted);
      client.destroy();
      expect(await first.kill()).toEqual({ code: null, signal: 'SIGKILL' });
      const again = await pool.start({ dataDir });
      const after = await LineClient.connect(again.port);
      expect(await after.request('QUERY killed COUNT 1000')).toBe(results('5'));
    }),
    30000,
  );

  it.each([
    ['/proc/nope', /ENOENT/],
    ['/dev/null/pulse', /ENOTDIR/],
  ])(
    'exits (does not hang) when PULSE_DATA_DIR=%s cannot be created, naming it and the cause',
    logged(async (dataDir: string, cause: RegExp) => {
      const server = pool.track(PulseServer.spawn({ dataDir }));
      const exit = await server.waitForExit(15000);
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      const line = server.output
        .split('\n')
        .find((l) => l.includes(`data directory ${dataDir} (PULSE_DATA_DIR) cannot be created`));
      expect(line).toMatch(cause);
    }),
    30000,
  );
});
