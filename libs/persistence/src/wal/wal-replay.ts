import { listSequenced } from '../fs-util';
import { nodeStorageFs } from '../io/node-storage-fs';
import type { StorageFs } from '../io/storage-fs';
import { DecodedBatch, WAL_SUFFIX, decodeWalRecord } from './wal-format';

export interface ReplayReport {
  segments: number;
  records: number;
  values: number;
  /** Bytes cut from torn or corrupt tails, per segment file. */
  cut: { path: string; offset: number; bytes: number }[];
  /** The highest segment number found (0 if none). */
  lastSeq: number;
}

/**
 * Start-up: replays every WAL segment numbered after `coveredUpTo` in order, cutting torn tails
 * (a write a crash interrupted: replay stops at the first incomplete or corrupt record), and
 * removes the segments a block already covers (a crash between a block's rename and the trim).
 */
export async function replayWal(
  dir: string,
  coveredUpTo: number,
  onBatch: (batch: DecodedBatch) => void,
  fs: StorageFs = nodeStorageFs,
): Promise<ReplayReport> {
  const report: ReplayReport = { segments: 0, records: 0, values: 0, cut: [], lastSeq: 0 };
  for (const segment of await listSequenced(dir, WAL_SUFFIX, fs)) {
    report.lastSeq = segment.seq;
    if (segment.seq <= coveredUpTo) {
      await fs.unlink(segment.path);
      continue;
    }
    report.segments++;
    const file = await fs.readFile(segment.path);
    let offset = 0;
    for (let rec = decodeWalRecord(file, offset); rec; rec = decodeWalRecord(file, offset)) {
      onBatch(rec.batch);
      report.records++;
      report.values += rec.batch.stamps.length;
      offset = rec.next;
    }
    if (offset < file.length) {
      await fs.truncate(segment.path, offset);
      // Zeros past the last record are preallocated space, not damage: only report real bytes.
      const torn = lastNonZero(file, offset) - offset;
      if (torn > 0) report.cut.push({ path: segment.path, offset, bytes: torn });
    }
  }
  return report;
}

/** One past the last non-zero byte of `buf` at or after `from` (or `from` if all are zero). */
function lastNonZero(buf: Buffer, from: number): number {
  let end = buf.length;
  while (end > from && buf[end - 1] === 0) end--;
  return end;
}
