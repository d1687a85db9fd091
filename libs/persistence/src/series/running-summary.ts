import type { ChunkSummary, ChunkTable } from './chunk-table';
import { DoubleDoubleSum } from '@app/protocol';

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
  /** The sum in double-double (the protocol library's one implementation of the steps). */
  private readonly sum = new DoubleDoubleSum();

  get sumHi(): number {
    return this.sum.hi;
  }

  get sumLo(): number {
    return this.sum.lo;
  }

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
    this.sum.add(value);
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
    this.sum.addPair(table.sumHi[i], table.sumLo[i]);
  }

  reset(): void {
    this.count = 0;
    this.sum.reset();
  }
}
