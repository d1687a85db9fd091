import { Logger } from '@nestjs/common';
import type { JetStreamClient } from '@nats-io/jetstream';
import { encodeWalRecord } from '@app/persistence';
import type { Clock } from '@app/persistence';
import { partitionOf } from './partition-of';
import { valuesSubject } from './cluster-resources';

/** How long a LOG waits for JetStream's acknowledgement, retries included, before its 500. */
const PUBLISH_DEADLINE_MS = 5000;
const RETRY_PAUSE_MS = 100;

/**
 * The LOG path of cluster mode: the values of one event-loop turn, stamped here, go out as one
 * message per partition (the WAL record format: ids once, stamps, values, a checksum). A value
 * is acknowledged only once JetStream acknowledged its message, that is once a quorum of the
 * stream's replicas stored it. A failed publish is retried with the same message id until the
 * deadline: JetStream stores a message id once, so a retry after a lost acknowledgement does not
 * store the values twice.
 */
export class ValuePublisher {
  private readonly logger = new Logger('Cluster');
  private sequence = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly partitions: number,
    private readonly clock: Clock,
    /** Unique per process start: message ids never repeat across restarts. */
    private readonly publisherId: string,
  ) {}

  /** Publishes the values; resolves with, for each value, whether it is stored. */
  async publish(ids: readonly string[], values: readonly number[]): Promise<boolean[]> {
    const stamp = this.clock.now();
    const byPartition = new Map<number, number[]>();
    for (let i = 0; i < ids.length; i++) {
      const partition = partitionOf(ids[i], this.partitions);
      let indexes = byPartition.get(partition);
      if (!indexes) byPartition.set(partition, (indexes = []));
      indexes.push(i);
    }
    const stored = new Array<boolean>(ids.length).fill(false);
    await Promise.all(
      [...byPartition].map(async ([partition, indexes]) => {
        const ok = await this.publishOne(partition, encodeBatch(ids, values, indexes, stamp));
        if (ok) for (const i of indexes) stored[i] = true;
      }),
    );
    return stored;
  }

  private async publishOne(partition: number, payload: Uint8Array): Promise<boolean> {
    const msgID = `${this.publisherId}-${this.sequence++}`;
    const deadline = this.clock.now() + PUBLISH_DEADLINE_MS;
    let lastError: unknown;
    while (this.clock.now() < deadline) {
      try {
        const timeout = Math.max(deadline - this.clock.now(), 1);
        await this.js.publish(valuesSubject(partition), payload, { msgID, timeout });
        return true;
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
    }
    this.logger.error(
      `publish to ${valuesSubject(partition)} not acknowledged within ${PUBLISH_DEADLINE_MS} ms: ` +
        `${(lastError as Error)?.message ?? 'no answer'}`,
    );
    return false;
  }
}

/** The values at `indexes`, all stamped `stamp`, as one WAL-format record. */
function encodeBatch(
  ids: readonly string[],
  values: readonly number[],
  indexes: readonly number[],
  stamp: number,
): Uint8Array {
  const table: string[] = [];
  const position = new Map<string, number>();
  const count = indexes.length;
  const idIndex = new Uint32Array(count);
  const stamps = new Float64Array(count).fill(stamp);
  const batchValues = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const id = ids[indexes[k]];
    let at = position.get(id);
    if (at === undefined) {
      at = table.length;
      position.set(id, at);
      table.push(id);
    }
    idIndex[k] = at;
    batchValues[k] = values[indexes[k]];
  }
  return encodeWalRecord({ count, ids: table, idIndex, stamps, values: batchValues });
}
