import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import type { ConsumerMessages, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { decodeWalRecord, FileManager } from '@app/persistence';
import type { SeriesVisitor } from '@app/persistence';
import { BatchWriter } from './batch-writer';
import type { StreamMessage } from './batch-writer';
import { VALUES_STREAM, valuesSubject } from './cluster-resources';

/** A failed apply (storage error) is retried from the checkpoint after this pause. */
const RETRY_MS = 1000;
/** How long stop() waits for the reading loop to end (a storage write, a NATS call). */
const STOP_WAIT_MS = 10_000;

/**
 * The metric that records, in the same WAL record as a message's values, the stream sequence
 * of that message: the checkpoint is durable exactly when the values are, so a restart neither
 * skips nor applies twice. '#' is not allowed in a client's metric id, so no client can read or
 * write it.
 */
export const appliedMetric = (partition: number): string => `#applied.${partition}`;

/**
 * - idle: not consuming (not the owner, or stopped).
 * - consuming: reading the partition's subject from the checkpoint on, applying in order.
 * - stopped: stop() was called; never consumes again (a new owner term makes a new applier).
 */
type ApplierState = 'idle' | 'consuming' | 'stopped';

/**
 * Materialises one partition: reads its subject of the values stream from the last applied
 * sequence on and appends every value, with the stamp the receiving node gave it, to local
 * storage. The local data directory is a cache of the stream: deleted, it is rebuilt from here.
 * Just over 200 lines: the consumer, the checkpoint and the stop that waits for the last write are
 * one owner term's life.
 */
export class PartitionApplier {
  private readonly logger = new Logger('Cluster');
  private state: ApplierState = 'idle';
  private applied = 0;
  private messages: ConsumerMessages | undefined;
  private consumerName: string | undefined;
  private waiters: Array<{ seq: number; resolve: (ok: boolean) => void }> = [];
  /** The reading loop (run()); settles once it stopped and its last write is done. */
  private running: Promise<void> = Promise.resolve();

  constructor(
    readonly partition: number,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly files: FileManager,
  ) {}

  /** The stream sequence up to which this partition's values are in local storage. */
  get appliedSeq(): number {
    return this.applied;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'consuming';
    this.running = this.run();
  }

  /** Resolves true once every message up to `seq` is applied, false at the deadline or on stop. */
  waitApplied(seq: number, timeoutMs: number): Promise<boolean> {
    if (this.applied >= seq) return Promise.resolve(true);
    if (this.state === 'stopped') return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = { seq, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(this.applied >= seq);
      }, timeoutMs);
    });
  }

  /**
   * Stops reading and waits for the batch being written: a new owner term on this node reads the
   * checkpoint next, and a write landing after that read would apply its messages twice (seen:
   * a lease lost and taken back during a NATS outage stored three values twice).
   */
  async stop(): Promise<void> {
    this.state = 'stopped';
    for (const waiter of this.waiters.splice(0)) waiter.resolve(false);
    await this.closeConsumer();
    const gaveUp = await Promise.race([
      this.running.then(() => false),
      sleep(STOP_WAIT_MS, true, { ref: false }), // unref'd: never holds the process up
    ]);
    if (gaveUp) {
      this.logger.warn(`partition ${this.partition}: applier still busy after ${STOP_WAIT_MS} ms`);
    }
  }

  private async run(): Promise<void> {
    while (this.state === 'consuming') {
      try {
        this.applied = Math.max(this.applied, await this.checkpoint());
        await this.consume();
      } catch (error) {
        if (this.state !== 'consuming') return;
        this.logger.error(
          `partition ${this.partition}: applying from sequence ${this.applied + 1} failed, ` +
            `retrying in ${RETRY_MS} ms: ${(error as Error).message}`,
        );
        await this.closeConsumer();
        await sleep(RETRY_MS);
      }
    }
  }

  /** The last sequence whose values are durable here (0: nothing applied yet). */
  private async checkpoint(): Promise<number> {
    let last = 0;
    const visitor: SeriesVisitor = {
      acceptsSummary: () => true,
      addSummary: (_from, _to, _count, _min, max) => (last = Math.max(last, max)),
      addValues: (_stamps, values, start, end) => {
        for (let i = start; i < end; i++) last = Math.max(last, values[i]);
      },
    };
    await this.files.scan(appliedMetric(this.partition), -Infinity, Infinity, visitor);
    return last;
  }

  private async consume(): Promise<void> {
    const info = await this.jsm.consumers.add(VALUES_STREAM, {
      filter_subject: valuesSubject(this.partition),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.applied + 1,
      ack_policy: AckPolicy.None,
      inactive_threshold: 30e9,
      mem_storage: true,
      num_replicas: 1,
    });
    this.consumerName = info.name;
    this.logger.log(
      `partition ${this.partition}: applying from sequence ${this.applied + 1} ` +
        `(${info.num_pending} messages to catch up)`,
    );
    const consumer = await this.js.consumers.get(VALUES_STREAM, info.name);
    this.messages = await consumer.consume({ max_messages: 1024 });
    // A failed write ends the reading at once (the loop below would otherwise wait for the
    // next message to notice); run() then logs it and starts again from the checkpoint.
    const writer = new BatchWriter(
      (batch) => this.applyAll(batch),
      () => this.messages?.stop(),
    );
    for await (const message of this.messages) {
      if (this.state !== 'consuming') break;
      await writer.add({ seq: message.seq, data: message.data });
    }
    await writer.finish();
  }

  /**
   * Appends the values of consecutive messages, and the last one's sequence, in one storage
   * append: one WAL record, durable all together or not at all, so the checkpoint never passes
   * a message whose values are missing.
   */
  private async applyAll(batch: readonly StreamMessage[]): Promise<void> {
    const decoded = batch.map(({ seq, data }) => {
      const record = decodeWalRecord(Buffer.from(data.buffer, data.byteOffset, data.byteLength), 0);
      if (!record) throw new Error(`message ${seq} is not a value batch (checksum or format)`);
      return record.batch;
    });
    const total = decoded.reduce((sum, part) => sum + part.idIndex.length, 0);
    const ids = new Array<string>(total + 1);
    const stamps = new Float64Array(total + 1);
    const values = new Float64Array(total + 1);
    let at = 0;
    for (const part of decoded) {
      const count = part.idIndex.length;
      for (let i = 0; i < count; i++) ids[at + i] = part.ids[part.idIndex[i]];
      stamps.set(part.stamps, at);
      values.set(part.values, at);
      at += count;
    }
    const lastSeq = batch[batch.length - 1].seq;
    ids[total] = appliedMetric(this.partition);
    stamps[total] = total > 0 ? stamps[total - 1] : 0;
    values[total] = lastSeq;
    await this.files.appendStamped(ids, stamps, values, total + 1);
    this.applied = Math.max(this.applied, lastSeq);
    this.notify();
  }

  private notify(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.seq <= this.applied);
    this.waiters = this.waiters.filter((w) => w.seq > this.applied);
    for (const waiter of ready) waiter.resolve(true);
  }

  private async closeConsumer(): Promise<void> {
    this.messages?.stop();
    this.messages = undefined;
    const name = this.consumerName;
    this.consumerName = undefined;
    if (name) await this.jsm.consumers.delete(VALUES_STREAM, name).catch(() => undefined);
  }
}
