import { FileHandle } from 'node:fs/promises';
import { ChunkTable } from './chunk-table';
import { HeadSeries } from './head-series';
import { Series } from './series';
import { FlushEntry } from '../block/block-writer';

/**
 * The in-memory catalog: every metric by id, the open block files, and which heads hold values
 * that are not yet in a block. Pure bookkeeping: no I/O happens here.
 */
export class SeriesStore {
  private readonly byId = new Map<string, Series>();
  readonly blockFiles: FileHandle[] = [];
  /** Series whose live head holds values (each listed once). */
  private dirty: Series[] = [];
  headValues = 0;

  get(id: string): Series | undefined {
    return this.byId.get(id);
  }

  getOrCreate(id: string): Series {
    let series = this.byId.get(id);
    if (!series) {
      series = new Series(id);
      this.byId.set(id, series);
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
      const head = s.head;
      if (head.length === 0) this.dirty.push(s);
      head.append(stamps[i], values[i]);
      s.committed = true;
    }
    this.headValues += count;
  }

  /** Hands every non-empty head to a flush and gives those metrics fresh heads. */
  freeze(): FlushEntry[] {
    const entries = this.dirty.map((s) => {
      s.flushing = s.head;
      s.head = new HeadSeries();
      return { id: s.id, head: s.flushing };
    });
    this.dirty = [];
    this.headValues = 0;
    return entries;
  }

  /** Registers a block's chunks for its metrics, in place of the heads it was written from. */
  installBlock(handle: FileHandle, entries: readonly { id: string; chunks: ChunkTable }[]): number {
    const block = this.blockFiles.push(handle) - 1;
    for (const { id, chunks } of entries) {
      const s = this.getOrCreate(id);
      for (let c = 0; c < chunks.length; c++) {
        s.blocks.push(
          {
            minStamp: chunks.minStamp[c],
            maxStamp: chunks.maxStamp[c],
            count: chunks.count[c],
            min: chunks.min[c],
            max: chunks.max[c],
            sumHi: chunks.sumHi[c],
            sumLo: chunks.sumLo[c],
          },
          chunks.location[c],
          block,
          chunks.crc[c],
        );
      }
      if (chunks.length > 0) {
        s.committed = true;
        s.lastStamp = Math.max(s.lastStamp, chunks.maxStamp[chunks.length - 1]);
      }
      s.flushing = null;
    }
    return block;
  }

  async closeBlocks(): Promise<number> {
    const files = this.blockFiles.splice(0);
    await Promise.all(files.map((f) => f.close()));
    return files.length;
  }
}
