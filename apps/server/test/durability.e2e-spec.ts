/**
 * Lifecycle and durability against the built server: graceful restart (SIGTERM), crash (SIGKILL)
 * under load with both durability modes, and start-up configuration errors.
 */
import { LineClient } from './support/line-client';
import { crashViolations, LogLoad } from './support/log-load';
import { parseResults, REPLY } from './support/replies';
import { useServerPool } from './support/server-pool';
import { within } from './support/timing';
import { freshDataDir, PulseServer, type StartOptions } from './support/spawn-server';

const countLines = (text: string, pattern: RegExp) =>
  text.split('\n').filter((line) => pattern.test(line)).length;

describe('durability and lifecycle', () => {
  const pool = useServerPool();
  const logged = <Args extends unknown[]>(fn: (...args: Args) => Promise<void>) => pool.logged(fn);
  const start = (options: StartOptions) => pool.start(options);

  describe('graceful restart', () => {
    const series: Record<string, string[]> = {
      cpu: ['1', '2', '4'],
      mean: ['0.1', '0.2', '0.3'],
      exact: ['1e16', '1', '-1e16'],
      format: ['1e-05', '1e16', '1000000000000000', '-2', '0.5'],
    };
    const queries = Object.keys(series).flatMap((id) => [
      `QUERY ${id} COUNT 1000000`,
      `QUERY ${id} AVG 1000000`,
      `QUERY ${id} MIN 1000000`,
      `QUERY ${id} MAX 1000000`,
      `QUERY ${id} MIN 0`,
      `QUERY ${id} COUNT 1000000000 2020-01-01`,
    ]);

    it(
      'answers commands already received, logs each resource closed, exits 0, keeps all values',
      logged(async () => {
        const dataDir = await freshDataDir();
        const first = await start({ dataDir });
        const client = await LineClient.connect(first.port);
        const logs = Object.entries(series).flatMap(([id, values]) =>
          values.map((value) => `LOG ${id} ${value}`),
        );
        expect(await client.pipeline(logs)).toEqual(logs.map(() => REPLY.inserted));
        const before = await client.pipeline(queries);
        expect(before.slice(0, 5)).toEqual([
          '200 [3]\n',
          '200 [2.3333333333333335]\n',
          '200 [1.0]\n',
          '200 [4.0]\n',
          '200 [1.0, 2.0, 4.0]\n',
        ]);

        // An idle connection open before the shutdown, and one with 50 commands just sent.
        const idle = await LineClient.connect(first.port);
        const late = await LineClient.connect(first.port);
        await late.write(Array.from({ length: 50 }, (_, i) => `LOG late ${i}\n`).join(''));
        await late.waitForLines(1);

        expect(await first.stop()).toEqual({ code: 0, signal: null });
        expect(await late.nextLines(50)).toEqual(Array.from({ length: 50 }, () => REPLY.inserted));
        await late.closed();
        await idle.closed();
        expect(countLines(first.output, /closed listener/)).toBe(1);
        expect(countLines(first.output, /closed storage/)).toBe(1);
        expect(first.output.indexOf('closed listener')).toBeLessThan(
          first.output.indexOf('closed storage'),
        );

        const second = await start({ dataDir });
        const again = await LineClient.connect(second.port);
        expect(await again.pipeline(queries)).toEqual(before);
        expect(await again.request('QUERY late COUNT 1000000')).toBe('200 [50]\n');
        expect(await again.request('LOG cpu 8')).toBe(REPLY.inserted);
        expect(await again.request('QUERY cpu MIN 0')).toBe('200 [1.0, 2.0, 4.0, 8.0]\n');
        expect(await second.stop()).toEqual({ code: 0, signal: null });
      }),
      40000,
    );
  });

  describe.each(['fsync', 'os'])('crash under load with PULSE_DURABILITY=%s', (durability) => {
    it(
      'loses nothing acknowledged and stores only sent values, in order (SIGKILL)',
      logged(async () => {
        const dataDir = await freshDataDir();
        const env = { PULSE_DURABILITY: durability };
        const first = await start({ dataDir, env });
        const metrics = ['crash-a', 'crash-b', 'crash-c'];
        const clients = await Promise.all(
          Array.from({ length: 6 }, () => LineClient.connect(first.port)),
        );
        const loads = clients.map(
          (client, index) =>
            new LogLoad(client, {
              metric: metrics[index % metrics.length],
              base: (index + 1) * 1000000,
              window: 500,
              maxLines: 500000,
              maxMs: 20000,
            }),
        );
        const runs = loads.map((load) => load.run());

        // Every connection has been acknowledged at least once; 200 ms more of load, then kill.
        await within(Promise.all(loads.map((load) => load.acknowledged)), 10000, 'first acks');
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect((await first.kill()).signal).toBe('SIGKILL');
        const outcomes = await within(Promise.all(runs), 10000, 'load loops ending');
        const acknowledged = outcomes.reduce((sum, outcome) => sum + outcome.acked.length, 0);
        expect(acknowledged).toBeGreaterThan(0);

        const second = await start({ dataDir, env });
        const client = await LineClient.connect(second.port);
        for (const metric of metrics) {
          const mine = outcomes.filter((outcome) => outcome.metric === metric);
          const acked = mine.reduce((sum, outcome) => sum + outcome.acked.length, 0);
          const sent = mine.reduce((sum, outcome) => sum + outcome.sent, 0);
          const [count = 0] = parseResults(
            await client.request(`QUERY ${metric} COUNT 1000000000`, 20000),
          );
          expect({
            metric,
            count,
            atLeastAcked: count >= acked,
            atMostSent: count <= sent,
          }).toEqual({ metric, count, atLeastAcked: true, atMostSent: true });
          const stored = parseResults(await client.request(`QUERY ${metric} MIN 0`, 20000));
          expect(stored).toHaveLength(count);
          expect(crashViolations(stored, mine)).toEqual([]);
        }
      }),
      60000,
    );
  });

  describe('configuration', () => {
    it.each([
      ['PULSE_PORT', 'abc'],
      ['PULSE_PORT', '70000'],
      ['PULSE_DURABILITY', 'maybe'],
      ['PULSE_MAX_CONNECTIONS', 'abc'],
      ['PULSE_MAX_CONNECTIONS', '-1'],
      ['PULSE_MAX_IN_FLIGHT', 'abc'],
      ['PULSE_MAX_LINE_BYTES', 'abc'],
      ['PULSE_IDLE_TIMEOUT_SECONDS', 'abc'],
      ['PULSE_ALERT_PERIOD_SECONDS', 'abc'],
      ['PULSE_TZ', 'Not/AZone'],
      ['PULSE_LOG_LEVEL', 'loud'],
    ])(
      'exits with code 1 and names %s when it is %j',
      logged(async (name: string, value: string) => {
        const server = pool.track(
          PulseServer.spawn({ dataDir: await freshDataDir(), env: { [name]: value } }),
        );
        expect(await server.waitForExit(15000)).toEqual({ code: 1, signal: null });
        expect(server.output).toContain(name);
        expect(server.output).not.toMatch(/listening on/);
      }),
      20000,
    );

    it(
      'binds a free port for PULSE_PORT=0 and logs the port it chose',
      logged(async () => {
        const [one, two] = await Promise.all([
          start({ dataDir: await freshDataDir() }),
          start({ dataDir: await freshDataDir() }),
        ]);
        expect(one.port).toBeGreaterThan(0);
        expect(two.port).toBeGreaterThan(0);
        expect(one.port).not.toBe(two.port);
        expect(one.output).toMatch(new RegExp(`listening on 127\\.0\\.0\\.1:${one.port}(?!\\d)`));
        const client = await LineClient.connect(one.port);
        expect(await client.request('LOG port-check 1')).toBe(REPLY.inserted);
      }),
      30000,
    );

    it(
      'exits (does not hang) when its port is already taken',
      logged(async () => {
        const holder = await start({ dataDir: await freshDataDir() });
        const clash = PulseServer.spawn({
          dataDir: await freshDataDir(),
          env: { PULSE_PORT: String(holder.port) },
        });
        pool.track(clash);
        const exit = await clash.waitForExit(15000);
        expect(exit.code).not.toBe(0);
        expect(exit.code).not.toBeNull();
        expect(clash.output).not.toMatch(/listening on/);
      }),
      30000,
    );
  });
});
