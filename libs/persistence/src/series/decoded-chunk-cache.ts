import type { ChunkSegments } from './chunk-segments';

/** A block chunk read and decoded, with the summaries of its segments (chunk-segments.ts). */
export interface DecodedChunk {
  stamps: Float64Array;
  values: Float64Array;
  segments: ChunkSegments;
}

/**
 * Recently used block chunks that queries had to decode, least recently used dropped first, up to
 * `capacity` values in all (about 24 bytes each: stamps, values and segment summaries). Blocks are
 * immutable, so an entry stays right until its block file is closed (dropBlock). Keyed by block
 * slot and chunk row: slots are never reused.
 *
 * One scan may only fill half of it (see `admits`): a query over more values than the cache holds
 * would otherwise evict every chunk before the next identical query reaches it, and pay for
 * building segments on every run; with the limit, the chunks it admitted keep serving it.
 */
export class DecodedChunkCache {
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<number, DecodedChunk>();
  private values = 0;

  constructor(readonly capacity: number) {}

  get(slot: number, row: number): DecodedChunk | undefined {
    const key = keyOf(slot, row);
    const chunk = this.entries.get(key);
    if (chunk) {
      this.entries.delete(key);
      this.entries.set(key, chunk);
    }
    return chunk;
  }

  has(slot: number, row: number): boolean {
    return this.entries.has(keyOf(slot, row));
  }

  /** Whether a scan that already added `added` values may add `count` more. */
  admits(added: number, count: number): boolean {
    return added + count <= this.capacity / 2;
  }

  put(slot: number, row: number, chunk: DecodedChunk): void {
    const key = keyOf(slot, row);
    const old = this.entries.get(key);
    if (old) this.forget(key, old);
    this.entries.set(key, chunk);
    this.values += chunk.values.length;
    for (const [oldest, entry] of this.entries) {
      if (this.values <= this.capacity) break;
      this.forget(oldest, entry);
    }
  }

  /** Drops the chunks of a block whose file is closed (its slot will never be read again). */
  dropBlocks(slots: readonly number[]): void {
    if (this.entries.size === 0) return;
    const gone = new Set(slots);
    for (const [key, entry] of this.entries) if (gone.has(slotOf(key))) this.forget(key, entry);
  }

  clear(): void {
    this.entries.clear();
    this.values = 0;
  }

  /** Values held, for tests and statistics. */
  get size(): number {
    return this.values;
  }

  private forget(key: number, entry: DecodedChunk): void {
    this.entries.delete(key);
    this.values -= entry.values.length;
  }
}

/** Rows of a block's table fit in 32 bits (its index is read into memory whole). */
const ROWS = 2 ** 32;
const keyOf = (slot: number, row: number): number => slot * ROWS + row;
const slotOf = (key: number): number => Math.floor(key / ROWS);
