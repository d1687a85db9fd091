import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { readChunks } from '../block/block-reader';
import { ChunkTable } from './chunk-table';
import { ChunkSegments } from './chunk-segments';
import { cachedBytes } from './decoded-chunk-cache';
import { HeadSeries } from './head-series';
import { Series } from './series';
import { SeriesStore } from './series-store';
import { SeriesVisitor } from './series-visitor';

/**
 * Work between two yields to the event loop, so ingestion goes on during scans: one unit per raw
 * value, SUMMARY_WORK per summary taken (merging one costs a few values' worth).
 */
const WORK_PER_SLICE = 131_072;
const SUMMARY_WORK = 4;
/** Chunks read from a block file in one read. */
const CHUNKS_PER_READ = 128;

interface HeadSnapshot {
  head: HeadSeries;
  stamps: ArrayLike<number>;
  values: ArrayLike<number>;
  length: number;
  chunks: ChunkTable;
  chunkCount: number;
  openStart: number;
}

const snapshot = (head: HeadSeries): HeadSnapshot => ({
  head,
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
 *
 * A chunk the visitor cannot take whole (a window edge cuts it) is offered again as segments of
 * 16 values (chunk-segments.ts), so only the segments cut by an edge are passed value by value.
 * Block chunks decoded for that are kept in the store's DecodedChunkCache with their segments;
 * heads build their segments in place, once per closed chunk. Over 200 lines because blocks,
 * cached chunks, heads and segments are four ways to the same visitor calls, which share the
 * range checks and the count of work between yields.
 */
export class SeriesScanner {
  private work = 0;
  /** Bytes this scan put in the decoded-chunk cache (see DecodedChunkCache.admits). */
  private cached = 0;

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
    const cache = this.store.decodedChunks;
    let i = table.firstEndingAtOrAfter(this.from, end, first);
    while (i < end && table.minStamp[i] <= this.to) {
      if (this.summaryFits(table, i)) {
        this.addSummary(table, i++);
        continue;
      }
      const decoded = this.visitor.valuesOnly ? undefined : cache.get(block, i);
      if (decoded) {
        this.passSegments(decoded.segments, decoded.stamps, decoded.values);
        i++;
        if (this.work >= WORK_PER_SLICE) await this.yieldToIngestion();
        continue;
      }
      let j = i + 1;
      while (
        j < end &&
        j - i < CHUNKS_PER_READ &&
        table.minStamp[j] <= this.to &&
        !this.summaryFits(table, j) &&
        !cache.has(block, j)
      ) {
        j++;
      }
      const handle = this.store.blockFiles[block];
      const layout = this.store.blockLayouts[block];
      const inline = this.inlineReads
        ? this.store.wholeBlocks.readerFor(block, handle, layout)
        : undefined;
      const chunks = await readChunks(handle, table, i, j, layout, inline);
      for (let k = 0; k < chunks.length; k++) {
        this.passChunk(block, i + k, chunks[k].stamps, chunks[k].values);
        if (this.work >= WORK_PER_SLICE) await this.yieldToIngestion();
      }
      i = j;
    }
  }

  /**
   * A block chunk just decoded: through its segments (and into the cache) when it may. Not for a
   * scan with inline reads (the alert check): it reads the chunk that straddles a rule's
   * checkpoint, a different one at nearly every check, so caching it churned the cache queries
   * rely on and made garbage (10,000 rules: 70-110 ms of collection per check, profiled).
   */
  private passChunk(block: number, row: number, stamps: Float64Array, values: Float64Array): void {
    const cache = this.store.decodedChunks;
    const bytes = cachedBytes(values.length);
    if (this.visitor.valuesOnly || this.inlineReads || !cache.admits(this.cached, bytes)) {
      this.passValues(stamps, values, 0, values.length);
      return;
    }
    const own = { stamps: compact(stamps), values: compact(values) };
    const segments = new ChunkSegments(own.stamps, own.values, 0, values.length);
    cache.put(block, row, { ...own, segments });
    this.cached += bytes;
    this.passSegments(segments, own.stamps, own.values);
  }

  private async scanHead(head: HeadSnapshot): Promise<void> {
    const table = head.chunks;
    for (let i = table.firstEndingAtOrAfter(this.from, head.chunkCount); i < head.chunkCount; i++) {
      if (table.minStamp[i] > this.to) return;
      if (this.summaryFits(table, i)) {
        this.addSummary(table, i);
      } else if (this.visitor.valuesOnly) {
        const first = table.location[i];
        this.passValues(head.stamps, head.values, first, first + table.count[i]);
      } else {
        this.passSegments(head.head.segmentsOf(i), head.stamps, head.values);
      }
      if (this.work >= WORK_PER_SLICE) await this.yieldToIngestion();
    }
    this.passValues(head.stamps, head.values, head.openStart, head.length);
  }

  /** A chunk's segments (they index stamps and values): summaries where they fit. */
  private passSegments(
    segments: ChunkSegments,
    stamps: ArrayLike<number>,
    values: ArrayLike<number>,
  ): void {
    const visitor = this.visitor;
    // Most chunks lie wholly after `from`: no search for where it falls.
    const start = segments.minStamp(0) >= this.from ? 0 : segments.firstEndingAtOrAfter(this.from);
    for (let k = start; k < segments.length; k++) {
      const minStamp = segments.minStamp(k);
      const maxStamp = segments.maxStamp(k);
      if (minStamp > this.to) return;
      const min = segments.min(k);
      const max = segments.max(k);
      const first = segments.first(k);
      const last = segments.last(k);
      if (
        minStamp >= this.from &&
        maxStamp <= this.to &&
        visitor.acceptsSummary(minStamp, maxStamp, min, max)
      ) {
        const count = last - first;
        visitor.addSummary(
          minStamp,
          maxStamp,
          count,
          min,
          max,
          segments.sumHi(k),
          segments.sumLo(k),
        );
        this.work += SUMMARY_WORK;
      } else {
        this.passValues(stamps, values, first, last);
      }
    }
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
    this.work += SUMMARY_WORK;
  }

  /** Passes the values of [start, end) that fall in [from, to]. */
  private passValues(
    stamps: ArrayLike<number>,
    values: ArrayLike<number>,
    start: number,
    end: number,
  ): void {
    if (start >= end) return;
    let last = end;
    if (stamps[start] < this.from || stamps[end - 1] > this.to) {
      // Only a run that [from, to] cuts is searched for its part inside.
      while (start < end && stamps[start] < this.from) start++;
      last = start;
      while (last < end && stamps[last] <= this.to) last++;
      if (last === start) return;
    }
    this.visitor.addValues(stamps, values, start, last);
    this.work += last - start;
  }

  private async yieldToIngestion(): Promise<void> {
    this.work = 0;
    await yieldToEventLoop();
  }
}

/** The array on a buffer of its own: a version 1 block's values are views of the whole read. */
function compact(array: Float64Array): Float64Array {
  return array.byteLength === array.buffer.byteLength ? array : array.slice();
}
