import { CHUNK_VALUES, type ChunkSummary, ChunkTable } from './chunk-table';
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
 * Closed chunks are summarised in `chunks` (location = index of the chunk's first value). The
 * open chunk keeps no running summary: it is summarised from its values when it closes, the same
 * additions in the same order, so the sums are identical; a running summary object with its six
 * boxed doubles cost ~230 bytes per head, a third of a small head (100,000 metrics: 23 MB, twice
 * during a flush).
 */
/** The chunk table of every head that has not closed a chunk yet: never written to. */
const NO_CHUNKS = new ChunkTable(0);

/** Scratch for summarising a closing chunk (synchronous, so one serves every head). */
const closing = new RunningSummary();

export class HeadSeries {
  length = 0;
  readonly stamps: number[] = [];
  readonly values: number[] = [];
  /** Shared and empty until the first chunk closes (most heads of a many-metric server never do). */
  chunks: ChunkTable = NO_CHUNKS;
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
    const openStart = this.openStart;
    if (this.length > openStart && stamp - this.stamps[openStart] > MAX_CHUNK_SPAN_MS) {
      this.closeChunk();
    }
    this.stamps.push(stamp);
    this.values.push(value);
    this.length++;
    if (this.openCount === CHUNK_VALUES) this.closeChunk();
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

  /** Values in the open chunk (after the last closed one). */
  get openCount(): number {
    return this.length - this.openStart;
  }

  /** The open chunk's summary, from its values; a scratch object, valid until the next call. */
  summariseOpen(): ChunkSummary {
    closing.reset();
    for (let i = this.openStart; i < this.length; i++) closing.add(this.stamps[i], this.values[i]);
    return closing;
  }

  lastStamp(): number {
    return this.length === 0 ? -Infinity : this.stamps[this.length - 1];
  }

  closeChunk(): void {
    if (this.openCount === 0) return;
    if (this.chunks === NO_CHUNKS) this.chunks = new ChunkTable(1);
    this.chunks.push(this.summariseOpen(), this.openStart);
    this.openStart = this.length;
  }
}

/** The largest span of stamps in one chunk: a block stores them as u32 millisecond offsets. */
export const MAX_CHUNK_SPAN_MS = 0xffffffff;
