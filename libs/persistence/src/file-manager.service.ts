import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { join, resolve } from 'node:path';
import { CorruptBlockError, openBlock } from './block/block-reader';
import { BLOCK_SUFFIX } from './block/block-format';
import { FlushEntry, writeBlock } from './block/block-writer';
import { CLOCK, systemClock } from './clock';
import type { Clock } from './clock';
import { listSequenced } from './fs-util';
import { nodeStorageFs } from './io/node-storage-fs';
import { STORAGE_FS } from './io/storage-fs';
import type { StorageFs } from './io/storage-fs';
import { PendingBatch } from './series/pending-batch';
import { SeriesScanner } from './series/series-scanner';
import { Series } from './series/series';
import { SeriesStore } from './series/series-store';
import { SeriesVisitor } from './series/series-visitor';
import { DEFAULT_RETRY_MS, STORAGE_OPTIONS } from './storage-options';
import type { StorageOptions } from './storage-options';
import { encodeWalRecord } from './wal/wal-format';
import { WriteAheadLog } from './wal/write-ahead-log';

/**
 * A commit of at least this many values is written on the event-loop thread (see
 * WriteAheadLog.append): with that many LOGs waiting, the loop has little else to do while the
 * disk works. Smaller commits go through the thread pool, so that the loop keeps accepting and
 * reading the connections whose LOGs will fill the next commit (one LOG per connection trickling
 * in: blocking there measured 2.5x slower).
 */
const INLINE_COMMIT_VALUES = 4;

/**
 * Durable per-metric storage. LOG values are group-committed to a write-ahead log (one write and
 * one fdatasync for every value waiting, across all metrics), then kept in memory heads; when the
 * heads hold `flushValues` values they are written as one immutable block file and the WAL
 * segments they came from are removed. See libs/persistence/README.md for the on-disk format.
 */
