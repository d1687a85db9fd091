/**
 * Summaries of a series' chunks, as growable columns (one typed array per field) so that millions
 * of chunks cost a few bytes each and a query can skim them without touching the raw values.
 *
 * A chunk is a run of at most CHUNK_VALUES consecutive values of one metric. Its summary holds
 * the first and last stamp, the count, min, max and the double-double sum (hi + lo) of its values.
 * `location` says where the raw values are: a byte offset in a block file, or an index in a head.
 */
export const CHUNK_VALUES = 1024;

export interface ChunkSummary {
  minStamp: number;
  maxStamp: number;
  count: number;
  min: number;
  max: number;
  sumHi: number;
  sumLo: number;
}

const EMPTY_F64 = new Float64Array(0);
const EMPTY_U32 = new Uint32Array(0);

export class ChunkTable {
  length = 0;
  minStamp: Float64Array;
  maxStamp: Float64Array;
  count: Uint32Array;
  min: Float64Array;
  max: Float64Array;
  sumHi: Float64Array;
  sumLo: Float64Array;
  /** Block tables: byte offset of the chunk in its block file. Head tables: index of its first value. */
  location: Float64Array;
  /** Block tables: crc32 of the chunk's bytes, checked whenever they are read. */
  crc: Uint32Array;

  /**
   * Nothing is allocated until the first row: most heads of a server with 100,000 metrics never
   * close a chunk, and each typed array costs ~300 bytes even when nearly empty.
   */
  constructor(private readonly initialCapacity = 4) {
    this.minStamp = this.maxStamp = this.min = this.max = this.sumHi = this.sumLo = EMPTY_F64;
    this.location = EMPTY_F64;
    this.count = this.crc = EMPTY_U32;
  }

  push(summary: ChunkSummary, location: number, crc = 0): void {
    if (this.length === this.count.length) this.grow();
    const i = this.length;
    this.minStamp[i] = summary.minStamp;
    this.maxStamp[i] = summary.maxStamp;
    this.count[i] = summary.count;
    this.min[i] = summary.min;
    this.max[i] = summary.max;
    this.sumHi[i] = summary.sumHi;
    this.sumLo[i] = summary.sumLo;
    this.location[i] = location;
    this.crc[i] = crc;
    // Published last: a reader that captured `length` never sees a half-filled row.
    this.length = i + 1;
  }

  /** Index in [start, end) of the first chunk whose last stamp is >= stamp, else end (binary search: chunks are in time order). */
  firstEndingAtOrAfter(stamp: number, end = this.length, start = 0): number {
    let lo = start;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.maxStamp[mid] < stamp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private grow(): void {
    const old = { ...this };
    this.allocate(Math.max(1, this.initialCapacity, this.count.length * 2));
    this.minStamp.set(old.minStamp);
    this.maxStamp.set(old.maxStamp);
    this.count.set(old.count);
    this.min.set(old.min);
    this.max.set(old.max);
    this.sumHi.set(old.sumHi);
    this.sumLo.set(old.sumLo);
    this.location.set(old.location);
    this.crc.set(old.crc);
  }

  private allocate(capacity: number): void {
    this.minStamp = new Float64Array(capacity);
    this.maxStamp = new Float64Array(capacity);
    this.count = new Uint32Array(capacity);
    this.min = new Float64Array(capacity);
    this.max = new Float64Array(capacity);
    this.sumHi = new Float64Array(capacity);
    this.sumLo = new Float64Array(capacity);
    this.location = new Float64Array(capacity);
    this.crc = new Uint32Array(capacity);
  }
}
