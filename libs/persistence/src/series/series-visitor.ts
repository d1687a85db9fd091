/**
 * What a query does with a series, fed in time order by the scanner. A chunk whose summary is
 * accepted is not read at all: that is what keeps a coarse query over millions of values cheap.
 */
export interface SeriesVisitor {
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
  /** Values [start, end) of the arrays, all inside the query's range. */
  addValues(stamps: Float64Array, values: Float64Array, start: number, end: number): void;
}
