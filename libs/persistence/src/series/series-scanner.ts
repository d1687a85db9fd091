import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { readChunks } from '../block/block-reader';
import { ChunkTable } from './chunk-table';
import { HeadSeries } from './head-series';
import { Series } from './series';
import { SeriesStore } from './series-store';
import { SeriesVisitor } from './series-visitor';

/** Raw values handled between two yields to the event loop, so ingestion goes on during scans. */
const VALUES_PER_SLICE = 131_072;
/** Chunks read from a block file in one read. */
const CHUNKS_PER_READ = 128;

interface HeadSnapshot {
  stamps: ArrayLike<number>;
  values: ArrayLike<number>;
  length: number;
  chunks: ChunkTable;
  chunkCount: number;
  openStart: number;
}

const snapshot = (head: HeadSeries): HeadSnapshot => ({
  stamps: head.stamps,
  values: head.values,
  length: head.length,
  chunks: head.chunks,
  chunkCount: head.chunks.length,
  openStart: head.openStart,
});

/**
 * Streams the values of one metric stamped in [from, to] to a visitor, oldest first, reading from
 * disk only the chunks whose summaries the visitor cannot use. The state to scan is captured
 * synchronously at the start, so appends and flushes that happen meanwhile are not seen halfway.
 */
export class SeriesScanner {
  private sinceYield = 0;

  constructor(
    private readonly store: SeriesStore,
    private readonly from: number,
    private readonly to: number,
    private readonly visitor: SeriesVisitor,
    /** Block reads on the calling thread (see StorageFile.readSync). */
    private readonly inlineReads = false,
  ) {}

  async scan(series: Series): Promise<void> {
    const runs = series.blockRuns;
    const runCount = runs.length; // blocks installed meanwhile hold values of the heads below
    const heads = [series.flushing, series.head]
      .filter((h): h is HeadSeries => h !== null)
      .map(snapshot);
    for (let r = 0; r < runCount; r += 4) {
      const block = runs[r];
      const first = runs[r + 1];
      const end = runs[r + 2];
      const table = this.store.blockTables[block];
      if (table.maxStamp[end - 1] < this.from) continue;
      if (table.minStamp[first] > this.to) return; // later blocks and heads are later still
      const summaries = this.store.blockRunSummaries[block];
      const summaryRow = runs[r + 3];
      if (summaryRow >= 0 && this.summaryFits(summaries, summaryRow)) {
        this.addSummary(summaries, summaryRow); // the whole block's worth of this metric at once
        continue;
      }
      await this.scanBlock(block, first, end);
    }
    for (const head of heads) await this.scanHead(head);
  }

  /** Rows [first, end) of one block's chunk table: one metric's chunks in that block. */
  private async scanBlock(block: number, first: number, end: number): Promise<void> {
    const table = this.store.blockTables[block];
    let i = table.firstEndingAtOrAfter(this.from, end, first);
    while (i < end && table.minStamp[i] <= this.to) {
      if (this.summaryFits(table, i)) {
        this.addSummary(table, i++);
        continue;
      }
      let j = i + 1;
      while (
        j < end &&
        j - i < CHUNKS_PER_READ &&
        table.minStamp[j] <= this.to &&
        !this.summaryFits(table, j)
      ) {
        j++;
      }
      const chunks = await readChunks(
        this.store.blockFiles[block],
        table,
        i,
        j,
        this.store.blockLayouts[block],
        this.inlineReads,
      );
      for (const chunk of chunks)
        await this.addRaw(chunk.stamps, chunk.values, 0, chunk.stamps.length);
      i = j;
    }
  }

  private async scanHead(head: HeadSnapshot): Promise<void> {
    const table = head.chunks;
    for (let i = table.firstEndingAtOrAfter(this.from, head.chunkCount); i < head.chunkCount; i++) {
      if (table.minStamp[i] > this.to) return;
      if (this.summaryFits(table, i)) this.addSummary(table, i);
      else {
        const first = table.location[i];
        await this.addRaw(head.stamps, head.values, first, first + table.count[i]);
      }
    }
    await this.addRaw(head.stamps, head.values, head.openStart, head.length);
  }

  private summaryFits(table: ChunkTable, i: number): boolean {
    const min = table.minStamp[i];
    const max = table.maxStamp[i];
    return (
      min >= this.from &&
      max <= this.to &&
      this.visitor.acceptsSummary(min, max, table.min[i], table.max[i])
    );
  }

  private addSummary(t: ChunkTable, i: number): void {
    this.visitor.addSummary(
      t.minStamp[i],
      t.maxStamp[i],
      t.count[i],
      t.min[i],
      t.max[i],
      t.sumHi[i],
      t.sumLo[i],
    );
  }

  /** Passes the values of [start, end) that fall in [from, to], yielding now and then. */
  private async addRaw(
    stamps: ArrayLike<number>,
    values: ArrayLike<number>,
    start: number,
    end: number,
  ): Promise<void> {
    while (start < end && stamps[start] < this.from) start++;
    let last = start;
    while (last < end && stamps[last] <= this.to) last++;
    if (last === start) return;
    this.visitor.addValues(stamps, values, start, last);
    this.sinceYield += last - start;
    if (this.sinceYield >= VALUES_PER_SLICE) {
      this.sinceYield = 0;
      await yieldToEventLoop();
    }
  }
}
