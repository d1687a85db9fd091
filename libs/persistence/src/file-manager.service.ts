import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { join, resolve } from 'node:path';
import { CLOCK, systemClock } from './clock';
import type { Clock } from './clock';
import type { CommitStats } from './commit/commit-stats';
import { GroupCommitter } from './commit/group-committer';
import { BlockSequence } from './block/block-sequence';
import { Compactor } from './compaction/compactor';
import { levelSpans } from './compaction/compaction-plan';
import {
  CompactionRunner,
  InlineCompactionRunner,
  WorkerCompactionRunner,
} from './compaction/compaction-runner';
import { BlockFlusher } from './flush/block-flusher';
import { describeFsError } from './io/fs-error';
import { nodeStorageFs } from './io/node-storage-fs';
import { STORAGE_FS } from './io/storage-fs';
import type { StorageFs } from './io/storage-fs';
import { DeletionMarks } from './deletion/deletion-marks';
import { DataDirLock } from './lock/data-dir-lock';
import { StorageLayout, ensureDataDir, recoverStorage } from './recovery/recovery';
import { RetentionPolicy } from './retention/retention-policy';
import { Series } from './series/series';
import { LastValueVisitor, SortedMetricIds, SummaryVisitor } from './series/metric-listing';
import type { MetricIdPage, MetricSummary } from './series/metric-listing';
import { SeriesScanner } from './series/series-scanner';
import { SeriesStore } from './series/series-store';
import { SeriesVisitor } from './series/series-visitor';
import {
  DATA_DIR_SETTING,
  DEFAULT_COMPACTION_MS,
  DEFAULT_RETRY_MS,
  STORAGE_OPTIONS,
} from './storage-options';
import type { StorageOptions } from './storage-options';
import { WriteAheadLog } from './wal/write-ahead-log';

/** Storage's figures for /metrics (FileManager.stats). */
export interface StorageStats {
  open: boolean;
  metrics: number;
  headValues: number;
  blocks: number;
  blockBytes: number;
  openBlockFiles: number;
  compactions: number;
  commits: CommitStats | undefined;
}

/**
 * - new: constructed, nothing opened.
 * - open: recovered and locked; appends are taken.
 * - closed: shut down (or start-up failed); appends are refused.
 */
type StorageState = 'new' | 'open' | 'closed';

/**
 * Durable per-metric storage. LOG values are group-committed to a write-ahead log (one write and
 * one fdatasync for every value waiting, across all metrics), then kept in memory heads; when the
 * heads hold `flushValues` values they are written as one immutable block file and the WAL
 * segments they came from are removed; the Compactor merges blocks and enforces retention. This
 * class only wires the parts together: the data directory lock, recovery, the GroupCommitter,
 * the BlockFlusher and the Compactor (over 200 lines for that wiring and the public API each
 * part is reached through). See libs/persistence/README.md for the design and what each I/O
 * failure does.
 */
