/* Over ~200 lines: one state machine (send, account, back off, retry 503, stop and wait) whose
   transitions read best together; its helpers (back-off, stats, ticker) are already apart. */
import { Replies } from '@app/protocol';
import { MetricSource, Sample } from '../sources/metric-source';
import { BackoffOptions, backoffDelay } from './backoff-policy';
import { Clock } from './clock';
import { ConnectionFactory, LoadConnection } from './load-connection';
import { LoadStats, emptyStats } from './load-stats';
import { logCommand } from './log-command';
import { SummaryTicker } from './summary-ticker';

export interface LoadLoopOptions {
  /** Target period between two LOG lines (0: as fast as the in-flight window allows). */
  intervalMs: number;
  /** Values to deliver, then stop by itself; undefined: run until stop(). */
  count?: number;
  /** Stop sending after this long; undefined: no limit. */
  durationMs?: number;
  /** Most LOG lines written and not yet answered. */
  maxInFlight: number;
  /** After a `503`, no LOG is sent for this long; the rejected value is sent again after it. */
  busyPauseMs: number;
  /** When stopping, the longest wait for replies still in flight. */
  drainTimeoutMs: number;
  /** Period of the summary line (0: only the final one). */
  summaryEveryMs: number;
  backoff: BackoffOptions;
  /** The server, as named in messages (`127.0.0.1:7070`). */
  target: string;
}

/** Where the loop's output goes: summaries to stdout, events (connection state) to stderr. */
export interface LoadReporter {
  summary(line: string): void;
  event(message: string): void;
}

export interface LoadLoopDeps {
  connect: ConnectionFactory;
  source: MetricSource;
  clock: Clock;
  /** In [0, 1): the back-off jitter. */
  random: () => number;
  reporter: LoadReporter;
}

interface Waiter {
  wake: () => void;
  /** Woken by replies and connection changes too, not only by the timer or stop(). */
  onActivity: boolean;
}

/** Distinct error replies reported on stderr; the rest are only counted. */
const MAX_REPORTED_ERRORS = 10;

/**
 * Sends LOG lines over one persistent, pipelined connection at a steady pace, and accounts for
 * every line (see LoadStats). Reconnects with jittered exponential back-off, resends values
 * answered `503` after a pause, and when stopped stops sending, waits (bounded) for the replies
 * in flight and closes. All time comes from the injected clock, all I/O from the injected
 * connection factory, so the whole state machine is unit-tested without sockets or sleeping.
 *
 * Lines in flight when a connection drops are counted as `lost` and not resent: the server may
 * have stored them, and resending would log them twice. Delivery is at most once for those;
 * `503` retries are safe because a `503` value is never stored.
 */
