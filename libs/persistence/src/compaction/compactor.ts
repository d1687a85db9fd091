import { Logger } from '@nestjs/common';
import { dirname } from 'node:path';
import { openBlock } from '../block/block-reader';
import type { BlockSequence } from '../block/block-sequence';
import type { Clock } from '../clock';
import { fsyncDirectory } from '../fs-util';
import { describeFsError } from '../io/fs-error';
import type { StorageFs } from '../io/storage-fs';
import type { RetentionPolicy } from '../retention/retention-policy';
import type { AddedBlock, SeriesStore } from '../series/series-store';
import { planCompaction } from './compaction-plan';
import type { CompactionJob } from './compaction-plan';
import type { CompactionOutput } from './compaction-job';
import type { CompactionRunner } from './compaction-runner';

export interface CompactorOptions {
  blockDir: string;
  retention: RetentionPolicy;
  spans: readonly number[];
  intervalMs: number;
  retryMs: number;
  blockSeq: BlockSequence;
  /** Deleted metrics and the stamps up to which their values go (DeletionMarks). */
  deletions?: () => ReadonlyMap<string, number>;
  /** Called on every timer tick, before looking for work (FileManager: flush old heads). */
  onTick?: () => void;
}

/**
 * - idle: waiting for a flush, the timer or a retry.
 * - running: planning and running jobs until none is left.
 * - closed: shut down; the job under way (if any) was stopped and nothing starts again.
 */
type CompactorState = 'idle' | 'running' | 'closed';

/**
 * Keeps the blocks compact and within retention: after every flush, at start-up and every
 * `intervalMs`, it asks the planner for the next job, has the runner (a worker thread) write the
 * new blocks, swaps them in (SeriesStore.swapBlocks) and removes the old files. A failure is
 * logged and tried again after `retryMs`; the old blocks stay in place meanwhile. Just over 200
 * lines: the loop, its timer and retry, and the close that waits for the job under way share
 * one state.
 */
export class Compactor {
  private readonly logger = new Logger('Compaction');
  private state: CompactorState = 'idle';
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> = Promise.resolve();
  private again = false;
  private retryAfter = -Infinity;
  jobsDone = 0;

  constructor(
    private readonly store: SeriesStore,
    private readonly runner: CompactionRunner,
    private readonly fs: StorageFs,
    private readonly clock: Clock,
    private readonly options: CompactorOptions,
  ) {}