@Injectable()
export class FileManager implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FileManager.name);
  private readonly store = new SeriesStore();
  private readonly dataDir: string;
  private readonly walDir: string;
  private readonly blockDir: string;
  private readonly wal: WriteAheadLog;
  private pending = new PendingBatch();
  private inCommit: PendingBatch | undefined;
  private committing = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;
  private flush: Promise<void> | undefined;
  private lastFlushFailure = 0;
  /** Ends the wait before a block write is retried (shutdown retries at once). */
  private wakeRetry: () => void = () => undefined;
  private blockSeq = 0;
  private closed = false;

  constructor(
    @Inject(STORAGE_OPTIONS) private readonly options: StorageOptions,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
    @Optional() @Inject(STORAGE_FS) private readonly fs: StorageFs = nodeStorageFs,
  ) {
    this.dataDir = resolve(options.dataDir);
    this.walDir = join(this.dataDir, 'wal');
    this.blockDir = join(this.dataDir, 'blocks');
    this.wal = new WriteAheadLog(this.walDir, options.durability === 'fsync', fs, clock);
  }

  private get retryMs(): number {
    return this.options.retryMs ?? DEFAULT_RETRY_MS;
  }

  /** Recovers blocks and the WAL before the listener opens: the data is queryable once this ends. */
  async onModuleInit(): Promise<void> {
    const started = this.clock.now();
    await this.fs.mkdir(this.walDir);
    await this.fs.mkdir(this.blockDir);
    const coveredUpTo = await this.loadBlocks();
    const report = await this.wal.replay(coveredUpTo, (batch) => {
      const series = batch.ids.map((id) => this.store.getOrCreate(id));
      const bySeries = Array.from(batch.idIndex, (i) => series[i]);
      for (let i = 0; i < bySeries.length; i++) {
        bySeries[i].lastStamp = Math.max(bySeries[i].lastStamp, batch.stamps[i]);
      }
      this.store.apply(bySeries, batch.stamps, batch.values, bySeries.length);
    });
    for (const cut of report.cut) {
      this.logger.warn(`cut ${cut.bytes} torn bytes from ${cut.path} at offset ${cut.offset}`);
    }
    await this.wal.startSegment(Math.max(report.lastSeq, coveredUpTo));
    this.logger.log(
      `opened storage in ${this.dataDir}: ${this.store.size} metrics, ${this.store.blockFiles.length} blocks, ` +
        `${report.values} values replayed from ${report.segments} WAL segments in ${this.clock.now() - started} ms`,
    );
    await this.maybeRotateForFlush();
  }

  hasMetric(id: string): boolean {
    return this.store.get(id)?.committed ?? false;
  }

  /**
   * Stamps and queues values; resolves once they are durable (per PULSE_DURABILITY) and visible
   * to queries, rejects if they could not be stored. `ids` must be valid metric ids.
   */
  append(ids: readonly string[], values: ArrayLike<number>, count = ids.length): Promise<void> {
    if (this.closed) return Promise.reject(new Error('storage is closed'));
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
      const stamp = now > series.lastStamp ? now : series.lastStamp;
      series.lastStamp = stamp;
      batch.push(series, stamp, values[i]);
    }
    const done = batch.done();
    if (!this.committing) void this.commitLoop();
    return done;
  }

  /** Feeds the metric's values stamped in [from, to] to the visitor; false if the metric is unknown. */
  async scan(id: string, from: number, to: number, visitor: SeriesVisitor): Promise<boolean> {
    const series = this.store.get(id);
    if (!series?.committed) return false;
    await new SeriesScanner(this.store, from, to, visitor).scan(series);
    return true;
  }

  /**
   * The latest stamp up to which every value is visible: values stamped at or before it are all
   * durable (none is still waiting for its commit). Alert checks stop there so none is skipped.
   */
  visibleUpTo(): number {
    const oldestWaiting = Math.min(this.pending.minStamp, this.inCommit?.minStamp ?? Infinity);
    return oldestWaiting - 1;
  }

  /** Group commit: while a batch is being written and synced, the next one fills up. */
  private async commitLoop(): Promise<void> {
    this.committing = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    try {
      while (this.pending.count > 0) {
        const batch = this.pending;
        this.pending = new PendingBatch();
        this.inCommit = batch;
        try {
          // Without fsync a write only copies to the page cache: always cheaper inline.
          const inline = this.options.durability === 'os' || batch.count >= INLINE_COMMIT_VALUES;
          // Under fsync the WAL is O_DSYNC: the append returns once the record is on disk.
          await this.wal.append(encode(batch), inline);
        } catch (error) {
          this.logger.error(`could not store ${batch.count} values: ${describe(error)}`);
          this.inCommit = undefined;
          batch.reject(error);
          continue;
        }
        this.store.apply(batch.series, batch.stamps, batch.values, batch.count);
        this.inCommit = undefined;
        batch.resolve();
        await this.maybeRotateForFlush();
      }
    } finally {
      this.committing = false;
      this.markIdle();
    }
  }

  /** Runs only between commits (or before the listener opens): the WAL is never written meanwhile. */
  private async maybeRotateForFlush(): Promise<void> {
    if (this.flush || this.store.headValues < this.options.flushValues) return;
    if (this.clock.now() - this.lastFlushFailure < this.retryMs) return;
    await this.startFlush();
  }

  /** Freezes the heads and rotates the WAL together, then writes the block in the background. */
  private async startFlush(): Promise<void> {
    const entries = this.store.freeze();
    const covered = await this.wal.startSegment();
    this.flush = this.writeAndInstall(entries, covered).finally(() => (this.flush = undefined));
  }

  private async writeAndInstall(entries: FlushEntry[], walCoveredUpTo: number): Promise<void> {
    const seq = ++this.blockSeq;
    for (;;) {
      try {
        const block = await writeBlock(this.blockDir, seq, entries, walCoveredUpTo, this.fs);
        const handle = await this.fs.open(block.path, 'read');
        this.store.installBlock(handle, block.table, block.runs);
        await this.wal.removeUpTo(walCoveredUpTo);
        this.logger.log(
          `flushed ${block.values} values of ${entries.length} metrics to ${block.path}`,
        );
        return;
      } catch (error) {
        this.lastFlushFailure = this.clock.now();
        this.logger.error(
          `could not write block ${seq} (retrying; data is safe in the WAL): ${describe(error)}`,
        );
        if (this.closed) throw error;
        await new Promise<void>((wake) => {
          const timer = setTimeout(wake, this.retryMs);
          this.wakeRetry = () => {
            clearTimeout(timer);
            wake();
          };
        });
      }
    }
  }

  private async loadBlocks(): Promise<number> {
    for (const name of await this.fs.readdir(this.blockDir)) {
      if (name.endsWith('.tmp')) await this.fs.unlink(join(this.blockDir, name));
    }
    let coveredUpTo = 0;
    for (const { seq, path } of await listSequenced(this.blockDir, BLOCK_SUFFIX, this.fs)) {
      this.blockSeq = Math.max(this.blockSeq, seq);
      try {
        const block = await openBlock(path, this.fs);
        this.store.installBlock(block.handle, block.table, block.runs);
        coveredUpTo = Math.max(coveredUpTo, block.footer.walCoveredUpTo);
      } catch (error) {
        if (!(error instanceof CorruptBlockError)) throw error;
        await this.fs.rename(path, `${path}.corrupt`);
        this.logger.error(
          `dropped corrupt block ${path} (${error.message}); kept as ${path}.corrupt`,
        );
      }
    }
    return coveredUpTo;
  }

  /** Storage closes after the transport has drained: every value acknowledged is already in the WAL. */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    while (this.committing) await this.idle;
    this.wakeRetry(); // a block write waiting to be retried is tried once more, now
    await this.flush?.catch(() => undefined);
    if (this.store.headValues > 0) {
      try {
        await this.startFlush();
        await this.flush;
      } catch (error) {
        this.logger.error(`final flush failed, the WAL keeps the data: ${describe(error)}`);
      }
    }
    await this.wal.close();
    this.logger.log(`closed write-ahead log in ${this.walDir}`);
    const blocks = await this.store.closeBlocks();
    this.logger.log(`closed storage in ${this.dataDir} (${blocks} block files)`);
  }
}

const encode = (batch: PendingBatch) => encodeWalRecord(batch.toWal());

const describe = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
