import { nodeStorageFs } from '../io/node-storage-fs';
import type { StorageFile, StorageFs } from '../io/storage-fs';
import { checksum, encodeFooter } from '../block/block-format';
import type { BlockGroup } from '../block/block-format';
import type { BlockRun } from '../block/block-run';
import { encodeIndex, writeFully } from '../block/block-writer';
import { encodeChunk } from '../codec/chunk-codec';
import { fsyncDirectory } from '../fs-util';
import { CHUNK_VALUES, ChunkTable } from '../series/chunk-table';
import { RunningSummary } from '../series/running-summary';
import { dirname } from 'node:path';

/** Encoded chunks wait in memory up to this many bytes before they are written. */
const WRITE_BATCH_BYTES = 1 << 20;

/**
 * Writes a version 2 block value by value, with bounded memory (compaction's output): chunks are
 * re-cut at CHUNK_VALUES values, encoded and written as they fill, the index is kept until the
 * end. Like the flush's writeBlock, the file gets its name only once it is complete and durable
 * (temporary name, fsync, rename, fsync of the directory).
 */
export class BlockFileWriter {
  private readonly table = new ChunkTable(64);
  private readonly runs: BlockRun[] = [];
  private readonly stamps = new Float64Array(CHUNK_VALUES);
  private readonly values = new Float64Array(CHUNK_VALUES);
  private readonly summary = new RunningSummary();
  private open = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private written = 0;
  private entry: { id: string; first: number } | undefined;
  valueCount = 0;

  private constructor(
    readonly path: string,
    private readonly handle: StorageFile,
    private readonly fs: StorageFs,
  ) {}

  static async create(path: string, fs: StorageFs = nodeStorageFs): Promise<BlockFileWriter> {
    return new BlockFileWriter(path, await fs.open(`${path}.tmp`, 'create'), fs);
  }

  beginEntry(id: string): void {
    this.entry = { id, first: this.table.length };
  }

  add(stamp: number, value: number): void {
    this.stamps[this.open] = stamp;
    this.values[this.open] = value;
    this.summary.add(stamp, value);
    this.valueCount++;
    if (++this.open === CHUNK_VALUES) this.closeChunk();
  }

  /** Ends the entry begun last; `lastStamp` is the metric's, kept even with no chunk here. */
  endEntry(lastStamp: number): void {
    this.closeChunk();
    const { id, first } = this.entry as { id: string; first: number };
    this.runs.push({ id, first, end: this.table.length, lastStamp });
    this.entry = undefined;
  }

  /** Writes what is waiting once there is enough of it (between input chunks). */
  async drain(): Promise<void> {
    if (this.pendingBytes >= WRITE_BATCH_BYTES) await this.writePending();
  }

  /** Index, footer, fsync, rename into place, fsync of the directory. Returns the file's size. */
  async finish(group: BlockGroup, walCoveredUpTo: number): Promise<number> {
    await this.writePending();
    const dataEnd = this.written;
    const index = encodeIndex(this.table, this.runs, group);
    const footer = encodeFooter({
      indexOffset: dataEnd,
      indexLength: index.length,
      indexCrc: checksum(index),
      walCoveredUpTo,
    });
    await writeFully(this.handle, [index, footer], dataEnd);
    await this.handle.sync();
    await this.handle.close();
    await this.fs.rename(`${this.path}.tmp`, this.path);
    await fsyncDirectory(dirname(this.path), this.fs);
    return dataEnd + index.length + footer.length;
  }

  /** After a failure: closes and removes the temporary file (errors ignored: recovery removes it). */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await this.fs.unlink(`${this.path}.tmp`).catch(() => undefined);
  }

  private closeChunk(): void {
    if (this.open === 0) return;
    const bytes = encodeChunk(this.stamps, this.values, 0, this.open);
    this.table.push(this.summary, this.written + this.pendingBytes, checksum(bytes));
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.open = 0;
    this.summary.reset();
  }

  private async writePending(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const batch = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    await writeFully(this.handle, [Buffer.concat(batch, bytes)], this.written);
    this.written += bytes;
  }
}
