import { join } from 'node:path';
import { nodeStorageFs } from '../io/node-storage-fs';
import type { StorageFile, StorageFs } from '../io/storage-fs';
import { ChunkSummary, ChunkTable } from '../series/chunk-table';
import { HeadSeries } from '../series/head-series';
import type { BlockRun, FlushEntry } from './block-run';
import { fsyncDirectory, sequencedName } from '../fs-util';
import {
  BLOCK_SUFFIX,
  SUMMARY_BYTES,
  checksum,
  chunkBytes,
  encodeFooter,
  paddedChunkBytes,
} from './block-format';

/**
 * The new block: one chunk table for all its chunks (location = byte offset in the file), and
 * for each entry, in order, the rows of its chunks there.
 */
export type WrittenBlock = {
  path: string;
  bytes: number;
  values: number;
  table: ChunkTable;
  runs: BlockRun[];
};

/**
 * Writes frozen heads as one block: to a temporary name, fsynced, then renamed into place and the
 * directory fsynced, so a block file either is complete or does not exist.
 */
export async function writeBlock(
  dir: string,
  seq: number,
  entries: readonly FlushEntry[],
  walCoveredUpTo: number,
  fs: StorageFs = nodeStorageFs,
): Promise<WrittenBlock> {
  const { data, table, runs, values } = encodeData(entries);
  const index = encodeIndex(table, runs);
  const footer = encodeFooter({
    indexOffset: data.length,
    indexLength: index.length,
    indexCrc: checksum(index),
    walCoveredUpTo,
  });
  const path = join(dir, sequencedName(seq, BLOCK_SUFFIX));
  const temporary = `${path}.tmp`;
  const handle = await fs.open(temporary, 'create');
  try {
    await writeFully(handle, [data, index, footer]);
    await handle.sync();
  } catch (error) {
    // The write's error is the one to report; the temporary file is truncated by the retry's
    // open, or removed at the next start.
    await handle.close().catch(() => undefined);
    throw error;
  }
  await handle.close(); // a failed close may mean a failed write-back: not renamed into place
  await fs.rename(temporary, path);
  await fsyncDirectory(dir, fs);
  return { path, bytes: data.length + index.length + footer.length, values, table, runs };
}

/**
 * Writes every byte or throws. writev (like write) may write only part of its buffers when the
 * disk fills up, without an error: a block cut short must never be renamed into place.
 */
async function writeFully(handle: StorageFile, buffers: readonly Buffer[]): Promise<void> {
  let position = 0;
  for (const buffer of buffers) {
    for (let done = 0; done < buffer.length;) {
      const bytesWritten = await handle.write(buffer, done, buffer.length - done, position);
      if (bytesWritten === 0) throw new Error(`short write at ${position} (disk full?)`);
      done += bytesWritten;
      position += bytesWritten;
    }
  }
}

/**
 * The chunks of a frozen head, closed ones first, then the open one: the head itself is not
 * changed (closing its open chunk would allocate a chunk table per metric, ~3 KB each, for
 * every metric at every flush).
 */
function forEachChunk(
  head: HeadSeries,
  visit: (summary: ChunkSummary, start: number, count: number) => void,
): void {
  const chunks = head.chunks;
  for (let c = 0; c < chunks.length; c++) {
    visit(
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
      chunks.count[c],
    );
  }
  if (head.open.count > 0) visit(head.open, head.openStart, head.open.count);
}

function encodeData(entries: readonly FlushEntry[]) {
  let size = 0;
  let values = 0;
  let chunkCount = 0;
  for (const { head } of entries) {
    forEachChunk(head, (_, __, count) => {
      size += paddedChunkBytes(count);
      chunkCount++;
    });
    values += head.length;
  }
  const data = Buffer.from(new ArrayBuffer(size));
  const table = new ChunkTable(Math.max(1, chunkCount));
  const runs: BlockRun[] = [];
  let offset = 0;
  for (const { id, head } of entries) {
    const first = table.length;
    forEachChunk(head, (summary, start, count) => {
      const base = summary.minStamp;
      const values = new Float64Array(data.buffer, offset, count);
      const offsets = new Uint32Array(data.buffer, offset + count * 8, count);
      for (let i = 0; i < count; i++) {
        values[i] = head.values[start + i];
        offsets[i] = head.stamps[start + i] - base;
      }
      table.push(summary, offset, checksum(data.subarray(offset, offset + chunkBytes(count))));
      offset += paddedChunkBytes(count);
    });
    runs.push({ id, first, end: table.length });
  }
  return { data, table, runs, values };
}

function encodeIndex(table: ChunkTable, runs: readonly BlockRun[]): Buffer {
  let size = 4;
  for (const run of runs) size += 1 + run.id.length + 4 + (run.end - run.first) * SUMMARY_BYTES;
  const buf = Buffer.alloc(size);
  let pos = buf.writeUInt32LE(runs.length, 0);
  for (const { id, first, end } of runs) {
    pos = buf.writeUInt8(id.length, pos);
    pos += buf.write(id, pos, 'latin1');
    pos = buf.writeUInt32LE(end - first, pos);
    for (let c = first; c < end; c++) {
      pos = buf.writeDoubleLE(table.minStamp[c], pos);
      pos = buf.writeDoubleLE(table.maxStamp[c], pos);
      pos = buf.writeDoubleLE(table.min[c], pos);
      pos = buf.writeDoubleLE(table.max[c], pos);
      pos = buf.writeDoubleLE(table.sumHi[c], pos);
      pos = buf.writeDoubleLE(table.sumLo[c], pos);
      pos = buf.writeDoubleLE(table.location[c], pos);
      pos = buf.writeUInt32LE(table.count[c], pos);
      pos = buf.writeUInt32LE(table.crc[c], pos);
    }
  }
  return buf;
}
