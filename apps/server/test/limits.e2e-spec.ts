/**
 * Load limits: the connection limit answers `503` at accept (received, not reset) and frees its
 * slot when a connection closes; a client that does not read its replies is held back without
 * hurting others.
 */
import { LineClient } from './support/line-client';
import { firstMismatch, parseResults, REPLY, uniqueId } from './support/replies';
import {
  freshDataDir,
  PulseServer,
  removeDataDirs,
  withServerOutput,
} from './support/spawn-server';

/** Polls `read` until it returns the same value `stableFor` times in a row (bounded by `timeoutMs`). */
async function settle(read: () => number, timeoutMs: number, stableFor = 5): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = read();
  let same = 0;
  while (same < stableFor && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = read();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

describe('limits', () => {
  let server: PulseServer | undefined;
  const logged = <Args extends unknown[]>(fn: (...args: Args) => Promise<void>) =>
    withServerOutput(() => [server], fn);

  afterEach(() => LineClient.destroyAll());

  afterAll(async () => {
    LineClient.destroyAll();
    await PulseServer.killAll();
    await removeDataDirs();
  });

  describe('with PULSE_MAX_CONNECTIONS=2', () => {
    beforeAll(async () => {
      server = await PulseServer.start({
        dataDir: await freshDataDir(),
        env: { PULSE_MAX_CONNECTIONS: '2' },
      });
    });

    afterAll(async () => {
      LineClient.destroyAll();
      await server?.stop();
    });

    /**
     * A connection that has had `line` answered. The server learns that an earlier connection
     * closed a moment after the client does, so a `503` is retried for a bounded time; the
     * reply is returned for the caller to check.
     */
    async function connectServed(line: string): Promise<[LineClient, string]> {
      const deadline = Date.now() + 3000;
      for (;;) {
        const client = await LineClient.connect(server!.port);
        const reply = await client.request(line);
        if (reply !== REPLY.busy || Date.now() > deadline) return [client, reply];
        await client.closed();
      }
    }

    /** Two connections the server has certainly accepted: each has had a command answered. */
    async function holdTwo(id: string): Promise<[LineClient, LineClient]> {
      const [first, firstReply] = await connectServed(`LOG ${id} 1`);
      expect(firstReply).toBe(REPLY.inserted);
      const [second, secondReply] = await connectServed(`LOG ${id} 2`);
      expect(secondReply).toBe(REPLY.inserted);
      return [first, second];
    }

    /** Closes a client the polite way and waits until the server has closed its side too. */
    async function closeAndWait(client: LineClient): Promise<void> {
      client.end();
      await client.closed();
    }

    it(
      'answers a third connection with exactly `503` and a graceful EOF, then serves again',
      logged(async () => {
        const id = uniqueId('slots');
        const [first, second] = await holdTwo(id);

        const third = await LineClient.connect(server!.port);
        await third.write(`LOG ${id} 99\n`);
        expect(await third.nextLine()).toBe(REPLY.busy);
        expect(await third.closed()).toEqual({ ended: true, error: undefined });
        expect(third.buffered).toBe(0);
        expect(third.partial).toBe('');

        // The held connections are unaffected.
        expect(await second.request(`QUERY ${id} MIN 0`)).toBe('200 [1.0, 2.0]\n');

        await closeAndWait(first);
        const [fourth, reply] = await connectServed(`LOG ${id} 3`);
        expect(reply).toBe(REPLY.inserted);
        expect(await fourth.request(`QUERY ${id} MIN 0`)).toBe('200 [1.0, 2.0, 3.0]\n');
      }),
    );

    it(
      'answers `503` at once to a connection over the limit that sends nothing, then FIN',
      logged(async () => {
        await holdTwo(uniqueId('silent'));
        const silent = await LineClient.connect(server!.port);
        expect(await silent.nextLine(2000)).toBe(REPLY.busy);
        expect(await silent.closed(2000)).toEqual({ ended: true, error: undefined });
        expect(silent.buffered).toBe(0);
      }),
    );

    it(
      'stays healthy after rejecting many connections in a row',
      logged(async () => {
        const id = uniqueId('rejects');
        const [first, second] = await holdTwo(id);
        for (let i = 0; i < 20; i += 1) {
          const extra = await LineClient.connect(server!.port);
          await extra.write(`LOG ${id} ${100 + i}\n`);
          expect(await extra.nextLine()).toBe(REPLY.busy);
          expect(await extra.closed()).toEqual({ ended: true, error: undefined });
        }
        expect(await first.request(`QUERY ${id} COUNT 1000000`)).toBe('200 [2]\n');
        expect(await second.request(`LOG ${id} 3`)).toBe(REPLY.inserted);
        await Promise.all([closeAndWait(first), closeAndWait(second)]);
        const [next, reply] = await connectServed(`LOG ${id} 4`);
        expect(reply).toBe(REPLY.inserted);
        expect(await next.request(`QUERY ${id} COUNT 1000000`)).toBe('200 [4]\n');
      }),
      30000,
    );

    it(
      'delivers `503` without a reset even when the rejected client pipelines many lines',
      logged(async () => {
        const id = uniqueId('reject-pipe');
        await holdTwo(id);
        const extra = await LineClient.connect(server!.port);
        const lines = Array.from({ length: 200 }, (_, i) => `LOG ${id} ${i}\n`).join('');
        await extra.write(lines);
        expect(await extra.nextLine()).toBe(REPLY.busy);
        const info = await extra.closed();
        expect(info.error).toBeUndefined();
        expect(info.ended).toBe(true);
        // Whatever else came back is a `503` too: none of those lines was executed.
        expect(extra.takeBuffered().filter((reply) => reply !== REPLY.busy)).toEqual([]);
      }),
    );
  });

  describe('with PULSE_MAX_IN_FLIGHT=8', () => {
    beforeAll(async () => {
      server = await PulseServer.start({
        dataDir: await freshDataDir(),
        env: { PULSE_MAX_IN_FLIGHT: '8' },
      });
    });

    afterAll(async () => {
      LineClient.destroyAll();
      await server?.stop();
    });

    it(
      'answers each pipelined command `201` or `503`, in order, and stores exactly the 201s',
      logged(async () => {
        const id = uniqueId('in-flight');
        const clients = await Promise.all(
          Array.from({ length: 4 }, () => LineClient.connect(server!.port)),
        );
        const perClient = await Promise.all(
          clients.map(async (client, index) => {
            const values = Array.from({ length: 1000 }, (_, i) => (index + 1) * 1000000 + i);
            const replies = await client.pipeline(
              values.map((value) => `LOG ${id} ${value}`),
              20000,
            );
            expect(replies.filter((r) => r !== REPLY.inserted && r !== REPLY.busy)).toEqual([]);
            return values.filter((_, i) => replies[i] === REPLY.inserted);
          }),
        );
        const acknowledged = perClient.flat();
        // Served again once the load is gone.
        const check = await LineClient.connect(server!.port);
        const stored = parseResults(await check.request(`QUERY ${id} MIN 0`, 20000));
        expect([...stored].sort((a, b) => a - b)).toEqual([...acknowledged].sort((a, b) => a - b));
        expect(await check.request(`LOG ${id} 1`)).toBe(REPLY.inserted);
      }),
      30000,
    );
  });

  describe('a client that does not read its replies', () => {
    beforeAll(async () => {
      server = await PulseServer.start({ dataDir: await freshDataDir() });
    });

    afterAll(async () => {
      LineClient.destroyAll();
      await server?.stop();
    });

    it(
      'gets all replies in order once it reads again, while others are served meanwhile',
      logged(async () => {
        const id = uniqueId('backlog');
        const wide = uniqueId('wide');
        const setup = await LineClient.connect(server!.port);
        // A metric whose per-value listing is a long reply (~22 KB). 4,000 of them (~88 MB)
        // outgrow the socket buffers on loopback, so the server has to stop reading this client
        // (with 200,000 short replies alone the kernel buffers absorb everything).
        const wideValues = Array.from({ length: 2000 }, (_, i) => 1000000 + i);
        const setupReplies = await setup.pipeline(
          wideValues.map((value) => `LOG ${wide} ${value}`),
          20000,
        );
        expect(setupReplies.filter((reply) => reply !== REPLY.inserted)).toEqual([]);
        const wideReply = `200 [${wideValues.map((value) => `${value}.0`).join(', ')}]\n`;

        const commands: string[] = [];
        const expected: string[] = [];
        let logs = 0;
        for (let i = 1; commands.length < 200000; i += 1) {
          if (i % 10000 === 0) {
            commands.push(`QUERY ${id} COUNT 1000000`);
            expected.push(`200 [${logs}]\n`);
          } else if (i % 50 === 0) {
            commands.push(`QUERY ${wide} MIN 0`);
            expected.push(wideReply);
          } else {
            commands.push(`LOG ${id} ${i}`);
            expected.push(REPLY.inserted);
            logs += 1;
          }
        }

        const reader = await LineClient.connect(server!.port);
        reader.pause();
        for (let start = 0; start < commands.length; start += 1000) {
          const batch = commands.slice(start, start + 1000);
          reader.socket.write(batch.map((command) => `${command}\n`).join(''));
        }
        // Wait until the server stops taking more from this client (or has taken it all).
        await settle(() => reader.socket.writableLength, 20000);

        const other = await LineClient.connect(server!.port);
        const otherId = uniqueId('meanwhile');
        expect(await other.request(`LOG ${otherId} 1`)).toBe(REPLY.inserted);
        expect(await other.request(`QUERY ${otherId} COUNT 1000000`)).toBe('200 [1]\n');

        reader.resume();
        const replies = await reader.nextLines(commands.length, 90000);
        expect(firstMismatch(commands, expected, replies)).toBeUndefined();
        expect(await reader.request(`QUERY ${id} COUNT 1000000`)).toBe(`200 [${logs}]\n`);
      }),
      150000,
    );
  });
});
