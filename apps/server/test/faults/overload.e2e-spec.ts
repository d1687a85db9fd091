/**
 * Overload and slow clients: 2,000 idle connections (under the connection limit, and half of them
 * over it, refused with `503` at accept), 100 half-open connections stalling mid-line, a client
 * pipelining 1,000,000 LOGs without reading a reply, and 500 connect/close cycles plus clients
 * that reset mid-reply. The server stays responsive, closes idle connections after the idle
 * timeout, keeps its memory bounded and leaks no socket or file descriptor.
 */
import { LineClient } from '../support/line-client';
import { REPLY, uniqueId } from '../support/replies';
import {
  freshDataDir,
  PulseServer,
  removeDataDirs,
  withServerOutput,
} from '../support/spawn-server';
import { fdCount, openFileLimit, rssKiB, socketCount } from './proc-probe';
import { eventually, settle, sleep, within } from '../support/timing';

const IDLE_SECONDS = 2;

/** Opens `count` connections, `batch` at a time; returns them with the time each was opened. */
async function openIdle(port: number, count: number, batch = 200) {
  const opened: Array<{ client: LineClient; at: number }> = [];
  for (let start = 0; start < count; start += batch) {
    // Taken before connecting: the server's idle timer cannot start earlier, so `at` is a true
    // lower bound even when this process stalls (GC) before the batch's promises settle.
    const at = Date.now();
    const clients = await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, () => LineClient.connect(port)),
    );
    for (const client of clients) opened.push({ client, at });
  }
  return opened;
}

/** A new connection gets LOG and QUERY right within `ms`. */
async function servedWithin(port: number, ms: number): Promise<void> {
  const id = uniqueId('served');
  const client = await LineClient.connect(port);
  const started = Date.now();
  expect(await client.pipeline([`LOG ${id} 5`, `QUERY ${id} MAX 1e9`])).toEqual([
    REPLY.inserted,
    '200 [5.0]\n',
  ]);
  expect(Date.now() - started).toBeLessThan(ms);
  client.destroy();
}

/**
 * A new connection is served again within `ms`: `503` is the right answer while the commands of
 * clients that just reset are still in flight (PROTOCOL.md: "serves again as soon as load drops").
 */
async function servedAgainWithin(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  const id = uniqueId('again');
  for (let attempt = 1; ; attempt += 1) {
    const client = await LineClient.connect(port);
    const replies = await client.pipeline([`LOG ${id} ${attempt}`, `QUERY ${id} MAX 1e9`]);
    client.destroy();
    if (replies[0] === REPLY.inserted) {
      expect(replies[1]).toBe(`200 [${attempt}.0]\n`);
      return;
    }
    expect(replies).toEqual([REPLY.busy, REPLY.busy]);
    if (Date.now() > deadline) throw new Error(`still 503 after ${ms} ms`);
    await sleep(100);
  }
}

