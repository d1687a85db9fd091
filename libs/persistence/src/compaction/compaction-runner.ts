import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { StorageFs } from '../io/storage-fs';
import { runCompaction } from './compaction-job';
import type { CompactionResult, CompactionTask } from './compaction-job';

/** Where compaction jobs run. */
export interface CompactionRunner {
  /** Words for the start-up log line. */
  readonly where: string;
  run(task: CompactionTask): Promise<CompactionResult>;
  /** Stops the job under way, if any (its outputs are left for recovery to undo), and the thread. */
  close(): Promise<void>;
}

/**
 * On the event loop, through the injected StorageFs: for the unit tests, which inject faults and
 * read the TypeScript sources (there is no built worker script there).
 */
export class InlineCompactionRunner implements CompactionRunner {
  readonly where = 'on the event loop (no worker script given)';

  constructor(private readonly fs: StorageFs) {}

  run(task: CompactionTask): Promise<CompactionResult> {
    return runCompaction(task, this.fs);
  }

  async close(): Promise<void> {}
}

/** The worker thread's space for new objects (V8's young generation), in MB. */
const WORKER_YOUNG_GENERATION_MB = 8;
/** How long the worker thread may stay idle before it is ended (ms). */
export const WORKER_IDLE_MS = 30_000;

/**
 * A worker thread (node:worker_threads) running one job at a time, so that decoding and encoding
 * whole blocks never holds up ingest or queries. Not a pool such as Piscina: there is only ever
 * one job, the thread must be terminable at shutdown, and the worker is a bundled script
 * (compaction-worker.ts) that speaks plain messages.
 *
 * The thread ends once it has been idle for `idleMs`, and the next job starts a new one (~50 ms):
 * a thread's heap keeps the size its largest job gave it (merging blocks of 100,000 metrics:
 * ~100 MB), and a job comes every few minutes at most.
 */
export class WorkerCompactionRunner implements CompactionRunner {
  readonly where: string;
  private worker: Worker | undefined;
  private pending:
    { resolve: (r: CompactionResult) => void; reject: (e: Error) => void } | undefined;

  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly script: string,
    private readonly idleMs = WORKER_IDLE_MS,
  ) {
    if (!existsSync(script)) throw new Error(`compaction worker script ${script} is missing`);
    this.where = `in a worker thread (${script})`;
  }

  /** Whether a worker thread is running (for tests). */
  get threadRunning(): boolean {
    return this.worker !== undefined;
  }

  run(task: CompactionTask): Promise<CompactionResult> {
    if (this.pending) return Promise.reject(new Error('a compaction job is already running'));
    clearTimeout(this.idleTimer);
    const worker = this.start();
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      worker.postMessage(task);
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    this.settle(new Error('compaction stopped for shutdown'));
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // A small young generation: a job's garbage is short-lived chunk arrays, and V8's default
    // (up to 48 MB here) sat beside the server's heap at its highest (merging 100,000-metric
    // blocks: the thread's heap and buffers at most 132-161 MB with the default, 115-122 with
    // this; the jobs took as long within the noise).
    const worker = new Worker(this.script, {
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    worker.unref(); // an idle compaction thread never keeps the process alive
    worker.on('message', (reply: { result?: CompactionResult; error?: string }) => {
      if (reply.error !== undefined) this.settle(new Error(reply.error));
      else this.settle(undefined, reply.result);
    });
    worker.on('error', (error) => this.settle(error));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return; // ended on purpose: idle, or at shutdown
      this.worker = undefined;
      this.settle(new Error(`compaction worker exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  /** Ends the idle thread: its memory goes back to the system. */
  private endIdleThread(): void {
    const worker = this.worker;
    if (this.pending || !worker) return;
    this.worker = undefined;
    void worker.terminate();
  }

  private settle(error: Error | undefined, result?: CompactionResult): void {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.endIdleThread(), this.idleMs).unref();
    if (error) pending.reject(error);
    else pending.resolve(result as CompactionResult);
  }
}
