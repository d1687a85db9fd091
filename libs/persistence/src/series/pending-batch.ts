import { WalBatchSource } from '../wal/wal-format';
import { Series } from './series';

let nextTag = 0;

/**
 * Values accepted since the last group commit, waiting to be written together. Every appender
 * of a batch shares one promise, settled when the batch is durable (or failed).
 */
export class PendingBatch {
  count = 0;
  /** The smallest stamp in the batch (stamps of different metrics may differ). */
  minStamp = Infinity;
  series: Series[] = [];
  // Small at first, doubled as needed: with one LOG per commit (one connection per LOG), two
  // 8 KB arrays per commit were most of the garbage that kept triggering full collections.
  stamps = new Float64Array(16);
  values = new Float64Array(16);
  private promise: Promise<void> | undefined;
  private settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;

  push(series: Series, stamp: number, value: number): void {
    if (this.count === this.stamps.length) this.grow();
    this.series.push(series);
    if (stamp < this.minStamp) this.minStamp = stamp;
    this.stamps[this.count] = stamp;
    this.values[this.count] = value;
    this.count++;
  }

  done(): Promise<void> {
    this.promise ??= new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    return this.promise;
  }

  resolve(): void {
    this.settle?.resolve();
  }

  reject(error: unknown): void {
    this.settle?.reject(error);
  }

  /** The batch in WAL form: ids listed once each, values pointing at them. */
  toWal(): WalBatchSource {
    const tag = nextTag++;
    const ids: string[] = [];
    const idIndex = new Uint32Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const s = this.series[i];
      if (s.batchTag !== tag) {
        s.batchTag = tag;
        s.batchIndex = ids.length;
        ids.push(s.id);
      }
      idIndex[i] = s.batchIndex;
    }
    return { count: this.count, ids, idIndex, stamps: this.stamps, values: this.values };
  }

  private grow(): void {
    const stamps = new Float64Array(this.stamps.length * 2);
    const values = new Float64Array(this.values.length * 2);
    stamps.set(this.stamps);
    values.set(this.values);
    this.stamps = stamps;
    this.values = values;
  }
}