describe('overload and slow clients', () => {
  let server: PulseServer | undefined;
  const logged = <Args extends unknown[]>(fn: (...args: Args) => Promise<void>) =>
    withServerOutput(() => [server], fn);

  async function start(env: Record<string, string>): Promise<PulseServer> {
    server = await PulseServer.start({ dataDir: await freshDataDir(), env });
    return server;
  }

  afterEach(async () => {
    LineClient.destroyAll();
    await server?.stop();
    await PulseServer.killAll();
    server = undefined;
  });

  afterAll(async () => {
    LineClient.destroyAll();
    await PulseServer.killAll();
    await removeDataDirs();
  });

  it(
    'serves a new client while 2,000 idle connections are open, and closes those after the idle timeout',
    logged(async () => {
      // Longer than the other cases' timeout: on a busy machine opening 2,000 connections has
      // taken over 2 s, and the server rightly closed the first ones before they were counted.
      const idleSeconds = 5;
      const pulse = await start({
        PULSE_IDLE_TIMEOUT_SECONDS: String(idleSeconds),
        PULSE_MAX_CONNECTIONS: '2500',
      });
      const pid = pulse.pid!;
      // 2,000 sockets on each side, plus what Node and Jest hold: `ulimit -n` must allow it.
      expect({
        testLimit: openFileLimit() >= 4096,
        serverLimit: openFileLimit(pid) >= 4096,
      }).toEqual({ testLimit: true, serverLimit: true });
      const baseline = fdCount(pid);
      const idle = await openIdle(pulse.port, 2000);
      await servedWithin(pulse.port, 2000);
      // All 2,000 are held until the first of them may time out.
      const firstMayClose = idle[0].at + idleSeconds * 1000 - 200;
      expect({
        held: await eventually(() => socketCount(pid) >= 2000, firstMayClose - Date.now()),
        countedInTime: Date.now() < firstMayClose,
      }).toEqual({ held: true, countedInTime: true });

      const closes = await within(
        Promise.all(
          idle.map(async ({ client, at }) => ({
            info: await client.closed(10000),
            after: Date.now() - at,
          })),
        ),
        idleSeconds * 1000 + 10000,
        'idle connections closing',
      );
      expect(closes.filter(({ info }) => !info.ended && !info.error)).toEqual([]);
      const early = closes.filter(({ after }) => after < idleSeconds * 1000 - 200);
      expect(early).toEqual([]);
      expect(Math.max(...closes.map(({ after }) => after))).toBeLessThan(idleSeconds * 1000 + 5000);
      expect(await eventually(() => fdCount(pid) <= baseline + 2, 5000)).toBe(true);
      await servedWithin(pulse.port, 2000);
    }),
    40000,
  );

  it(
    'answers `503` at accept to each of 1,000 idle connections over the limit and closes them at once, holding only the limit until the idle timeout',
    logged(async () => {
      // A long idle timeout: the refused connections must be gone long before it.
      const idleSeconds = 5;
      const limit = 1000;
      const pulse = await start({
        PULSE_IDLE_TIMEOUT_SECONDS: String(idleSeconds),
        PULSE_MAX_CONNECTIONS: String(limit),
      });
      const pid = pulse.pid!;
      const baseline = fdCount(pid);
      const socketsBefore = socketCount(pid);
      const started = Date.now();
      const idle = await openIdle(pulse.port, 2 * limit);
      const outcomes = idle.map(async ({ client, at }) => {
        const info = await client.closed(idleSeconds * 1000 + 10000);
        return { info, after: Date.now() - at, replies: client.takeBuffered() };
      });

      // None of them sent anything: the refused ones have their `503` and the server's FIN, and
      // the server holds no socket for them.
      expect(await eventually(() => socketCount(pid) <= socketsBefore + limit, 3000)).toBe(true);
      const extra = await LineClient.connect(pulse.port);
      expect(await extra.nextLine()).toBe(REPLY.busy);
      expect(await extra.closed()).toEqual({ ended: true, error: undefined });
      // The checks above are only meaningful while the held connections were still open.
      expect(Date.now() - started).toBeLessThan(idleSeconds * 1000);

      const closes = await within(Promise.all(outcomes), idleSeconds * 1000 + 12000, 'closing');
      expect(closes.filter(({ info }) => !info.ended || info.error)).toEqual([]);
      const refused = closes.filter(({ replies }) => replies.length > 0);
      const held = closes.filter(({ replies }) => replies.length === 0);
      expect(refused.filter(({ replies }) => replies.join('') !== REPLY.busy)).toEqual([]);
      expect([refused.length, held.length]).toEqual([limit, limit]);
      // Refused: closed within moments, never held for the idle timeout. Held: closed by it.
      expect(refused.filter(({ after }) => after > idleSeconds * 1000 - 1000)).toEqual([]);
      expect(held.filter(({ after }) => after < idleSeconds * 1000 - 200)).toEqual([]);
      await servedWithin(pulse.port, 2000);
      expect(await eventually(() => fdCount(pid) <= baseline + 2, 5000)).toBe(true);
    }),
    45000,
  );

  it(
    'closes 100 half-open connections stalled mid-line after the idle timeout, never executing them',
    logged(async () => {
      const pulse = await start({ PULSE_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS) });
      const prefix = uniqueId('half');
      const stalled = await openIdle(pulse.port, 100, 100);
      await Promise.all(stalled.map(({ client }, i) => client.write(`LOG ${prefix}-${i} ${i}`)));
      const stalledAt = Date.now();

      // Meanwhile another client works normally, for longer than the idle timeout.
      const busy = await LineClient.connect(pulse.port);
      const id = uniqueId('meanwhile');
      let count = 0;
      while (Date.now() - stalledAt < IDLE_SECONDS * 1000 + 1000) {
        const started = Date.now();
        count += 1;
        expect(await busy.pipeline([`LOG ${id} ${count}`, `QUERY ${id} COUNT 1e9`])).toEqual([
          REPLY.inserted,
          `200 [${count}]\n`,
        ]);
        expect(Date.now() - started).toBeLessThan(1500);
        await sleep(200);
      }

      const closes = await within(
        Promise.all(stalled.map(({ client }) => client.closed(10000))),
        12000,
        'stalled connections closing',
      );
      expect(Date.now() - stalledAt).toBeGreaterThanOrEqual(IDLE_SECONDS * 1000 - 200);
      expect(closes.filter((info) => !info.ended && !info.error)).toEqual([]);
      expect(stalled.filter(({ client }) => client.buffered > 0 || client.partial !== '')).toEqual(
        [],
      );
      expect(busy.isClosed).toBe(false);
      const check = await LineClient.connect(pulse.port);
      expect(await check.pipeline(stalled.map((_, i) => `QUERY ${prefix}-${i} COUNT 1e9`))).toEqual(
        stalled.map(() => REPLY.notFound),
      );
    }),
    30000,
  );

  it(
    'holds back a client pipelining 1,000,000 LOGs without reading, with bounded memory, and stores all it acknowledges',
    logged(async () => {
      const pulse = await start({});
      const pid = pulse.pid!;
      const total = 1000000;
      const id = uniqueId('flood');
      const before = rssKiB(pid);

      const flood = await LineClient.connect(pulse.port);
      flood.pause();
      let text = '';
      for (let i = 1; i <= total; i += 1) {
        text += `LOG ${id} ${i}\n`;
        if (text.length > 65536) {
          flood.socket.write(text);
          text = '';
        }
      }
      flood.socket.write(text);
      const written = flood.socket.writableLength;

      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(pid))), 25);
      try {
        // The server stops reading: what it has not taken stays in the client's buffer.
        const left = await settle(() => flood.socket.writableLength, 10000, 10);
        expect(left).toBeGreaterThan(written / 4);
        await servedWithin(pulse.port, 2000);
      } finally {
        clearInterval(sampler);
      }
      const growthMiB = (peak - before) / 1024;
      expect(growthMiB).toBeLessThan(100);

      // Now it reads: every LOG is acknowledged, and every acknowledged one is stored.
      flood.resume();
      const replies = await flood.nextLines(total, 60000);
      const acked = replies.filter((reply) => reply === REPLY.inserted).length;
      expect(acked).toBe(total);
      expect(await flood.request(`QUERY ${id} COUNT 1e9`, 20000)).toBe(`200 [${acked}]\n`);
      expect(await flood.request(`QUERY ${id} MAX 1e9`, 20000)).toBe(`200 [${total}.0]\n`);
    }),
    90000,
  );

  it(
    'leaks no descriptor over 500 connect/close cycles and clients that reset mid-reply',
    logged(async () => {
      const pulse = await start({});
      const pid = pulse.pid!;
      const big = uniqueId('big');
      const setup = await LineClient.connect(pulse.port);
      const values = Array.from({ length: 20000 }, (_, i) => `LOG ${big} ${i}`);
      const acks = await setup.pipeline(values, 20000);
      expect(acks.filter((reply) => reply !== REPLY.inserted)).toEqual([]);
      setup.end();
      await setup.closed();
      const baseline = await settle(() => fdCount(pid), 5000, 5);
      const baselineSockets = socketCount(pid);

      // 500 cycles without data: half close politely, half reset.
      for (let round = 0; round < 10; round += 1) {
        const clients = await Promise.all(
          Array.from({ length: 50 }, () => LineClient.connect(pulse.port)),
        );
        clients.forEach((client, i) => (i % 2 ? client.end() : client.socket.resetAndDestroy()));
        await Promise.all(clients.map((client) => client.closed(5000)));
      }

      // 50 clients reset after the first bytes of a ~240 KB reply, 50 in the middle of a pipeline.
      const readers = await Promise.all(
        Array.from({ length: 50 }, () => LineClient.connect(pulse.port)),
      );
      await Promise.all(
        readers.map(async (client) => {
          const firstBytes = new Promise<void>((resolve) =>
            client.socket.once('data', () => resolve()),
          );
          client.socket.write(`QUERY ${big} MIN 0\n`.repeat(5));
          await within(firstBytes, 5000, 'first bytes of the reply');
          client.socket.resetAndDestroy();
          await client.closed();
        }),
      );
      const writers = await Promise.all(
        Array.from({ length: 50 }, () => LineClient.connect(pulse.port)),
      );
      const resetId = uniqueId('reset');
      await Promise.all(
        writers.map(async (client, w) => {
          await client.write(
            Array.from({ length: 2000 }, (_, i) => `LOG ${resetId} ${w * 10000 + i}\n`).join(''),
          );
          client.socket.resetAndDestroy();
          await client.closed();
        }),
      );

      await servedAgainWithin(pulse.port, 5000);
      // Closing connections linger up to 2 s for the client's FIN; then every descriptor is back.
      const settled = await settle(() => fdCount(pid), 8000, 5);
      expect(settled).toBeLessThanOrEqual(baseline + 2);
      expect(socketCount(pid)).toBeLessThanOrEqual(baselineSockets + 2);
      expect(pulse.output).not.toMatch(/EMFILE|Unhandled|uncaught/i);
    }),
    60000,
  );
});
