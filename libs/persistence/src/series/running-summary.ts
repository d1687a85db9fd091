import type { ChunkSummary } from './chunk-table';

/**
 * The summary of the chunk being filled, updated value by value.
 *
 * The sum is kept in double-double (hi + lo, Knuth's TwoSum) so that a chunk's sum is exact to
 * about 106 bits: AVG must be the correctly rounded mean (PROTOCOL.md), and these partial sums are
 * merged by the query path instead of re-reading the values.
 */
export class RunningSummary implements ChunkSummary {
  minStamp = 0;
  maxStamp = 0;
  count = 0;
  min = 0;
  max = 0;
  sumHi = 0;
  sumLo = 0;

  add(stamp: number, value: number): void {
    if (this.count === 0) {
      this.minStamp = stamp;
      this.min = value;
      this.max = value;
    } else {
      // Strict comparisons keep the earlier of equal values, as Python's min/max do (-0.0 vs 0.0).
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
    }
    this.maxStamp = stamp;
    this.count++;
    const s = this.sumHi + value;
    const bp = s - this.sumHi;
    const err = this.sumHi - (s - bp) + (value - bp);
    const lo = this.sumLo + err;
    this.sumHi = s + lo;
    this.sumLo = lo - (this.sumHi - s);
  }

  reset(): void {
    this.count = 0;
    this.sumHi = 0;
    this.sumLo = 0;
  }
}
