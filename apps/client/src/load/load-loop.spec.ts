import { Replies } from '@app/protocol';
import { MetricSource, Sample } from '../sources/metric-source';
import { FakeClock, settle } from '../testing/fake-clock';
import { FakeServer } from '../testing/fake-server';
import { DEFAULT_BACKOFF } from './backoff-policy';
import { LoadLoop, LoadLoopOptions } from './load-loop';
import { LoadStats } from './load-stats';

/** Values 1, 2, 3... on ids a, b, a, b...: each LOG line is unique and easy to follow. */
class CountingSource implements MetricSource {
  private n = 0;
  next(): Sample {
    this.n += 1;
    return { id: this.n % 2 ? 'a' : 'b', value: this.n };
  }
}

const log = (n: number) => `LOG ${n % 2 ? 'a' : 'b'} ${n}`;

const BASE: LoadLoopOptions = {
  intervalMs: 100,
  maxInFlight: 10,
  busyPauseMs: 500,
  drainTimeoutMs: 1000,
  summaryEveryMs: 0,
  backoff: DEFAULT_BACKOFF,
  target: 'pulse:7070',
};

/** Every LOG written has exactly one outcome, or is still in flight. */
function expectAccounted(stats: LoadStats): void {
  const { sent, acked, busy, errors, lost, inflight } = stats;
  expect(acked + busy + errors + lost + inflight).toBe(sent);
}

/** A loop on a fake clock and server; `prepare` scripts the server before the first connect. */
function setup(
  options: Partial<LoadLoopOptions> = {},
  random = () => 0.5,
  prepare: (server: FakeServer) => void = () => undefined,
) {
  const clock = new FakeClock();
  const server = new FakeServer(() => clock.now());
  prepare(server);
  const summaries: string[] = [];
  const events: string[] = [];
  const loop = new LoadLoop(
    { ...BASE, ...options },
    {
      connect: server.connect,
      source: new CountingSource(),
      clock,
      random,
      reporter: {
        summary: (line) => summaries.push(line),
        event: (message) => events.push(message),
      },
    },
  );
  let result: LoadStats | undefined;
  const done = loop.run().then((stats) => (result = stats));
  return { clock, server, loop, summaries, events, done, finished: () => result };
}

