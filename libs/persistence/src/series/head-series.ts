import { CHUNK_VALUES, ChunkTable } from './chunk-table';
import { ChunkSegments } from './chunk-segments';
import { RunningSummary } from './running-summary';

/**
 * The recent values of one metric that are durable in the write-ahead log but not yet in a block.
 *
 * Arrays only grow by appending, and `length` is published after both are written, so a query
 * that captured `length` keeps reading a consistent snapshot while ingestion goes on. They are
 * plain arrays of doubles rather than typed arrays: a server with 100,000 metrics holds 100,000
 * small heads (twice, during a flush), and each typed array costs ~300 bytes of ArrayBuffer and
 * backing-store bookkeeping before its first value (measured: 60 MB of 158 MB live).
 * Closed chunks are summarised in `chunks` (location = index of the chunk's first value).
 */
/** The chunk table of every head that has not closed a chunk yet: never written to. */
const NO_CHUNKS = new ChunkTable(0);

export class HeadSeries {
  length = 0;
  readonly stamps: number[] = [];
  readonly values: number[] = [];
  /** Shared and empty until the first chunk closes (most heads of a many-metric server never do). */
  chunks: ChunkTable = NO_CHUNKS;
  readonly open = new RunningSummary();
  /** Index of the first value of the open (not yet summarised) chunk. */
  openStart = 0;
  /**
   * Segment summaries of closed chunks (by chunk row), built the first time a query window cuts
   * through the chunk: a closed chunk's values never change. Absent on heads never queried so.
   */
  private segments: ChunkSegments[] | undefined;

  append(stamp: number, value: number): void {
    // A chunk closes at CHUNK_VALUES values, or before its stamps would span more than a u32 of
    // milliseconds (block files store stamps as u32 offsets from the chunk's first stamp).
    if (this.open.count > 0 && stamp - this.open.minStamp > MAX_CHUNK_SPAN_MS) this.closeChunk();
    this.stamps.push(stamp);
    this.values.push(value);
    this.length++;
    this.open.add(stamp, value);
    if (this.open.count === CHUNK_VALUES) this.closeChunk();
  }

  /** The segment summaries of closed chunk `row` (chunk-segments.ts), built on first use. */
  segmentsOf(row: number): ChunkSegments {
    this.segments ??= [];
    let segments = this.segments[row];
    if (!segments) {
      const first = this.chunks.location[row];
      const end = first + this.chunks.count[row];
      segments = new ChunkSegments(this.stamps, this.values, first, end);
      this.segments[row] = segments;
    }
    return segments;
  }

  lastStamp(): number {
    return this.length === 0 ? -Infinity : this.stamps[this.length - 1];
  }

  closeChunk(): void {
    if (this.open.count === 0) return;
    if (this.chunks === NO_CHUNKS) this.chunks = new ChunkTable(1);
    this.chunks.push(this.open, this.openStart);
    this.openStart = this.length;
    this.open.reset();
  }
}

/** The largest span of stamps in one chunk: a block stores them as u32 millisecond offsets. */
export const MAX_CHUNK_SPAN_MS = 0xffffffff;