export class LoadLoop {
  private readonly stats = emptyStats();
  private readonly retries: Sample[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly reportedErrors = new Set<string>();
  private connection: LoadConnection | undefined;
  private opened = 0;
  /** Consecutive failures (refused, dropped) since the last `201`: the back-off exponent. */
  private failures = 0;
  /** Values taken from the source (a value resent after `503` counts once). */
  private generated = 0;
  private nextSendAt = 0;
  private pausedUntil = 0;
  private reconnectAt = 0;
  private deadline = Infinity;
  private stopping = false;
  private readonly summaries: SummaryTicker;
  private resolveStopped: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(
    private readonly options: LoadLoopOptions,
    private readonly deps: LoadLoopDeps,
  ) {
    this.summaries = new SummaryTicker(
      deps.clock,
      options.summaryEveryMs,
      () => this.snapshot,
      (line) => deps.reporter.summary(line),
    );
  }

  /** A copy of the counters now. */
  get snapshot(): LoadStats {
    return { ...this.stats };
  }

  /** Stop sending; run() then drains, closes and resolves. Safe to call more than once. */
  stop(): void {
    this.stopping = true;
    this.resolveStopped();
    this.wake(false);
  }

  /** Runs until stopped or bounded by count/duration; resolves with the final counters. */
  async run(): Promise<LoadStats> {
    const now = this.deps.clock.now();
    this.nextSendAt = now;
    if (this.options.durationMs !== undefined) this.deadline = now + this.options.durationMs;
    this.summaries.start();
    while (!this.finished()) await this.step();
    await this.drain();
    this.summaries.finish();
    return this.snapshot;
  }

  private finished(): boolean {
    if (this.stopping || this.deps.clock.now() >= this.deadline) return true;
    const { count } = this.options;
    return (
      count !== undefined &&
      this.generated >= count &&
      this.retries.length === 0 &&
      this.stats.inflight === 0
    );
  }

  /** One decision: connect, wait for the pace, wait for room in the window, or send one LOG. */
  private async step(): Promise<void> {
    const now = this.deps.clock.now();
    if (!this.connection) {
      if (this.reconnectAt > now) return this.wait(this.untilDeadline(this.reconnectAt), false);
      return this.connect();
    }
    const due = Math.max(this.nextSendAt, this.pausedUntil);
    if (due > now) return this.wait(this.untilDeadline(due), false);
    if (this.stats.inflight >= this.options.maxInFlight || !this.hasWork()) {
      return this.wait(this.untilDeadline(Infinity), true);
    }
    this.send(this.connection, this.retries.shift() ?? this.nextSample());
    // On schedule (or a timer's usual lateness behind): keep the schedule, so the rate does not
    // drift. Further behind (a full window, a pause): restart it, rather than burst to catch up.
    const next = this.nextSendAt + this.options.intervalMs;
    this.nextSendAt = next >= now ? next : now + this.options.intervalMs;
  }

  private hasWork(): boolean {
    const { count } = this.options;
    return this.retries.length > 0 || count === undefined || this.generated < count;
  }

  private nextSample(): Sample {
    this.generated += 1;
    return this.deps.source.next();
  }

  private async connect(): Promise<void> {
    const attempt = this.deps.connect().then(
      (connection) => ({ connection }),
      (error: Error) => ({ error }),
    );
    const result = await Promise.race([attempt, this.stopped.then(() => undefined)]);
    if (result === undefined) {
      // Stopped while connecting: do not wait for a slow connect, drop it when it comes.
      void attempt.then((late) => 'connection' in late && late.connection.destroy('stopped'));
      return;
    }
    if ('error' in result) {
      this.scheduleReconnect(`cannot connect to ${this.options.target}: ${result.error.message}`);
      return;
    }
    this.attach(result.connection);
  }

  private attach(connection: LoadConnection): void {
    this.connection = connection;
    if (this.opened++ > 0) this.stats.reconnects += 1;
    connection.onClose((error) => this.onClosed(connection, error));
    this.deps.reporter.event(`connected to ${this.options.target}`);
  }

  private onClosed(connection: LoadConnection, error: Error | undefined): void {
    if (connection !== this.connection) return;
    this.connection = undefined;
    if (this.stopping) return;
    const why = error ? `: ${error.message}` : ' by the server';
    const inflight = this.stats.inflight;
    this.scheduleReconnect(`connection lost${why} (${inflight} in flight lost)`);
    this.wake(true);
  }

  private scheduleReconnect(message: string): void {
    this.failures += 1;
    const delay = backoffDelay(this.failures - 1, this.deps.random, this.options.backoff);
    this.reconnectAt = this.deps.clock.now() + delay;
    this.deps.reporter.event(`${message}; retrying in ${delay} ms`);
  }

  private send(connection: LoadConnection, sample: Sample): void {
    this.stats.sent += 1;
    this.stats.inflight += 1;
    connection.send(logCommand(sample)).then(
      (reply) => this.onReply(sample, reply),
      () => this.onLost(),
    );
  }

  private onReply(sample: Sample, reply: string): void {
    this.stats.inflight -= 1;
    if (reply === Replies.metricInserted) {
      this.stats.acked += 1;
      this.failures = 0;
    } else if (reply === Replies.busy) {
      this.stats.busy += 1;
      this.retries.push(sample);
      this.pausedUntil = this.deps.clock.now() + this.options.busyPauseMs;
    } else {
      this.stats.errors += 1;
      this.reportError(sample, reply);
    }
    this.wake(true);
  }

  private onLost(): void {
    this.stats.inflight -= 1;
    this.stats.lost += 1;
    this.wake(true);
  }

  private reportError(sample: Sample, reply: string): void {
    if (this.reportedErrors.has(reply) || this.reportedErrors.size >= MAX_REPORTED_ERRORS) return;
    this.reportedErrors.add(reply);
    this.deps.reporter.event(`${logCommand(sample)} answered: ${reply} (counted in errors)`);
  }

  /** Waits for the replies in flight (bounded), then closes the connection. */
  private async drain(): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    const { clock } = this.deps;
    const giveUpAt = clock.now() + this.options.drainTimeoutMs;
    while (this.stats.inflight > 0 && this.connection === connection && clock.now() < giveUpAt) {
      await this.wait(giveUpAt - clock.now(), true);
    }
    this.connection = undefined; // from here on, its close is ours, not a drop to recover from
    if (this.stats.inflight > 0) {
      const ms = this.options.drainTimeoutMs;
      this.deps.reporter.event(`${this.stats.inflight} replies still awaited after ${ms} ms`);
      connection.destroy(`no reply within the ${ms} ms drain timeout`);
    }
    // Also after destroy(): close() settles once the socket is gone, after its sends rejected.
    await connection.close();
  }

  /** Milliseconds from now until `at`, or until the duration's end if that comes first. */
  private untilDeadline(at: number): number {
    return Math.min(at, this.deadline) - this.deps.clock.now();
  }

  /** Resolves after `ms` (Infinity: no timer), on stop(), or, if `onActivity`, on a reply or close. */
  private wait(ms: number, onActivity: boolean): Promise<void> {
    const { clock } = this.deps;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        onActivity,
        wake: () => {
          if (timer !== undefined) clock.clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = Number.isFinite(ms)
        ? clock.setTimeout(waiter.wake, Math.max(ms, 0))
        : undefined;
      this.waiters.add(waiter);
    });
  }

  /** Wakes every waiter (stop) or only those waiting for activity (a reply, a close). */
  private wake(activity: boolean): void {
    for (const waiter of [...this.waiters]) if (!activity || waiter.onActivity) waiter.wake();
  }
}
