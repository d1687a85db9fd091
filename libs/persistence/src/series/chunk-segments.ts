import { RunningSummary } from './running-summary';

/**
 * Values per segment. A chunk holds up to 1,024 values; when they arrive seconds apart it spans
 * tens of minutes, so a query window edge cuts through most chunks (QUERY AVG 3600 over values
 * 1.2 s apart) and every value of a short window lies in a cut chunk (AVG 60). Summaries of
 * 16-value segments let such windows take most of a cut chunk from summaries too: a window of
 * 50 values is about two segment summaries and 15 values, a window edge costs 16 rows, not 1,024
 * values. Smaller segments cost more rows per window than they save in values.
 */
export const SEGMENT_VALUES = 16;

/** Doubles per segment row: first stamp, last stamp, min, max, sum (hi, lo). */
const ROW = 6;

/**
 * The summaries of stamps/values[start, end) in segments of SEGMENT_VALUES values (the last one
 * may be shorter): segment k holds values [start + 16k, min(end, start + 16k + 16)). Built the
 * way chunk summaries are (RunningSummary), so a segment's double-double sum is the one its
 * values add up to, and merging segment summaries gives what the values give.
 *
 * The rows lie in one array, a segment's fields side by side: a query reads them in order, and a
 * row costs one cache line instead of one per field (with a column per field, as ChunkTable has,
 * the rows of a million cached values were the query's main cost: memory stalls).
 */
export class ChunkSegments {
  readonly length: number;
  private readonly rows: Float64Array;

  constructor(
    stamps: ArrayLike<number>,
    values: ArrayLike<number>,
    readonly start: number,
    readonly end: number,
  ) {
    this.length = Math.ceil((end - start) / SEGMENT_VALUES);
    this.rows = new Float64Array(this.length * ROW);
    const summary = new RunningSummary();
    for (let k = 0, at = start; at < end; k++, at += SEGMENT_VALUES) {
      const last = Math.min(end, at + SEGMENT_VALUES);
      summary.reset();
      for (let i = at; i < last; i++) summary.add(stamps[i], values[i]);
      const r = k * ROW;
      this.rows[r] = summary.minStamp;
      this.rows[r + 1] = summary.maxStamp;
      this.rows[r + 2] = summary.min;
      this.rows[r + 3] = summary.max;
      this.rows[r + 4] = summary.sumHi;
      this.rows[r + 5] = summary.sumLo;
    }
  }

  /** Bytes of the rows of `count` values. */
  static bytesFor(count: number): number {
    return Math.ceil(count / SEGMENT_VALUES) * ROW * 8;
  }

  /** Index of the first value of segment k. */
  first(k: number): number {
    return this.start + k * SEGMENT_VALUES;
  }

  /** One past the last value of segment k. */
  last(k: number): number {
    return Math.min(this.end, this.start + (k + 1) * SEGMENT_VALUES);
  }

  minStamp(k: number): number {
    return this.rows[k * ROW];
  }

  maxStamp(k: number): number {
    return this.rows[k * ROW + 1];
  }

  min(k: number): number {
    return this.rows[k * ROW + 2];
  }

  max(k: number): number {
    return this.rows[k * ROW + 3];
  }

  sumHi(k: number): number {
    return this.rows[k * ROW + 4];
  }

  sumLo(k: number): number {
    return this.rows[k * ROW + 5];
  }

  /** The first segment whose last stamp is >= stamp, else length (binary search). */
  firstEndingAtOrAfter(stamp: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid * ROW + 1] < stamp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
