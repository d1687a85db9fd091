import { FileHandle, open, readFile, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory, listSequenced, sequencedName } from '../fs-util';
import { DecodedBatch, decodeWalRecord } from './wal-format';

const SUFFIX = '.wal';

export interface ReplayReport {
  segments: number;
  records: number;
  values: number;
  /** Bytes cut from torn or corrupt tails, per segment file. */
  cut: { path: string; offset: number; bytes: number }[];
  lastSeq: number;
}

/**
 * The append-only log that makes LOGs durable: one segment file is written at a time; a flush
 * rotates to a new segment, and segments are removed once a block covers them.
 */
export class WriteAheadLog {
  private handle: FileHandle | undefined;
  private offset = 0;
  private needsRepair = false;
  seq = 0;

  constructor(private readonly dir: string) {}

  /** Replays every segment after `coveredUpTo` in order, cutting torn tails; removes covered ones. */
  async replay(coveredUpTo: number, onBatch: (batch: DecodedBatch) => void): Promise<ReplayReport> {
    const report: ReplayReport = { segments: 0, records: 0, values: 0, cut: [], lastSeq: 0 };
    for (const segment of await listSequenced(this.dir, SUFFIX)) {
      report.lastSeq = segment.seq;
      if (segment.seq <= coveredUpTo) {
        await unlink(segment.path);
        continue;
      }
      report.segments++;
      const file = await readFile(segment.path);
      let offset = 0;
      for (let rec = decodeWalRecord(file, offset); rec; rec = decodeWalRecord(file, offset)) {
        onBatch(rec.batch);
        report.records++;
        report.values += rec.batch.stamps.length;
        offset = rec.next;
      }
      if (offset < file.length) {
        await truncate(segment.path, offset);
        report.cut.push({ path: segment.path, offset, bytes: file.length - offset });
      }
    }
    return report;
  }

  /** Starts a new segment after `afterSeq`; returns the number of the segment it closed (or 0). */
  async startSegment(afterSeq = this.seq): Promise<number> {
    const previous = this.handle ? this.seq : 0;
    await this.handle?.close();
    this.seq = afterSeq + 1;
    this.handle = await open(join(this.dir, sequencedName(this.seq, SUFFIX)), 'w');
    this.offset = 0;
    this.needsRepair = false;
    await fsyncDirectory(this.dir);
    return previous;
  }

  /** Writes one record at the end of the segment (to the OS; `sync` makes it durable). */
  async append(record: Buffer): Promise<void> {
    const handle = this.requireHandle();
    if (this.needsRepair) await this.repair(handle);
    try {
      let written = 0;
      while (written < record.length) {
        const { bytesWritten } = await handle.write(
          record,
          written,
          record.length - written,
          this.offset + written,
        );
        written += bytesWritten;
      }
      this.offset += record.length;
    } catch (error) {
      // A partial record must not stay in front of later ones: replay would stop at it.
      this.needsRepair = true;
      await this.repair(handle).catch(() => undefined);
      throw error;
    }
  }

  async sync(): Promise<void> {
    await this.requireHandle().datasync();
  }

  async removeUpTo(seq: number): Promise<number> {
    let removed = 0;
    for (const segment of await listSequenced(this.dir, SUFFIX)) {
      if (segment.seq > seq) break;
      await unlink(segment.path);
      removed++;
    }
    if (removed) await fsyncDirectory(this.dir);
    return removed;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle) {
      await handle.datasync().catch(() => undefined);
      await handle.close();
    }
  }

  private async repair(handle: FileHandle): Promise<void> {
    await handle.truncate(this.offset);
    this.needsRepair = false;
  }

  private requireHandle(): FileHandle {
    if (!this.handle) throw new Error('write-ahead log is closed');
    return this.handle;
  }
}
