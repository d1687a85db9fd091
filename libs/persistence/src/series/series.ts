import { ChunkTable } from './chunk-table';
import { HeadSeries } from './head-series';

/**
 * Everything the server holds about one metric: summaries of its chunks in block files, the head
 * being written to a block (if a flush is running) and the live head.
 */
export class Series {
  /** Chunks stored in block files, oldest first (location = byte offset, block = block number). */
  readonly blocks = new ChunkTable();
  /** The head frozen by a running flush: durable in the WAL, being written to a block. */
  flushing: HeadSeries | null = null;
  head = new HeadSeries();
  /** The last stamp handed out, committed or not: stamps never go backwards per metric. */
  lastStamp = -Infinity;
  /** False until the first value of the metric is durable: QUERY answers 404 until then. */
  committed = false;
  /** Scratch for encoding one WAL batch: the batch it was last seen in and its id index there. */
  batchTag = -1;
  batchIndex = 0;

  constructor(readonly id: string) {}
}
