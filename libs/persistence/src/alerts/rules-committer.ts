import { Logger } from '@nestjs/common';
import type { Clock } from '../clock';
import { describeFsError } from '../io/fs-error';
import type { StoredAlertRule } from './alert-rule';
import { RulesBatch } from './rules-batch';
import { SnapshotInPlaceError } from './replace-file';
import { RulesLogFile } from './rules-log-file';
import { encodeSnapshot } from './rules-log-format';

/** The log is compacted once it is at least this big... */
const COMPACT_MIN_BYTES = 1024 * 1024;
/** ...and this many times what a snapshot of the rules would take. */
const COMPACT_GROWTH = 2;
/** A snapshot's bytes per rule until one was written. */
const DEFAULT_RULE_BYTES = 160;
/**
 * A commit of at least this many records is written on the event-loop thread, as the WAL's
 * commits are: with that many changes waiting, their clients wait for this write anyway, and the
 * thread-pool hand-offs cost more than the write (measured on this 2-core machine under load:
 * a 10 KB O_DSYNC write 0.34 ms inline, 1.7 ms through the pool). Smaller commits go through the
 * pool, so that the loop goes on serving LOGs meanwhile.
 */
const INLINE_RECORDS = 4;

/** The store's side of a commit: the rules in memory, and what to do when a batch settles. */
export interface RulesCommitTarget {
  /** Every rule in memory: those durable, and those of the batch being committed. */
  rules(): Iterable<Readonly<StoredAlertRule>>;
  ruleCount(): number;
  committed(batch: RulesBatch): void;
  failed(batch: RulesBatch, error: Error): void;
}

/**
 * Group commit of the rules log: while one batch of records is being written, the next one fills
 * up, so one write (and one disk flush under fsync durability) covers every change waiting at
 * that moment, from all connections. A batch settles only once its write is durable.
 *
 * Compaction happens in the same loop, in place of a batch's append: once the log has grown past
 * COMPACT_GROWTH times the size of a snapshot (and COMPACT_MIN_BYTES), the rules in memory (the
 * durable ones and the batch's, nothing else is in flight) are written as the new log, which
 * commits the batch too. If that fails, the batch is appended as usual, and compaction is tried
 * again after `retryMs`. After a failed commit of checkpoints, memory is ahead of the log: the
 * next commit writes a snapshot.
 */
export class RulesCommitter {
  private readonly logger = new Logger('AlertRuleStore');
  /** Where changes add their records: the batch the next commit writes. */
  pending = new RulesBatch();
  private looping = false;
  private drained: Promise<void> = Promise.resolve();
  private markDrained = (): void => undefined;
  private readonly snapshotRequests: ((error?: Error) => void)[] = [];
  private behind = false;
  private compactAfter = 0;
  private bytesPerRule = DEFAULT_RULE_BYTES;

  constructor(
    private readonly log: RulesLogFile,
    private readonly target: RulesCommitTarget,
    private readonly clock: Clock,
    private readonly retryMs: number,
  ) {}

  /** Whether memory holds changes the log lost (a failed commit of checkpoints). */
  get needsSnapshot(): boolean {
    return this.behind;
  }

  /** Commits the pending batch: now if no commit runs, else right after it. */
  commitSoon(): void {
    if (!this.looping) void this.loop();
  }

  /** Resolves once no commit runs and none waits. */
  idle(): Promise<void> {
    return this.drained;
  }

  /** Writes the rules in memory as the new log (after the running commit); rejects if it fails. */
  snapshot(): Promise<void> {
    const written = new Promise<void>((resolve, reject) =>
      this.snapshotRequests.push((error) => (error ? reject(error) : resolve())),
    );
    this.commitSoon();
    return written;
  }

  /**
   * Commits while records or snapshot requests wait, and stops in the same synchronous step as its
   * last check: a change made a microtask later must find the loop stopped, and start it again.
   */
  private async loop(): Promise<void> {
    this.looping = true;
    this.drained = new Promise((resolve) => (this.markDrained = resolve));
    try {
      while (this.pending.records > 0 || this.snapshotRequests.length > 0) {
        const batch = this.pending;
        this.pending = new RulesBatch();
        try {
          await this.commit(batch);
        } catch (error) {
          // Not expected (commit settles every outcome itself), but no batch may wait for ever.
          this.logger.error(`alert rules commit failed: ${describeFsError(error)}`);
          this.target.failed(batch, error as Error);
        }
      }
    } finally {
      this.looping = false;
      this.markDrained();
    }
  }

  private async commit(batch: RulesBatch): Promise<void> {
    const requests = this.snapshotRequests.splice(0);
    if (requests.length > 0 || this.compactionDue(batch)) {
      const error = await this.compact();
      for (const settle of requests) settle(error);
      if (!error) {
        this.target.committed(batch);
        return;
      }
    }
    if (batch.records === 0) return;
    try {
      await this.log.append(batch.bytes(), batch.records >= INLINE_RECORDS);
    } catch (error) {
      this.logger.error(
        `could not append ${batch.records} records to ${this.log.path}: ${describeFsError(error)}`,
      );
      if (batch.movesCheckpoints) this.behind = true;
      this.target.failed(batch, error as Error);
      return;
    }
    this.target.committed(batch);
  }

  private compactionDue(batch: RulesBatch): boolean {
    if (this.clock.now() < this.compactAfter) return false;
    if (this.behind) return true;
    const logBytes = this.log.size + batch.byteLength();
    const snapshotBytes = this.target.ruleCount() * this.bytesPerRule;
    return logBytes >= COMPACT_MIN_BYTES && logBytes >= COMPACT_GROWTH * snapshotBytes;
  }

  /** Writes the rules in memory as the new log; the error if that failed. */
  private async compact(): Promise<Error | undefined> {
    const rules = [...this.target.rules()];
    const bytes = encodeSnapshot(rules);
    const before = this.log.size;
    try {
      await this.log.replace(bytes);
    } catch (error) {
      // The snapshot is in place although the replacement failed: it may hold the rules of a
      // batch that now fails, so the next compaction must replace it.
      if (error instanceof SnapshotInPlaceError) this.behind = true;
      this.compactAfter = this.clock.now() + this.retryMs;
      this.logger.error(
        `could not compact ${this.log.path} (${describeFsError(error)}); appending to it ` +
          `meanwhile, next try in ${this.retryMs} ms`,
      );
      return error as Error;
    }
    this.behind = false;
    if (rules.length > 0) this.bytesPerRule = bytes.length / rules.length;
    this.logger.log(
      `compacted ${this.log.path}: ${rules.length} rules in ${bytes.length} bytes ` +
        `(was ${before})`,
    );
    return undefined;
  }
}
