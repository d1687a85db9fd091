import { join } from 'node:path';
import { nodeStorageFs } from '../io/node-storage-fs';
import type { StorageFile, StorageFs } from '../io/storage-fs';
import { ChunkSummary, ChunkTable } from '../series/chunk-table';
import { HeadSeries } from '../series/head-series';
import type { BlockRun, FlushEntry } from './block-run';
import { fsyncDirectory, sequencedName } from '../fs-util';
import { encodeChunk } from '../codec/chunk-codec';
import { BLOCK_SUFFIX, SUMMARY_BYTES, checksum, encodeFooter } from './block-format';
import type { BlockGroup, BlockLayout } from './block-format';

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
  layout: BlockLayout;
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
  const index = encodeIndex(table, runs, { first: seq, size: 1, order: seq, replaced: [] });
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
  return {
    path,
    bytes: data.length + index.length + footer.length,
    values,
    table,
    runs,
    layout: { version: 2, dataEnd: data.length },
  };
}

/**
 * Writes every byte or throws. writev (like write) may write only part of its buffers when the
 * disk fills up, without an error: a block cut short must never be renamed into place.
 */
export async function writeFully(
  handle: StorageFile,
  buffers: readonly Uint8Array[],
  start = 0,
): Promise<void> {
  let position = start;
  for (const bytes of buffers) {
    const buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
  if (head.openCount > 0) visit(head.summariseOpen(), head.openStart, head.openCount);
}

function encodeData(entries: readonly FlushEntry[]) {
  let chunkCount = 0;
  let values = 0;
  for (const { head } of entries) {
    chunkCount += head.chunks.length + (head.openCount > 0 ? 1 : 0);
    values += head.length;
  }
  const encoded: Uint8Array[] = [];
  const table = new ChunkTable(Math.max(1, chunkCount));
  const runs: BlockRun[] = [];
  let offset = 0;
  for (const { id, head } of entries) {
    const first = table.length;
    forEachChunk(head, (summary, start, count) => {
      const bytes = encodeChunk(head.stamps, head.values, start, count);
      table.push(summary, offset, checksum(bytes));
      encoded.push(bytes);
      offset += bytes.length;
    });
    runs.push({ id, first, end: table.length, lastStamp: head.lastStamp() });
  }
  return { data: Buffer.concat(encoded, offset), table, runs, values };
}

/** The version 2 index (block-format.ts): the group header, then each entry and its summaries. */
export function encodeIndex(
  table: ChunkTable,
  runs: readonly BlockRun[],
  group: BlockGroup,
): Buffer {
  let size = 20 + 4 * group.replaced.length;
  for (const run of runs) size += 1 + run.id.length + 8 + 4 + (run.end - run.first) * SUMMARY_BYTES;
  const buf = Buffer.alloc(size);
  let pos = buf.writeUInt32LE(runs.length, 0);
  pos = buf.writeUInt32LE(group.first, pos);
  pos = buf.writeUInt32LE(group.size, pos);
  pos = buf.writeUInt32LE(group.order, pos);
  pos = buf.writeUInt32LE(group.replaced.length, pos);
  for (const seq of group.replaced) pos = buf.writeUInt32LE(seq, pos);
  for (const { id, first, end, lastStamp } of runs) {
    pos = buf.writeUInt8(id.length, pos);
    pos += buf.write(id, pos, 'latin1');
    pos = buf.writeDoubleLE(lastStamp, pos);
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