@Injectable()
export class FileManager implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FileManager.name);
  private readonly store: SeriesStore;
  private readonly layout: StorageLayout;
  private readonly wal: WriteAheadLog;
  private state: StorageState = 'new';
  private lock: DataDirLock | undefined;
  private committer: GroupCommitter | undefined;
  private flusher: BlockFlusher | undefined;
  private compactor: Compactor | undefined;
  private readonly retention: RetentionPolicy;
  private readonly deletions: DeletionMarks;
  private readonly sortedIds = new SortedMetricIds(
    () => this.store.ids(),
    () => this.store.size,
  );

  constructor(
    @Inject(STORAGE_OPTIONS) private readonly options: StorageOptions,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
    @Optional() @Inject(STORAGE_FS) private readonly fs: StorageFs = nodeStorageFs,
  ) {
    this.store = new SeriesStore(options.queryCacheBytes);
    const dataDir = resolve(options.dataDir);
    this.layout = { dataDir, walDir: join(dataDir, 'wal'), blockDir: join(dataDir, 'blocks') };
    this.retention = options.retention ?? RetentionPolicy.keepEverything;
    this.wal = new WriteAheadLog(this.layout.walDir, options.durability === 'fsync', fs, clock);
    this.deletions = new DeletionMarks(fs, join(dataDir, 'deletions.jsonl'));
  }

  /** Locks the data directory and recovers it before the listener opens. */
  async onModuleInit(): Promise<void> {
    await ensureDataDir(this.fs, this.layout.dataDir);
    this.lock = DataDirLock.acquire(this.layout.dataDir);
    let lastBlockSeq: number;
    try {
      lastBlockSeq = await recoverStorage(
        this.layout,
        this.store,
        this.wal,
        this.fs,
        this.clock,
        this.logger,
      );
      await this.deletions.load();
    } catch (error) {
      await this.release();
      throw recoveryError(this.layout.dataDir, error);
    }
    const blockSeq = new BlockSequence(lastBlockSeq);
    const retryMs = this.options.retryMs ?? DEFAULT_RETRY_MS;
    const compactor = new Compactor(this.store, this.compactionRunner(), this.fs, this.clock, {
      blockDir: this.layout.blockDir,
      retention: this.retention,
      spans: this.options.compactionSpansMs ?? levelSpans(this.retention.retentionMs),
      intervalMs: this.options.compactionIntervalMs ?? DEFAULT_COMPACTION_MS,
      retryMs,
      blockSeq,
      deletions: () => this.deletions.all(),
      onTick: () => this.flushExpiredHeads(),
    });
    this.compactor = compactor;
    this.flusher = new BlockFlusher(this.store, this.wal, this.fs, this.clock, {
      blockDir: this.layout.blockDir,
      flushValues: this.options.flushValues,
      retryMs,
      blockSeq,
      onInstalled: () => compactor.wake(),
    });
    const flusher = this.flusher;
    this.committer = new GroupCommitter(
      this.store,
      this.wal,
      this.clock,
      this.options.durability === 'os',
      () => flusher.maybeFlush(),
    );
    this.state = 'open';
    compactor.start();
    await flusher.maybeFlush();
  }

  /**
   * Values out of retention that are still in the heads (a quiet server may take days to fill
   * them) are flushed to a block, which compaction then rewrites without them: they leave the
   * disk (the WAL) within the same cycle.
   */
  private flushExpiredHeads(): void {
    const cutoff = this.retention.cutoff(this.clock.now());
    if (this.store.oldestHeadStamp() < cutoff) this.flushHeadsSoon();
  }

  /** Flushes the heads between two commits (compaction, woken by the flush, then rewrites). */
  private flushHeadsSoon(): void {
    const flusher = this.flusher;
    if (flusher) this.committer?.runBetweenCommits(() => flusher.flushNow());
  }

  /** Runs compaction until it has nothing left to do for now (tests). */
  async compactNow(): Promise<void> {
    this.compactor?.wake();
    await this.compactor?.settled();
  }

  /** What /metrics reports of storage: read at scrape time, never on the write path. */
  stats(): StorageStats {
    const installed = this.store.installedBlocks();
    return {
      open: this.state === 'open',
      metrics: this.store.size,
      headValues: this.store.headValues,
      blocks: installed.length,
      blockBytes: installed.reduce((sum, b) => sum + b.block.bytes, 0),
      openBlockFiles: this.store.openBlockFiles,
      compactions: this.compactor?.jobsDone ?? 0,
      commits: this.committer?.stats,
    };
  }

  /** Block files in place and open (the bound compaction keeps). */
  blockFileCount(): { blocks: number; open: number } {
    return { blocks: this.store.installedBlocks().length, open: this.store.openBlockFiles };
  }

  private compactionRunner(): CompactionRunner {
    const script = this.options.compactionWorkerScript;
    return script ? new WorkerCompactionRunner(script) : new InlineCompactionRunner(this.fs);
  }

  /** False for a metric never logged, and for one forgotten by retention (see RetentionPolicy). */
  hasMetric(id: string): boolean {
    return this.visibleSeries(id) !== undefined;
  }

  /**
   * Stamps and queues values; resolves once they are durable (per PULSE_DURABILITY) and visible
   * to queries, rejects if they could not be stored. `ids` must be valid metric ids.
   */
  append(ids: readonly string[], values: ArrayLike<number>, count = ids.length): Promise<void> {
    if (this.state !== 'open') return Promise.reject(new Error('storage is closed'));
    return (this.committer as GroupCommitter).append(ids, values, count);
  }

  /**
   * As append, with the stamps given (cluster mode: values stamped by the node that received
   * them, applied from the stream by the partition's owner; see apps/server/src/cluster).
   */
  appendStamped(
    ids: readonly string[],
    stamps: ArrayLike<number>,
    values: ArrayLike<number>,
    count = ids.length,
  ): Promise<void> {
    if (this.state !== 'open') return Promise.reject(new Error('storage is closed'));
    return (this.committer as GroupCommitter).append(ids, values, count, stamps);
  }

  /**
   * Feeds the metric's values stamped in [from, to] to the visitor; false if the metric is
   * unknown. `inlineReads`: blocks are read on the calling thread (StorageFile.readSync), for a
   * caller that bounds its time on the event loop itself (the alert check).
   */
  async scan(
    id: string,
    from: number,
    to: number,
    visitor: SeriesVisitor,
    inlineReads = false,
  ): Promise<boolean> {
    const series = this.visibleSeries(id);
    if (!series) return false;
    // Values out of retention are never selected, from the moment they are out: their block may
    // still be on disk until the next compaction.
    const earliest = Math.max(
      this.retention.appliesTo(id) ? this.retention.cutoff(this.clock.now()) : from,
      this.deletions.upTo(id) + 1, // a deleted metric's values are gone at once, as well
    );
    this.store.activeScans++;
    try {
      const scanner = new SeriesScanner(
        this.store,
        Math.max(from, earliest),
        to,
        visitor,
        inlineReads,
      );
      await scanner.scan(series);
    } finally {
      // Blocks compaction swapped out during the scan are closed once no scan reads them.
      if (--this.store.activeScans === 0) void this.store.closeRetired();
    }
    return true;
  }

  /**
   * Metric ids containing `search` (case-insensitive) that `include` accepts (cluster mode: the
   * partitions this node owns), in id order after `after`, at most `limit`, and how many match.
   */
  metricIds(
    search: string,
    limit: number,
    after: string | null,
    include: (id: string) => boolean = () => true,
  ): MetricIdPage {
    return this.sortedIds.page(search, limit, after, (id) => include(id) && this.hasMetric(id));
  }

  /** The metric's value count, first and last stamps and last value (undefined: unknown). */
  async summarize(id: string): Promise<MetricSummary | undefined> {
    const summary = new SummaryVisitor();
    if (!(await this.scan(id, -Infinity, Infinity, summary))) return undefined;
    if (summary.count === 0) {
      return { id, count: 0, firstStamp: null, lastStamp: null, lastValue: null };
    }
    let lastValue = summary.lastValue;
    if (summary.lastValueStamp < summary.lastStamp) {
      const last = new LastValueVisitor();
      await this.scan(id, summary.lastStamp, summary.lastStamp, last);
      lastValue = last.value;
    }
    const { count, firstStamp, lastStamp } = summary;
    return { id, count, firstStamp, lastStamp, lastValue };
  }

  /** metricIds' page with each metric's summary (GET /api/metrics, a cluster node's share). */
  async metricPage(
    search: string,
    limit: number,
    after: string | null,
    include?: (id: string) => boolean,
  ): Promise<{ metrics: MetricSummary[]; total: number; lastId: string | null }> {
    const page = this.metricIds(search, limit, after, include);
    const metrics: MetricSummary[] = [];
    for (const id of page.ids) {
      const summary = await this.summarize(id);
      if (summary) metrics.push(summary);
    }
    return { metrics, total: page.total, lastId: page.lastId };
  }

  /**
   * Deletes the metric's values (DELETE /api/metrics/{id}): every value stamped so far is gone
   * from queries once this resolves (the mark is durable); heads are flushed so that compaction,
   * woken by the flush, removes them from disk. False if the metric is unknown.
   */
  async deleteMetric(id: string): Promise<boolean> {
    const series = this.visibleSeries(id);
    if (!series || this.state !== 'open') return false;
    await this.markDeleted(id, series.lastStamp);
    return true;
  }

  /**
   * Deletes the metric's values stamped up to `upTo` (cluster mode: a mark from the cluster's
   * bucket, stamped by the node that took the deletion); no-op when an equal or later mark is
   * already in place.
   */
  async markDeleted(id: string, upTo: number): Promise<void> {
    if (this.deletions.upTo(id) >= upTo) return;
    await this.deletions.mark(id, upTo);
    this.logger.log(`deleted metric ${id} (values stamped up to ${upTo})`);
    const series = this.store.get(id);
    if (series?.head || series?.flushing) this.flushHeadsSoon();
    else this.compactor?.wake();
  }

  private visibleSeries(id: string): Series | undefined {
    const series = this.store.get(id);
    if (!series?.committed) return undefined;
    if (series.lastStamp <= this.deletions.upTo(id)) return undefined; // deleted, not logged since
    if (!this.retention.appliesTo(id)) return series;
    return series.lastStamp >= this.retention.forgetBefore(this.clock.now()) ? series : undefined;
  }

  /**
   * The latest stamp up to which every value is visible: values stamped at or before it are all
   * durable (none is still waiting for its commit). Alert checks stop there so none is skipped.
   */
  visibleUpTo(): number {
    return (this.committer?.oldestWaiting() ?? Infinity) - 1;
  }

  /**
   * Storage closes after the transport has drained: every value acknowledged is already in the
   * WAL. Each step runs even if one before failed, and the lock is released whatever happened.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.state === 'new') return this.release();
    if (this.state === 'closed') return;
    this.state = 'closed';
    await this.committer?.close();
    await this.compactor?.close();
    await this.flusher?.close(); // logs its own failures; the WAL keeps what is not in a block
    await this.release();
  }

  /** Closes the WAL and the block files and drops the lock; failures are logged, not thrown. */
  private async release(): Promise<void> {
    try {
      await this.wal.close();
      this.logger.log(`closed write-ahead log in ${this.layout.walDir}`);
      const blocks = await this.store.closeBlocks();
      this.logger.log(`closed storage in ${this.layout.dataDir} (${blocks} block files)`);
    } catch (error) {
      this.logger.error(`could not close storage cleanly: ${describeFsError(error)}`);
    } finally {
      this.lock?.release();
      this.lock = undefined;
      this.state = 'closed';
    }
  }
}

/** A start-up failure as one line naming the data directory (the messages of ours already do). */
function recoveryError(dataDir: string, error: unknown): Error {
  if (error instanceof Error && error.message.startsWith('data directory ')) return error;
  const cause = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new Error(
    `data directory ${dataDir} (${DATA_DIR_SETTING}) could not be recovered: ${cause}`,
    {
      cause: error,
    },
  );
}
