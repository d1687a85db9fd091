import { CHUNK_VALUES, ChunkTable } from './chunk-table';
import { RunningSummary } from './running-summary';

/**
 * The recent values of one metric that are durable in the write-ahead log but not yet in a block.
 *
 * Arrays only grow by appending; growing allocates new arrays, so a query that captured the old
 * ones (with their length) keeps reading a consistent snapshot while ingestion goes on.
 * Closed chunks are summarised in `chunks` (location = index of the chunk's first value).
 */
export class HeadSeries {
  length = 0;
  stamps: Float64Array;
  values: Float64Array;
  readonly chunks = new ChunkTable(1);
  readonly open = new RunningSummary();
  /** Index of the first value of the open (not yet summarised) chunk. */
  openStart = 0;

  constructor(capacity = 8) {
    this.stamps = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  append(stamp: number, value: number): void {
    // A chunk closes at CHUNK_VALUES values, or before its stamps would span more than a u32 of
    // milliseconds (block files store stamps as u32 offsets from the chunk's first stamp).
    if (this.open.count > 0 && stamp - this.open.minStamp > MAX_CHUNK_SPAN_MS) this.closeChunk();
    if (this.length === this.stamps.length) this.grow();
    const i = this.length;
    this.stamps[i] = stamp;
    this.values[i] = value;
    this.length = i + 1;
    this.open.add(stamp, value);
    if (this.open.count === CHUNK_VALUES) this.closeChunk();
  }

  lastStamp(): number {
    return this.length === 0 ? -Infinity : this.stamps[this.length - 1];
  }

  closeChunk(): void {
    if (this.open.count === 0) return;
    this.chunks.push(this.open, this.openStart);
    this.openStart = this.length;
    this.open.reset();
  }

  private grow(): void {
    const capacity = this.stamps.length * 2;
    const stamps = new Float64Array(capacity);
    const values = new Float64Array(capacity);
    stamps.set(this.stamps);
    values.set(this.values);
    this.stamps = stamps;
    this.values = values;
  }
}

/** The largest span of stamps in one chunk: a block stores them as u32 millisecond offsets. */
export const MAX_CHUNK_SPAN_MS = 0xffffffff;
