import { performance } from 'node:perf_hooks';
import { CommitStats } from './commit-stats';
import { Logger } from '@nestjs/common';
import { describeFsError } from '../io/fs-error';
import { PendingBatch } from '../series/pending-batch';
import { Series } from '../series/series';
import { SeriesStore } from '../series/series-store';
import { WalRecordEncoder } from '../wal/wal-record-encoder';
import { WriteAheadLog } from '../wal/write-ahead-log';
import type { Clock } from '../clock';

/**
 * A commit of at least this many values is written on the event-loop thread (see
 * WriteAheadLog.append): with that many LOGs waiting, the loop has little else to do while the
 * disk works. Smaller commits go through the thread pool, so that the loop keeps accepting and
 * reading the connections whose LOGs will fill the next commit (one LOG per connection trickling
 * in: blocking there measured 2.5x slower).
 */
const INLINE_COMMIT_VALUES = 4;

/**
 * - idle: no batch is being written; the next append starts the commit loop.
 * - committing: the loop runs; appends join the pending batch.
 * - closing: no new appends; the loop finishes the batches it has.
 * - closed: every batch is settled, the loop is stopped for good.
 */
export type CommitterState = 'idle' | 'committing' | 'closing' | 'closed';

/**
 * Group commit: while one batch is being written (and synced) to the WAL, the next one fills up,
 * so one write covers every value waiting at that moment, across all metrics and connections.
 * A batch is applied to the heads (visible to queries) and resolved only once it is durable; a
 * failed write rejects it (its LOGs get 500) and the loop goes on with the next.
 */
export class GroupCommitter {
  private readonly logger = new Logger('FileManager');
  private state: CommitterState = 'idle';
  /** Tasks to run between commits (runBetweenCommits). */
  private readonly between: (() => Promise<void>)[] = [];
  /** Commit durations and sizes, read by the server's /metrics. */
  readonly stats = new CommitStats();
  private pending = new PendingBatch();
  private inCommit: PendingBatch | undefined;
  /** One record buffer for every commit: a commit's write ends before the next one's encode. */
  private readonly encoder = new WalRecordEncoder();
  /** Made when close() waits for the loop (not per loop start: that is once per commit). */
  private drained: Promise<void> | undefined;
  private markDrained: () => void = () => undefined;

  /**
   * @param afterCommit runs between commits (the WAL is not written meanwhile): the flusher's
   *   chance to rotate the WAL. It must not throw.
   */
  constructor(
    private readonly store: SeriesStore,
    private readonly wal: WriteAheadLog,
    private readonly clock: Clock,
    private readonly alwaysInline: boolean,
    private readonly afterCommit: () => Promise<void>,
  ) {}

  /**
   * Stamps and queues values; resolves once they are durable and visible, rejects if not stored.
   * `stamps` (cluster mode: the stamps the receiving node gave) replace the clock's; either way
   * a metric's stamps never go backwards (an earlier one is raised to its last stamp).
   */
  append(
    ids: readonly string[],
    values: ArrayLike<number>,
    count: number,
    stamps?: ArrayLike<number>,
  ): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') {
      return Promise.reject(new Error('storage is closed'));
    }
    const now = this.clock.now();
    const batch = this.pending;
    let lastId = '';
    let series: Series | undefined;
    for (let i = 0; i < count; i++) {
      // Clients often send runs of one metric: skip the lookup while the id repeats.
      if (series === undefined || ids[i] !== lastId) {
        lastId = ids[i];
        series = this.store.getOrCreate(lastId);
      }
      const wanted = stamps ? stamps[i] : now;
      const stamp = wanted > series.lastStamp ? wanted : series.lastStamp;
      series.lastStamp = stamp;
      batch.push(series, stamp, values[i]);
    }
    const done = batch.done();
    if (this.state === 'idle') this.startLoop();
    return done;
  }

  /** The smallest stamp not yet durable (Infinity if none waits). */
  oldestWaiting(): number {
    return Math.min(this.pending.minStamp, this.inCommit?.minStamp ?? Infinity);
  }

  /** Refuses new appends and waits until every accepted batch is settled. */
  async close(): Promise<void> {
    if (this.state === 'committing') {
      this.state = 'closing';
      this.drained ??= new Promise((resolve) => (this.markDrained = resolve));
      await this.drained;
    }
    this.state = 'closed';
  }

  private startLoop(): void {
    this.state = 'committing';
    // The loop settles every batch itself, and stops itself (see loop()); a rejection here is a
    // bug, and must not leave appenders waiting for ever.
    this.loop().catch((error: unknown) => {
      this.logger.error(`commit loop failed: ${describeFsError(error)}`);
      const lost = this.inCommit ?? this.pending;
      this.inCommit = undefined;
      lost.reject(error);
      if (lost !== this.pending) this.pending.reject(error);
      this.pending = new PendingBatch();
      this.stopLoop();
    });
  }

  private stopLoop(): void {
    this.state = this.state === 'closing' ? 'closed' : 'idle';
    this.markDrained();
    this.drained = undefined;
  }

  /**
   * Commits batches while values wait, then stops in the same synchronous step as its last
   * check: had it stopped a microtask later (in a `.then` after it returned), an append made in
   * between would have joined a batch no loop was left to write, and waited for ever for
   * another append (a partition applier, which appends right after its previous append
   * resolved, did exactly that).
   */
  private async loop(): Promise<void> {
    while (this.pending.count > 0 || this.between.length > 0) {
      if (this.pending.count > 0) {
        const batch = this.pending;
        this.pending = new PendingBatch();
        this.inCommit = batch;
        await this.commit(batch);
        this.inCommit = undefined;
        await this.afterCommit();
      }
      for (const task of this.between.splice(0)) await task();
    }
    this.stopLoop();
  }

  /**
   * Runs `task` between two commits, as afterCommit runs (the WAL is not written meanwhile):
   * now if no commit is running, else after the current one. For a flush that time asks for
   * rather than the heads' size (retention: old values must reach a block to leave the disk).
   */
  runBetweenCommits(task: () => Promise<void>): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.between.push(task);
    if (this.state === 'idle') this.startLoop();
  }

  /** Writes one batch and settles it: resolved once durable and applied, rejected if not stored. */
  private async commit(batch: PendingBatch): Promise<void> {
    const started = performance.now();
    try {
      // Without fsync a write only copies to the page cache: always cheaper inline.
      const inline = this.alwaysInline || batch.count >= INLINE_COMMIT_VALUES;
      // Under fsync the WAL is O_DSYNC: the append returns once the record is on disk.
      await this.wal.append(this.encoder.encode(batch.toWal()), inline);
    } catch (error) {
      this.logger.error(`could not store ${batch.count} values: ${describeFsError(error)}`);
      this.stats.failed++;
      batch.reject(error);
      return;
    }
    this.store.apply(batch.series, batch.stamps, batch.values, batch.count);
    this.stats.seconds.observe((performance.now() - started) / 1000);
    this.stats.values.observe(batch.count);
    batch.resolve();
  }
}
