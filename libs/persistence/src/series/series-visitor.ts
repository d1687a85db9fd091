/**
 * What a query does with a series, fed in time order by the scanner. A chunk whose summary is
 * accepted is not read at all: that is what keeps a coarse query over millions of values cheap.
 */
export interface SeriesVisitor {
  /**
   * True when no summary will ever be accepted (QUERY with secs 0: every value on its own): the
   * scanner then hands over whole chunks and builds no segment summaries for them.
   */
  readonly valuesOnly?: boolean;
  /** Whether one summary can stand for the chunk's values (stamped in [minStamp, maxStamp]). */
  acceptsSummary(minStamp: number, maxStamp: number, min: number, max: number): boolean;
  addSummary(
    minStamp: number,
    maxStamp: number,
    count: number,
    min: number,
    max: number,
    sumHi: number,
    sumLo: number,
  ): void;
  /** Values [start, end) of the arrays (typed arrays from blocks, plain ones from heads), all inside the query's range. */
  addValues(stamps: ArrayLike<number>, values: ArrayLike<number>, start: number, end: number): void;
}
