import type { StorageFile } from '../io/storage-fs';
import { ChunkTable } from './chunk-table';
import { HeadSeries } from './head-series';
import { RunningSummary } from './running-summary';
import { Series } from './series';
import type { BlockRun, FlushEntry } from '../block/block-run';
import { detachedString } from '../detached-string';

/** Runs of at least this many chunks get a summary of their own (see blockRunSummaries). */
export const RUN_SUMMARY_CHUNKS = 2;

/**
 * The in-memory catalog: every metric by id, the open block files, and which heads hold values
 * that are not yet in a block. Pure bookkeeping: no I/O happens here.
 */
export class SeriesStore {
  private readonly byId = new Map<string, Series>();
  readonly blockFiles: StorageFile[] = [];
  /** Per block file (same index): the summaries of all its chunks, each metric's rows together. */
  readonly blockTables: ChunkTable[] = [];
  /**
   * Per block file: one summary per metric whose chunks there are RUN_SUMMARY_CHUNKS or more,
   * merged from them (location = the run's first row in the block's table). A coarse query
   * takes a whole block of a busy metric from one row instead of ~1,000 chunk rows.
   */
  readonly blockRunSummaries: ChunkTable[] = [];
  /** Series whose live head holds values (each listed once). */
  private dirty: Series[] = [];
  headValues = 0;

  get(id: string): Series | undefined {
    return this.byId.get(id);
  }

  getOrCreate(id: string): Series {
    let series = this.byId.get(id);
    if (!series) {
      const own = detachedString(id); // kept for the server's life: no slice of a read's text
      series = new Series(own);
      this.byId.set(own, series);
    }
    return series;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Applies durable values to the heads (visible to queries from now on). */
  apply(
    series: readonly Series[],
    stamps: ArrayLike<number>,
    values: ArrayLike<number>,
    count: number,
  ): void {
    for (let i = 0; i < count; i++) {
      const s = series[i];
      let head = s.head;
      if (!head) {
        head = s.head = new HeadSeries();
        this.dirty.push(s);
      }
      head.append(stamps[i], values[i]);
      s.committed = true;
    }
    this.headValues += count;
  }

  /** Hands every non-empty head to a flush and gives those metrics fresh heads. */
  freeze(): FlushEntry[] {
    const entries = this.dirty.map((s) => {
      const head = s.head as HeadSeries; // dirty series have a head
      s.flushing = head;
      s.head = null;
      return { id: s.id, head };
    });
    this.dirty = [];
    this.headValues = 0;
    return entries;
  }

  /**
   * Registers a block: its chunk table, and for each metric the rows of its chunks there, in place
   * of the head the block was written from.
   */
  installBlock(handle: StorageFile, table: ChunkTable, runs: readonly BlockRun[]): number {
    const block = this.blockFiles.push(handle) - 1;
    this.blockTables.push(table);
    const summaries = new ChunkTable(1);
    const summary = new RunningSummary();
    for (const { id, first, end } of runs) {
      const s = this.getOrCreate(id);
      if (end > first) {
        let summaryRow = -1;
        if (end - first >= RUN_SUMMARY_CHUNKS) {
          summary.reset();
          for (let c = first; c < end; c++) summary.merge(table, c);
          summaryRow = summaries.length;
          summaries.push(summary, first);
        }
        s.blockRuns.push(block, first, end, summaryRow);
        s.committed = true;
        s.lastStamp = Math.max(s.lastStamp, table.maxStamp[end - 1]);
      }
      s.flushing = null;
    }
    this.blockRunSummaries.push(summaries);
    return block;
  }

  /** Closes every block file (all are tried); throws the first failure after trying them all. */
  async closeBlocks(): Promise<number> {
    const files = this.blockFiles.splice(0);
    this.blockTables.length = 0;
    this.blockRunSummaries.length = 0;
    const results = await Promise.allSettled(files.map((f) => f.close()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) {
      throw new Error(`could not close ${failed.length} of ${files.length} block files`, {
        cause: failed[0].reason,
      });
    }
    return files.length;
  }
}
