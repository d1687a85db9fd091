import { Logger } from '@nestjs/common';
import { FlushEntry } from '../block/block-run';
import type { BlockSequence } from '../block/block-sequence';
import { WrittenBlock, writeBlock } from '../block/block-writer';
import type { Clock } from '../clock';
import { describeFsError } from '../io/fs-error';
import type { StorageFs } from '../io/storage-fs';
import { SeriesStore } from '../series/series-store';
import { WriteAheadLog } from '../wal/write-ahead-log';

/**
 * How far a frozen set has got. Each step is done once: a retry goes on from the step that
 * failed, so a block is never written or installed twice (a failed WAL trim once made the retry
 * install the same block again: COUNT answered 20 for 10 values).
 */
type FlushStep = 'write' | 'install' | 'trim';

/** Frozen heads on their way into a block, and the WAL segments (up to walCoveredUpTo) they came from. */
interface FrozenSet {
  readonly seq: number;
  readonly entries: FlushEntry[];
  readonly walCoveredUpTo: number;
  step: FlushStep;
  block?: WrittenBlock;
}

export interface BlockFlusherOptions {
  blockDir: string;
  flushValues: number;
  retryMs: number;
  /** Block numbers, shared with compaction. */
  blockSeq: BlockSequence;
  /** Called after each block is installed (compaction looks at the blocks again). */
  onInstalled?: () => void;
}

/**
 * Moves the heads into blocks: when they hold `flushValues` values it rotates the WAL and freezes
 * the heads (together, between two commits), then writes the block, installs it and trims the WAL
 * segments it covers, in the background, retrying every `retryMs` until it succeeds.
 *
 * There is at most one frozen set, and it is replaced only once installed and trimmed: a WAL
 * segment is deleted only when every value in it is in an installed block, and no flush freezes
 * heads over a set still waiting for its block (which once lost 10 of 13 acknowledged values).
 * Nothing here throws to the committer: failures are logged and retried; the data stays in the WAL.
 */
export class BlockFlusher {
  private readonly logger = new Logger('FileManager');
  private frozen: FrozenSet | undefined;
  /** The background write-install-trim of `frozen`; never rejects. */
  private running: Promise<void> = Promise.resolve();
  /** No rotation before this time (ms, injected clock) after a failed one. */
  private rotateAfter = -Infinity;
  private closing = false;
  private wakeRetry: () => void = () => undefined;

  constructor(
    private readonly store: SeriesStore,
    private readonly wal: WriteAheadLog,
    private readonly fs: StorageFs,
    private readonly clock: Clock,
    private readonly options: BlockFlusherOptions,
  ) {}

  /** Between commits: starts a flush if the heads are full and none is under way. Never throws. */
  async maybeFlush(): Promise<void> {
    if (this.frozen || this.closing || this.store.headValues < this.options.flushValues) return;
    if (this.clock.now() < this.rotateAfter) return;
    await this.freeze();
  }

  /** Between commits: flushes whatever the heads hold, unless a flush is under way. Never throws. */
  async flushNow(): Promise<void> {
    if (this.frozen || this.closing || this.store.headValues === 0) return;
    if (this.clock.now() < this.rotateAfter) return;
    await this.freeze();
  }

  /**
   * Shutdown, after the last commit: the set waiting for a retry is tried once more, then the
   * heads are flushed, unless a set is still waiting (then the WAL keeps both for the next start).
   */
  async close(): Promise<void> {
    this.closing = true;
    this.wakeRetry();
    await this.running;
    if (this.frozen) {
      const { seq, step } = this.frozen;
      this.logger.error(
        step === 'trim'
          ? `block ${seq} is in place but the WAL is not trimmed; the next start trims it`
          : `block ${seq} is still not written; the WAL keeps its values for the next start`,
      );
      return;
    }
    if (this.store.headValues === 0) return;
    if (!(await this.freeze())) return;
    await this.running;
    if (this.frozen) this.logger.error('final flush failed, the WAL keeps the data');
  }

  /** Rotates the WAL, then freezes the heads; false (logged) if the rotation failed. */
  private async freeze(): Promise<boolean> {
    let walCoveredUpTo: number;
    try {
      walCoveredUpTo = await this.wal.startSegment();
    } catch (error) {
      this.rotateAfter = this.clock.now() + this.options.retryMs;
      this.logger.error(
        `could not start a new WAL segment, flush postponed (values go on in the current one): ${describeFsError(error)}`,
      );
      return false;
    }
    const set: FrozenSet = {
      seq: this.options.blockSeq.next(),
      entries: this.store.freeze(),
      walCoveredUpTo,
      step: 'write',
    };
    this.frozen = set;
    this.running = this.drive(set);
    return true;
  }

  /** Tries until the set is in place, waiting `retryMs` between tries; once only when closing. */
  private async drive(set: FrozenSet): Promise<void> {
    while (!(await this.attempt(set))) {
      if (this.closing) return;
      await this.pause();
    }
    this.frozen = undefined;
    this.options.onInstalled?.();
  }

  /** One try from the step the set has reached; true once it is installed and the WAL trimmed. */
  private async attempt(set: FrozenSet): Promise<boolean> {
    try {
      if (set.step === 'write') {
        set.block = await writeBlock(
          this.options.blockDir,
          set.seq,
          set.entries,
          set.walCoveredUpTo,
          this.fs,
        );
        set.step = 'install';
      }
      const block = set.block as WrittenBlock; // written in the step before
      if (set.step === 'install') {
        const handle = await this.fs.open(block.path, 'read');
        this.store.installBlock(handle, block.table, block.runs, block.layout, {
          seq: set.seq,
          order: set.seq,
          path: block.path,
          bytes: block.bytes,
        });
        set.step = 'trim';
        this.logger.log(
          `flushed ${block.values} values of ${set.entries.length} metrics to ${block.path}`,
        );
      }
      await this.wal.removeUpTo(set.walCoveredUpTo);
      return true;
    } catch (error) {
      const what =
        set.step === 'trim'
          ? `trim the WAL up to segment ${set.walCoveredUpTo} (block ${set.seq} is in place)`
          : `${set.step} block ${set.seq} (data is safe in the WAL)`;
      this.logger.error(`could not ${what}, retrying: ${describeFsError(error)}`);
      return false;
    }
  }

  /** Waits `retryMs`, or less if shutdown asks for a last try now. */
  private pause(): Promise<void> {
    return new Promise<void>((wake) => {
      const timer = setTimeout(wake, this.options.retryMs);
      this.wakeRetry = () => {
        clearTimeout(timer);
        wake();
      };
    });
  }
}