  start(): void {
    this.logger.log(
      `compaction runs ${this.runner.where}, every ${this.options.intervalMs / 1000} s`,
    );
    this.timer = setInterval(() => {
      this.options.onTick?.();
      this.wake();
    }, this.options.intervalMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for work now (after a flush, on the timer); a no-op while closed. */
  wake(): void {
    if (this.state === 'closed') return;
    if (this.state === 'running') {
      this.again = true;
      return;
    }
    this.state = 'running';
    this.loop = this.runJobs();
  }

  /** Resolves once every job the planner has now is done (tests and the benchmark wait on it). */
  async settled(): Promise<void> {
    while (this.state === 'running') await this.loop;
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasRunning = this.state === 'running';
    this.state = 'closed';
    clearInterval(this.timer);
    await this.runner.close(); // stops the job under way: recovery undoes its outputs
    await this.loop;
    this.logger.log(
      `stopped compaction after ${this.jobsDone} jobs${wasRunning ? ' (a job was stopped)' : ''}`,
    );
  }

  private async runJobs(): Promise<void> {
    try {
      do {
        this.again = false;
        while (this.state === 'running' && this.clock.now() >= this.retryAfter) {
          const job = planCompaction(
            this.store.installedBlocks().map(({ block }) => block.info),
            {
              now: this.clock.now(),
              retention: this.options.retention,
              spans: this.options.spans,
              otherBytes: 0,
              holdingDeleted: this.blocksHoldingDeleted(),
            },
          );
          if (!job) break;
          if (!(await this.execute(job))) {
            this.retryAfter = this.clock.now() + this.options.retryMs;
            break;
          }
        }
      } while (this.again && this.state === 'running');
    } finally {
      if (this.state === 'running') this.state = 'idle';
    }
  }

  /** The block numbers (seq) whose runs hold values of deleted metrics at or before their mark. */
  private blocksHoldingDeleted(): Set<number> {
    const found = new Set<number>();
    const marks = this.options.deletions?.();
    if (!marks || marks.size === 0) return found;
    const seqOfSlot = new Map(this.store.installedBlocks().map((b) => [b.slot, b.block.seq]));
    for (const [id, upTo] of marks) {
      const runs = this.store.get(id)?.blockRuns ?? [];
      for (let r = 0; r < runs.length; r += 4) {
        const seq = seqOfSlot.get(runs[r]);
        if (seq !== undefined && this.store.blockTables[runs[r]].minStamp[runs[r + 1]] <= upTo)
          found.add(seq);
      }
    }
    return found;
  }

  /** One job; false (logged) if it failed. */
  private async execute(job: CompactionJob): Promise<boolean> {
    const started = this.clock.now();
    const installed = new Map(this.store.installedBlocks().map((b) => [b.block.seq, b]));
    const inputs = job.inputs.map((seq) => installed.get(seq));
    if (inputs.some((b) => b === undefined)) return true; // swapped meanwhile: plan again
    const slots = inputs.map((b) => b!.slot);
    const paths = inputs.map((b) => b!.block.path);
    try {
      if (job.kind === 'delete') {
        this.store.swapBlocks(slots, []);
        await this.removeFiles(paths);
        this.jobsDone++;
        this.logger.log(`removed ${paths.join(', ')} (${job.reason})`);
        return true;
      }
      const result = await this.runner.run({
        blockDir: this.options.blockDir,
        inputs: inputs.map((b) => ({
          seq: b!.block.seq,
          path: b!.block.path,
          order: b!.block.info.order,
        })),
        windows: job.windows,
        firstSeq: this.options.blockSeq.reserve(job.windows.length),
        cutoff: this.options.retention.cutoff(this.clock.now()),
        forgetBefore: this.options.retention.forgetBefore(this.clock.now()),
        deleted: Object.fromEntries(this.options.deletions?.() ?? []),
      });
      if (this.state === 'closed') return true; // finished as shutdown began: recovery finishes it
      await this.swapIn(slots, result.outputs);
      await this.removeFiles(paths);
      this.jobsDone++;
      this.logger.log(
        `${job.reason}: ${inputs.length} blocks (${result.valuesIn} values) -> ` +
          `${result.outputs.length} blocks (${result.valuesOut} values, ` +
          `${result.outputs.reduce((sum, o) => sum + o.bytes, 0)} bytes) in ${this.clock.now() - started} ms`,
      );
      return true;
    } catch (error) {
      if (this.state === 'closed') return true;
      this.logger.error(
        `compaction (${job.reason}) of ${paths.join(', ')} failed, tried again in ` +
          `${this.options.retryMs / 1000} s: ${describeFsError(error)}`,
      );
      return false;
    }
  }

  /**
   * Opens the new blocks and swaps them in. If that fails, they are removed again: left on disk
   * next to their inputs, the next start would finish this swap, and the retry's group too.
   */
  private async swapIn(slots: number[], outputs: readonly CompactionOutput[]): Promise<void> {
    const added: AddedBlock[] = [];
    try {
      for (const output of outputs) {
        const block = await openBlock(output.path, this.fs);
        const order = block.group?.order ?? output.seq;
        added.push({
          ...block,
          file: { seq: output.seq, order, path: output.path, bytes: block.bytes },
        });
      }
    } catch (error) {
      await Promise.allSettled(added.map((b) => b.handle.close()));
      for (const { path } of outputs) await this.fs.unlink(path).catch(() => undefined);
      throw error;
    }
    this.store.swapBlocks(slots, added);
  }

  /** The swapped-out files: removed (their data is in the new blocks) and closed once unread. */
  private async removeFiles(paths: readonly string[]): Promise<void> {
    for (const path of paths) await this.fs.unlink(path);
    await fsyncDirectory(dirname(paths[0]), this.fs);
    await this.store.closeRetired();
  }
}
