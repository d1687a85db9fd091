import { ChunkSegments } from './chunk-segments';

/** A block chunk read and decoded, with the summaries of its segments (chunk-segments.ts). */
export interface DecodedChunk {
  stamps: Float64Array;
  values: Float64Array;
  segments: ChunkSegments;
}

interface Entry {
  chunk: DecodedChunk;
  /** The `clock` of its last use. */
  used: number;
}

/** Bytes a cached chunk costs besides its arrays' contents: its objects, 3 typed arrays. */
const ENTRY_BYTES = 1024;

/** What a chunk of `count` values costs in the cache: its stamps, values, rows and objects. */
export function cachedBytes(count: number): number {
  return 16 * count + ChunkSegments.bytesFor(count) + ENTRY_BYTES;
}

/**
 * Recently used block chunks that queries had to decode, up to `capacity` bytes in all (about 20
 * a value in chunks of 1,024 values, and at least 1 KB a chunk: a many-metric block's chunks may
 * hold a few values each). Blocks are immutable, so an entry stays right until its block file is
 * closed (dropBlocks). Found by block slot and chunk row in arrays (slots are never reused): a
 * query over 1,000 cut chunks looks them up 1,000 times, and a map keyed by numbers beyond 2^31
 * allocated a key and rehashed its moves at each of those.
 *
 * When full, it drops least recently used chunks until a quarter of it is free, so that eviction
 * (a sort) runs once per many chunks put. One scan may only fill half of it (see `admits`): a
 * query over more values than the cache holds would otherwise evict every chunk before the next
 * identical query reaches it, and pay for building segments on every run; with the limit, the
 * chunks it admitted keep serving it.
 */
export class DecodedChunkCache {
  private readonly bySlot: (Entry | undefined)[][] = [];
  private bytes = 0;
  /** Ticks at each get and put: the recency of entries. */
  private clock = 0;

  constructor(readonly capacity: number) {}

  get(slot: number, row: number): DecodedChunk | undefined {
    const entry = this.bySlot[slot]?.[row];
    if (!entry) return undefined;
    entry.used = ++this.clock;
    return entry.chunk;
  }

  has(slot: number, row: number): boolean {
    return this.bySlot[slot]?.[row] !== undefined;
  }

  /** Whether a scan that already added `added` bytes may add `bytes` more. */
  admits(added: number, bytes: number): boolean {
    return added + bytes <= this.capacity / 2;
  }

  put(slot: number, row: number, chunk: DecodedChunk): void {
    const rows = (this.bySlot[slot] ??= []);
    const old = rows[row];
    if (old) this.bytes -= cachedBytes(old.chunk.values.length);
    rows[row] = { chunk, used: ++this.clock };
    this.bytes += cachedBytes(chunk.values.length);
    if (this.bytes > this.capacity) this.evict(this.capacity * 0.75);
  }

  /** Drops the chunks of blocks whose files are closed (their slots are never read again). */
  dropBlocks(slots: readonly number[]): void {
    for (const slot of slots) {
      for (const entry of this.bySlot[slot] ?? [])
        if (entry) this.bytes -= cachedBytes(entry.chunk.values.length);
      this.bySlot[slot] = [];
    }
  }

  clear(): void {
    this.bySlot.length = 0;
    this.bytes = 0;
  }

  /** Bytes held (cachedBytes of every chunk), for tests and statistics. */
  get size(): number {
    return this.bytes;
  }

  /** Drops least recently used chunks until at most `keep` bytes remain. */
  private evict(keep: number): void {
    const all: { slot: number; row: number; entry: Entry }[] = [];
    this.bySlot.forEach((rows, slot) =>
      rows.forEach((entry, row) => entry && all.push({ slot, row, entry })),
    );
    all.sort((a, b) => a.entry.used - b.entry.used);
    for (const { slot, row, entry } of all) {
      if (this.bytes <= keep) break;
      this.bySlot[slot][row] = undefined;
      this.bytes -= cachedBytes(entry.chunk.values.length);
    }
  }
}
