import type { StorageFile } from '../io/storage-fs';
import { ChunkTable } from './chunk-table';
import { DecodedChunkCache } from './decoded-chunk-cache';
import { HeadSeries } from './head-series';
import { RunningSummary } from './running-summary';
import { Series } from './series';
import type { BlockLayout } from '../block/block-format';
import type { BlockRun, FlushEntry } from '../block/block-run';
import { detachedString } from '../detached-string';
import type { BlockInfo } from '../compaction/compaction-plan';
import { retentionAppliesTo } from '../retention/retention-policy';
import { DEFAULT_QUERY_CACHE_BYTES } from '../storage-options';
import { WholeBlockReads } from '../block/whole-block-reads';

/** Runs of at least this many chunks get a summary of their own (see blockRunSummaries). */
export const RUN_SUMMARY_CHUNKS = 2;

const EMPTY_TABLE = new ChunkTable(0);

/** Where a block's file is: its number, path and size. */
export interface BlockFileInfo {
  seq: number;
  /** BlockInfo.order: a metric's runs are kept in (order, first stamp) order. */
  order: number;
  path: string;
  bytes: number;
}

/** A block being put in place (opened, its index read). */
export interface AddedBlock {
  handle: StorageFile;
  table: ChunkTable;
  runs: readonly BlockRun[];
  layout: BlockLayout;
  file: BlockFileInfo;
}

/** An installed block as the compaction planner sees it. */
export interface InstalledBlock extends BlockFileInfo {
  info: BlockInfo;
  /** Its metrics: the series whose runs change when it is swapped out. */
  ids: string[];
}