describe('LoadLoop', () => {
  describe('pace and bounds', () => {
    it('sends one LOG per interval on one connection, and every reply is counted', async () => {
      const { clock, server, loop } = setup({ intervalMs: 100 });
      await clock.advance(950);
      expect(server.received.map((entry) => entry.at)).toEqual([
        0, 100, 200, 300, 400, 500, 600, 700, 800, 900,
      ]);
      expect(server.commands.slice(0, 3)).toEqual([log(1), log(2), log(3)]);
      expect(server.connections).toHaveLength(1);
      expect(loop.snapshot).toMatchObject({ sent: 10, acked: 10, inflight: 0, reconnects: 0 });
    });

    it('stops by itself after --count values, closes the connection, prints a final summary', async () => {
      const { clock, server, summaries, done, finished } = setup({ intervalMs: 10, count: 5 });
      await clock.advance(1000);
      await done;
      expect(finished()).toMatchObject({ sent: 5, acked: 5, inflight: 0 });
      expect(server.commands).toEqual([1, 2, 3, 4, 5].map(log));
      expect(server.current.closed).toBe(true);
      expect(server.current.destroyedWith).toBeUndefined();
      expect(summaries).toEqual([
        'final sent=5 acked=5 busy=0 errors=0 lost=0 inflight=0 rate=125.0/s',
      ]);
      expect(clock.pending).toBe(0);
    });

    it('stops by itself after --duration', async () => {
      const { clock, server, finished } = setup({ intervalMs: 100, durationMs: 1000 });
      await clock.advance(999);
      expect(finished()).toBeUndefined();
      await clock.advance(1);
      expect(finished()).toMatchObject({ sent: 10, acked: 10 });
      expect(server.received.at(-1)?.at).toBe(900);
    });

    it('with interval 0 keeps at most --max-in-flight LOGs waiting for replies', async () => {
      const { clock, server, loop } = setup({ intervalMs: 0, maxInFlight: 3 });
      server.respond = () => undefined;
      await clock.advance(1000);
      expect(loop.snapshot).toMatchObject({ sent: 3, inflight: 3 });
      server.current.answer(2);
      await settle();
      expect(loop.snapshot).toMatchObject({ sent: 5, acked: 2, inflight: 3 });
      loop.stop();
    });

    it('does not burst to catch up after a full window', async () => {
      const { clock, server } = setup({ intervalMs: 100, maxInFlight: 1 });
      server.respond = () => undefined;
      await clock.advance(1000); // one LOG at 0, held for a second
      server.respond = () => Replies.metricInserted;
      server.current.answer(1);
      await clock.advance(250);
      expect(server.received.map((entry) => entry.at)).toEqual([0, 1000, 1100, 1200]);
    });
  });

  describe('503 busy', () => {
    it('pauses, then resends the same value, and counts the 503', async () => {
      const { clock, server, done, finished } = setup({
        intervalMs: 10,
        count: 3,
        busyPauseMs: 500,
      });
      let busyOnce = true;
      server.respond = () =>
        busyOnce ? ((busyOnce = false), Replies.busy) : Replies.metricInserted;
      await clock.advance(2000);
      await done;
      expect(server.received).toEqual([
        { command: log(1), at: 0 },
        { command: log(1), at: 500 },
        { command: log(2), at: 510 },
        { command: log(3), at: 520 },
      ]);
      expect(finished()).toMatchObject({ sent: 4, acked: 3, busy: 1, errors: 0 });
      expectAccounted(finished()!);
    });

    it('keeps retrying while the server stays busy, one pause per 503', async () => {
      const { clock, server, loop } = setup({ intervalMs: 10, busyPauseMs: 300 });
      server.respond = () => Replies.busy;
      await clock.advance(1000);
      expect(server.received.map((entry) => entry.at)).toEqual([0, 300, 600, 900]);
      expect(new Set(server.commands)).toEqual(new Set([log(1)]));
      expect(loop.snapshot).toMatchObject({ sent: 4, busy: 4, acked: 0 });
    });
  });

  describe('error replies', () => {
    it('counts them as errors, does not resend them, reports each distinct reply once', async () => {
      const { clock, server, events, done, finished } = setup({ intervalMs: 10, count: 4 });
      server.respond = (command) =>
        command.startsWith('LOG b') ? Replies.logUsage : Replies.metricInserted;
      await clock.advance(1000);
      await done;
      expect(server.commands).toEqual([1, 2, 3, 4].map(log));
      expect(finished()).toMatchObject({ sent: 4, acked: 2, errors: 2 });
      expect(events.filter((event) => event.includes(Replies.logUsage))).toEqual([
        `${log(2)} answered: ${Replies.logUsage} (counted in errors)`,
      ]);
    });
  });

  describe('connection loss and back-off', () => {
    it('retries a refused connection with exponential, jittered delays', async () => {
      const { clock, server, events, loop } = setup(
        {},
        () => 0.5,
        (s) => (s.refuse = 4),
      );
      await clock.advance(2000);
      // Full jitter at 0.5: half of 100, 200, 400, 800 ms.
      expect(server.attempts).toEqual([0, 50, 150, 350, 750]);
      expect(events.filter((event) => event.startsWith('cannot connect'))).toEqual([
        'cannot connect to pulse:7070: connect ECONNREFUSED; retrying in 50 ms',
        'cannot connect to pulse:7070: connect ECONNREFUSED; retrying in 100 ms',
        'cannot connect to pulse:7070: connect ECONNREFUSED; retrying in 200 ms',
        'cannot connect to pulse:7070: connect ECONNREFUSED; retrying in 400 ms',
      ]);
      expect(server.received[0].at).toBe(750);
      expect(loop.snapshot.reconnects).toBe(0);
    });

    it('never waits longer than the cap between attempts', async () => {
      const { clock, server } = setup(
        { backoff: { baseMs: 100, factor: 2, maxMs: 1000 } },
        () => 0.999,
        (s) => (s.refuse = 1000),
      );
      await clock.advance(20_000);
      const gaps = server.attempts.slice(1).map((at, i) => at - server.attempts[i]);
      expect(Math.max(...gaps)).toBe(999);
      expect(gaps.slice(-5)).toEqual([999, 999, 999, 999, 999]);
    });

    it('counts LOGs in flight on a dropped connection as lost, does not resend them, reconnects', async () => {
      const { clock, server, loop, events } = setup({ intervalMs: 10, maxInFlight: 3 });
      server.respond = () => undefined;
      await clock.advance(100);
      expect(loop.snapshot).toMatchObject({ sent: 3, inflight: 3 });

      server.respond = () => Replies.metricInserted;
      server.connections[0].drop(new Error('read ECONNRESET'));
      await settle();
      expect(loop.snapshot).toMatchObject({ sent: 3, lost: 3, inflight: 0 });
      expect(events).toContain(
        'connection lost: read ECONNRESET (3 in flight lost); retrying in 50 ms',
      );

      await clock.advance(100);
      expect(server.attempts).toEqual([0, 150]);
      expect(server.connections[1].commands[0]).toBe(log(4));
      expect(loop.snapshot).toMatchObject({ lost: 3, reconnects: 1 });
      expectAccounted(loop.snapshot);
    });

    it('resets the back-off after a 201, not merely after connecting', async () => {
      const { clock, server, events } = setup({ intervalMs: 10 }, () => 0.5);
      server.respond = () => undefined; // accepts, never answers: each drop must back off further
      await clock.advance(5);
      server.current.drop();
      await clock.advance(50);
      server.current.drop();
      await clock.advance(100);
      expect(events.filter((e) => e.includes('retrying'))).toEqual([
        'connection lost by the server (1 in flight lost); retrying in 50 ms',
        'connection lost by the server (1 in flight lost); retrying in 100 ms',
      ]);
      server.respond = () => Replies.metricInserted;
      server.current.answer(1);
      await settle();
      server.current.drop();
      await settle();
      expect(events.at(-1)).toBe(
        'connection lost by the server (0 in flight lost); retrying in 50 ms',
      );
    });
  });

  describe('stop (SIGTERM)', () => {
    it('stops sending, waits for the replies in flight, closes gracefully', async () => {
      const { clock, server, loop, summaries, done, finished } = setup({ intervalMs: 10 });
      server.respond = () => undefined;
      await clock.advance(15);
      loop.stop();
      await clock.advance(100);
      expect(finished()).toBeUndefined();
      expect(server.commands).toHaveLength(2);
      server.current.answer(2);
      await done;
      expect(finished()).toMatchObject({ sent: 2, acked: 2, lost: 0, inflight: 0 });
      expect(server.current.destroyedWith).toBeUndefined();
      expect(summaries.at(-1)).toMatch(/^final sent=2 acked=2 busy=0 errors=0 lost=0 inflight=0 /);
    });

    it('gives up on replies after the drain timeout and counts them as lost', async () => {
      const { clock, server, loop, done, finished } = setup({
        intervalMs: 10,
        drainTimeoutMs: 1000,
      });
      server.respond = () => undefined;
      await clock.advance(15);
      loop.stop();
      await clock.advance(999);
      expect(finished()).toBeUndefined();
      await clock.advance(1);
      await done;
      expect(finished()).toMatchObject({ sent: 2, acked: 0, lost: 2, inflight: 0 });
      expect(server.current.destroyedWith).toBe('no reply within the 1000 ms drain timeout');
    });

    it('does not wait out a back-off delay', async () => {
      const { clock, loop, done, finished } = setup(
        { backoff: { baseMs: 60_000, factor: 2, maxMs: 60_000 } },
        () => 0.5,
        (s) => (s.refuse = 1),
      );
      await clock.advance(10);
      loop.stop();
      await done;
      expect(finished()).toMatchObject({ sent: 0 });
      expect(clock.now()).toBe(10);
    });

    it('does not wait for a connection attempt in progress, and drops it when it comes', async () => {
      const clock = new FakeClock();
      const server = new FakeServer(() => clock.now());
      let open: () => void = () => undefined;
      const loop = new LoadLoop(BASE, {
        connect: () => new Promise((resolve) => (open = () => resolve(server.connect()))),
        source: new CountingSource(),
        clock,
        random: () => 0.5,
        reporter: { summary: () => undefined, event: () => undefined },
      });
      const done = loop.run();
      await settle();
      loop.stop();
      await done;
      open();
      await settle();
      expect(server.current.destroyedWith).toBe('stopped');
    });

    it('abandons values waiting to be resent after a 503 (they stay counted as busy)', async () => {
      const { clock, server, loop, done, finished } = setup({ busyPauseMs: 1000 });
      server.respond = () => Replies.busy;
      await clock.advance(10);
      loop.stop();
      await done;
      expect(finished()).toMatchObject({ sent: 1, busy: 1, acked: 0 });
      expect(server.commands).toEqual([log(1)]);
    });
  });

  describe('summaries', () => {
    it('prints a line every period with the acknowledgement rate over that period', async () => {
      const { clock, server, loop, summaries, done } = setup({
        intervalMs: 100,
        summaryEveryMs: 1000,
        busyPauseMs: 500,
      });
      await clock.advance(1000); // its last LOG, at 1000, is sent after the summary: acked
      let busyOnce = true;
      server.respond = () => (busyOnce ? ((busyOnce = false), Replies.busy) : undefined);
      await clock.advance(1000); // 1100 busy, then a pause, then 1600..1900 held
      expect(summaries).toEqual([
        'sent=10 acked=10 busy=0 errors=0 lost=0 inflight=0 rate=10.0/s',
        'sent=16 acked=11 busy=1 errors=0 lost=0 inflight=4 rate=1.0/s',
      ]);
      server.current.answer(10);
      loop.stop();
      await done;
      expect(summaries.at(-1)).toBe(
        'final sent=17 acked=16 busy=1 errors=0 lost=0 inflight=0 rate=8.0/s',
      );
    });
  });
});
