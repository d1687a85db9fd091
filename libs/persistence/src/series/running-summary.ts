import type { ChunkSummary, ChunkTable } from './chunk-table';
import { addDoubleDouble } from './double-double-add';

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

  /**
   * Merges row `i` of a chunk table, a chunk stamped after everything merged so far: how a
   * block's chunks of one metric become that metric's run summary.
   */
  merge(table: ChunkTable, i: number): void {
    if (this.count === 0) {
      this.minStamp = table.minStamp[i];
      this.min = table.min[i];
      this.max = table.max[i];
    } else {
      if (table.min[i] < this.min) this.min = table.min[i];
      if (table.max[i] > this.max) this.max = table.max[i];
    }
    this.maxStamp = table.maxStamp[i];
    this.count += table.count[i];
    const sum = { hi: this.sumHi, lo: this.sumLo };
    addDoubleDouble(sum, table.sumHi[i], table.sumLo[i]);
    this.sumHi = sum.hi;
    this.sumLo = sum.lo;
  }

  reset(): void {
    this.count = 0;
    this.sumHi = 0;
    this.sumLo = 0;
  }
}