/**
 * The in-memory catalog: every metric by id, the open block files, and which heads hold values
 * that are not yet in a block. Pure bookkeeping: no I/O happens here, except closing the files of
 * blocks compaction swapped out. Over 200 lines because the swap must rebuild the runs of every
 * metric of the blocks involved in one synchronous step, next to the tables it indexes.
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
  /** Per block file: its format version and where its chunk data ends. */
  readonly blockLayouts: BlockLayout[] = [];
  /** Per block file: what the compaction planner needs; undefined once swapped out. */
  private readonly blockInfos: (InstalledBlock | undefined)[] = [];
  /** Swapped-out blocks whose files are still open for scans that started before the swap. */
  private readonly retired: number[] = [];
  /** Slots whose files closeRetired already closed. */
  private readonly closed = new Set<number>();
  /** Scans running now (FileManager.scan): retired files are closed when none is. */
  activeScans = 0;
  /** Series whose live head holds values (each listed once). */
  private dirty: Series[] = [];
  headValues = 0;
  /** Block chunks queries decoded lately, kept with their segment summaries. */
  readonly decodedChunks: DecodedChunkCache;
  /** Recent blocks' bytes while alert checks read them (scans with inline reads). */
  readonly wholeBlocks = new WholeBlockReads();

  constructor(queryCacheBytes = DEFAULT_QUERY_CACHE_BYTES) {
    this.decodedChunks = new DecodedChunkCache(queryCacheBytes);
  }

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

  /** Every metric id known (visible or not: see FileManager.hasMetric). */
  ids(): IterableIterator<string> {
    return this.byId.keys();
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

  /** The oldest stamp in a live head of a metric retention applies to (+Infinity: none). */
  oldestHeadStamp(): number {
    let oldest = Infinity;
    for (const s of this.dirty) {
      if (retentionAppliesTo(s.id) && s.head) oldest = Math.min(oldest, s.head.stamps[0]);
    }
    return oldest;
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
   * Registers a block written by a flush: its chunk table, and for each metric the rows of its
   * chunks there, in place of the head the block was written from.
   */
  installBlock(
    handle: StorageFile,
    table: ChunkTable,
    runs: readonly BlockRun[],
    layout: BlockLayout,
    file: BlockFileInfo,
  ): number {
    const [slot] = this.swapBlocks([], [{ handle, table, runs, layout, file }]);
    for (const { id } of runs) (this.get(id) as Series).flushing = null;
    return slot;
  }

  /**
   * Replaces blocks by others in one synchronous step (compaction's swap; a flush's install is
   * one with nothing removed): each metric's runs are rebuilt in time order in a new array, so a
   * scan that captured the old one reads on undisturbed; the removed files stay open until no
   * scan is running (closeRetired).
   */
  swapBlocks(removed: readonly number[], added: readonly AddedBlock[]): number[] {
    const gone = new Set(removed);
    const touched = new Map<Series, number[]>();
    const collect = (id: string): number[] => {
      const s = this.getOrCreate(id);
      let quads = touched.get(s);
      if (!quads) {
        quads = [];
        const old = s.blockRuns;
        for (let r = 0; r < old.length; r += 4) {
          if (!gone.has(old[r])) quads.push(old[r], old[r + 1], old[r + 2], old[r + 3]);
        }
        touched.set(s, quads);
      }
      return quads;
    };
    if (removed.length === 0 && added.length === 1) {
      const appended = this.appendInPlace(added[0]);
      if (appended !== undefined) return [appended];
    }
    for (const slot of removed) {
      for (const id of this.blockInfos[slot]?.ids ?? []) collect(id);
      this.blockInfos[slot] = undefined;
      this.retired.push(slot);
    }
    const slots = added.map((block) => this.addSlot(block, collect));
    for (const [s, quads] of touched) s.blockRuns = this.sortedByTime(quads);
    return slots;
  }

  /** Blocks in place, for the compaction planner (slot and what is known of each). */
  installedBlocks(): { slot: number; block: InstalledBlock }[] {
    const list: { slot: number; block: InstalledBlock }[] = [];
    this.blockInfos.forEach((block, slot) => block && list.push({ slot, block }));
    return list;
  }

  /** Closes the files of swapped-out blocks once no scan can read them any more. */
  async closeRetired(): Promise<void> {
    if (this.activeScans > 0 || this.retired.length === 0) return;
    const slots = this.retired.splice(0);
    for (const slot of slots) {
      this.blockTables[slot] = EMPTY_TABLE;
      this.blockRunSummaries[slot] = EMPTY_TABLE;
      this.closed.add(slot);
    }
    this.decodedChunks.dropBlocks(slots);
    this.wholeBlocks.dropBlocks(slots);
    await Promise.allSettled(slots.map((slot) => this.blockFiles[slot].close()));
  }

  /** Open block files: installed, and swapped out but not yet closed. */
  get openBlockFiles(): number {
    return this.installedBlocks().length + this.retired.length;
  }

  private addSlot(block: AddedBlock, collect: (id: string) => number[]): number {
    const { handle, table, runs, layout, file } = block;
    const slot = this.blockFiles.push(handle) - 1;
    this.blockTables.push(table);
    this.blockLayouts.push(layout);
    const summaries = new ChunkTable(1);
    const summary = new RunningSummary();
    const info: BlockInfo = {
      seq: file.seq,
      order: file.order,
      minStamp: Infinity,
      maxStamp: -Infinity,
      minClientStamp: Infinity,
      values: 0,
      bytes: file.bytes,
      lastEntryStamp: -Infinity,
    };
    for (const { id, first, end, lastStamp } of runs) {
      const quads = collect(id);
      const s = this.get(id) as Series;
      // An entry without chunks: retention removed its values, the metric still exists.
      s.committed = true;
      s.lastStamp = Math.max(s.lastStamp, lastStamp);
      info.lastEntryStamp = Math.max(info.lastEntryStamp, lastStamp);
      if (end <= first) continue;
      let summaryRow = -1;
      summary.reset();
      for (let c = first; c < end; c++) summary.merge(table, c);
      if (end - first >= RUN_SUMMARY_CHUNKS) {
        summaryRow = summaries.length;
        summaries.push(summary, first);
      }
      quads.push(slot, first, end, summaryRow);
      s.lastStamp = Math.max(s.lastStamp, table.maxStamp[end - 1]);
      info.minStamp = Math.min(info.minStamp, summary.minStamp);
      info.maxStamp = Math.max(info.maxStamp, summary.maxStamp);
      info.values += summary.count;
      if (retentionAppliesTo(id))
        info.minClientStamp = Math.min(info.minClientStamp, summary.minStamp);
    }
    this.blockRunSummaries.push(summaries);
    this.blockInfos.push({ ...file, info, ids: runs.map((r) => r.id) });
    return slot;
  }

  /**
   * A flush's block: each metric's new run comes after its others (its head's values are the
   * newest), so it is pushed onto the array in place, as before compaction existed; a scan
   * captured the array's length. Undefined (nothing changed) when some run would be out of order.
   */
  private appendInPlace(block: AddedBlock): number | undefined {
    for (const { id, first, end } of block.runs) {
      const runs = this.get(id)?.blockRuns;
      if (end <= first || !runs || runs.length === 0) continue;
      const lastStart = this.blockTables[runs[runs.length - 4]].minStamp[runs[runs.length - 3]];
      if (block.table.minStamp[first] < lastStart) return undefined;
    }
    return this.addSlot(block, (id) => this.getOrCreate(id).blockRuns);
  }

  private sortedByTime(quads: number[]): number[] {
    const order = Array.from({ length: quads.length / 4 }, (_, k) => k);
    const orderOf = (k: number) => this.blockInfos[quads[4 * k]]?.order ?? 0;
    const startOf = (k: number) => this.blockTables[quads[4 * k]].minStamp[quads[4 * k + 1]];
    order.sort((a, b) => orderOf(a) - orderOf(b) || startOf(a) - startOf(b) || a - b);
    return order.flatMap((k) => quads.slice(4 * k, 4 * k + 4));
  }

  /** Closes every block file (all are tried); throws the first failure after trying them all. */
  async closeBlocks(): Promise<number> {
    const files = this.blockFiles.splice(0).filter((_, slot) => !this.closed.has(slot));
    this.closed.clear();
    this.blockTables.length = 0;
    this.blockRunSummaries.length = 0;
    this.blockLayouts.length = 0;
    this.blockInfos.length = 0;
    this.retired.length = 0;
    this.decodedChunks.clear();
    this.wholeBlocks.clear();
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
