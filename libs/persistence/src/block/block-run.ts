import type { HeadSeries } from '../series/head-series';

/**
 * The types a block shares with the series catalog, in a file of their own so that the block
 * writer and the series store need not import each other.
 */

/** One metric's chunks in a block: rows [first, end) of the block's chunk table. */
export interface BlockRun {
  id: string;
  first: number;
  end: number;
  /** The metric's last stamp (version 2; in version 1 the last chunk's maxStamp). */
  lastStamp: number;
}

/** One frozen head handed to a block write. */
export interface FlushEntry {
  id: string;
  head: HeadSeries;
}
