import { HeadSeries } from './head-series';

/**
 * Everything the server holds about one metric: where its chunks are in block files, the head
 * being written to a block (if a flush is running) and the live head.
 *
 * Kept small on purpose (a server may hold 100,000 metrics): block chunks live in one table per
 * block (SeriesStore.blockTables), of which a metric only records its row ranges, and a head
 * exists only while the metric has values that are not in a block yet.
 */
export class Series {
  /**
   * The metric's chunks in block files, oldest first, as quadruples: block number, first row and
   * end row (exclusive) in that block's chunk table, and the row of the run's own summary in the
   * block's run summaries (-1 for a run too short to have one). A block holds one run per metric.
   * Sorted by time. Replaced, never changed in place, when blocks are swapped (a scan holds on
   * to the array it started with).
   */
  blockRuns: number[] = [];
  /** The head frozen by a running flush: durable in the WAL, being written to a block. */
  flushing: HeadSeries | null = null;
  /** Values durable in the WAL and not yet in a block; null when there are none. */
  head: HeadSeries | null = null;
  /** The last stamp handed out, committed or not: stamps never go backwards per metric. */
  lastStamp = -Infinity;
  /** False until the first value of the metric is durable: QUERY answers 404 until then. */
  committed = false;
  /** Scratch for encoding one WAL batch: the batch it was last seen in and its id index there. */
  batchTag = -1;
  batchIndex = 0;

  constructor(readonly id: string) {}
}
