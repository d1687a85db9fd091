import type { OpenedBlock } from '../block/block-reader';

/**
 * Every metric of a compaction's input blocks, in id order, with its last stamp and its chunk
 * ranges (rows of one input's chunk table), each metric's ranges in the order their values lie.
 *
 * Kept as arrays of numbers, not an object per metric and per range: merging four blocks of
 * 100,000 metrics made ~500,000 such objects and their arrays, about 50 MB of the worker's heap
 * for the whole rewrite, at the moment the server's own memory is at its highest (it has just
 * flushed those metrics).
 */
export class MetricParts {
  /** Metric ids in ascending order. */
  readonly ids: string[];
  readonly lastStamps: Float64Array;
  /** Metric m's ranges are partsStart[m] .. partsStart[m + 1] - 1. */
  private readonly partsStart: Uint32Array;
  /** Per range: its input (index in `blocks`), and its rows first .. end - 1. */
  readonly partBlock: Uint32Array;
  readonly partFirst: Uint32Array;
  readonly partEnd: Uint32Array;

  /** `orders[i]`: where input i's data lies among the blocks (BlockInfo.order). */
  constructor(
    readonly blocks: readonly OpenedBlock[],
    orders: readonly number[],
  ) {
    const indexOf = new Map<string, number>();
    const found: string[] = [];
    const lastStamps: number[] = [];
    const counts: number[] = [];
    for (const block of blocks) {
      for (const { id, first, end, lastStamp } of block.runs) {
        let i = indexOf.get(id);
        if (i === undefined) {
          indexOf.set(id, (i = found.push(id) - 1));
          lastStamps.push(-Infinity);
          counts.push(0);
        }
        lastStamps[i] = Math.max(lastStamps[i], lastStamp);
        if (end > first) counts[i]++;
      }
    }
    const byId = found.map((_, i) => i).sort((a, b) => compareIds(found[a], found[b]));
    const rank = new Uint32Array(found.length);
    byId.forEach((i, m) => (rank[i] = m));
    this.ids = byId.map((i) => found[i]);
    this.lastStamps = Float64Array.from(byId, (i) => lastStamps[i]);
    this.partsStart = new Uint32Array(found.length + 1);
    byId.forEach((i, m) => (this.partsStart[m + 1] = this.partsStart[m] + counts[i]));
    const total = this.partsStart[found.length];
    this.partBlock = new Uint32Array(total);
    this.partFirst = new Uint32Array(total);
    this.partEnd = new Uint32Array(total);
    const next = this.partsStart.slice(0, found.length);
    blocks.forEach((block, b) => {
      for (const { id, first, end } of block.runs) {
        if (end <= first) continue;
        const p = next[rank[indexOf.get(id)!]]++;
        this.partBlock[p] = b;
        this.partFirst[p] = first;
        this.partEnd[p] = end;
      }
    });
    for (let m = 0; m < found.length; m++) this.sortParts(m, orders);
  }

  get size(): number {
    return this.ids.length;
  }

  /** The first of metric m's ranges. */
  partsFrom(m: number): number {
    return this.partsStart[m];
  }

  /** One past the last of metric m's ranges. */
  partsEnd(m: number): number {
    return this.partsStart[m + 1];
  }

  /**
   * Metric m's ranges by their input's order, then by their first stamp (insertion sort: a
   * metric has a range in a few inputs at most).
   */
  private sortParts(m: number, orders: readonly number[]): void {
    const key = (p: number) => orders[this.partBlock[p]];
    const start = (p: number) => this.blocks[this.partBlock[p]].table.minStamp[this.partFirst[p]];
    const columns = [this.partBlock, this.partFirst, this.partEnd];
    for (let p = this.partsStart[m] + 1; p < this.partsStart[m + 1]; p++) {
      for (let q = p; q > this.partsStart[m]; q--) {
        const before = key(q - 1) - key(q) || start(q - 1) - start(q);
        if (before <= 0) break;
        for (const column of columns) [column[q - 1], column[q]] = [column[q], column[q - 1]];
      }
    }
  }
}

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
