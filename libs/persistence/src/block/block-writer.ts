import { FileHandle, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ChunkTable } from '../series/chunk-table';
import { HeadSeries } from '../series/head-series';
import { fsyncDirectory, sequencedName } from '../fs-util';
import {
  BLOCK_SUFFIX,
  SUMMARY_BYTES,
  checksum,
  chunkBytes,
  encodeFooter,
  paddedChunkBytes,
} from './block-format';

export interface FlushEntry {
  id: string;
  head: HeadSeries;
}

/** Where each entry's chunks landed in the new block (offsets, in the entry's chunk order). */
export type WrittenBlock = { path: string; bytes: number; values: number; chunks: ChunkTable[] };

/**
 * Writes frozen heads as one block: to a temporary name, fsynced, then renamed into place and the
 * directory fsynced, so a block file either is complete or does not exist.
 */
export async function writeBlock(
  dir: string,
  seq: number,
  entries: readonly FlushEntry[],
  walCoveredUpTo: number,
): Promise<WrittenBlock> {
  for (const entry of entries) entry.head.closeChunk();
  const { data, chunks, values } = encodeData(entries);
  const index = encodeIndex(entries, chunks);
  const footer = encodeFooter({
    indexOffset: data.length,
    indexLength: index.length,
    indexCrc: checksum(index),
    walCoveredUpTo,
  });
  const path = join(dir, sequencedName(seq, BLOCK_SUFFIX));
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await writeFully(handle, [data, index, footer]);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  await fsyncDirectory(dir);
  return { path, bytes: data.length + index.length + footer.length, values, chunks };
}

/**
 * Writes every byte or throws. writev (like write) may write only part of its buffers when the
 * disk fills up, without an error: a block cut short must never be renamed into place.
 */
async function writeFully(handle: FileHandle, buffers: readonly Buffer[]): Promise<void> {
  let position = 0;
  for (const buffer of buffers) {
    for (let done = 0; done < buffer.length;) {
      const { bytesWritten } = await handle.write(buffer, done, buffer.length - done, position);
      if (bytesWritten === 0) throw new Error(`short write at ${position} (disk full?)`);
      done += bytesWritten;
      position += bytesWritten;
    }
  }
}

function encodeData(entries: readonly FlushEntry[]) {
  let size = 0;
  let values = 0;
  for (const { head } of entries) {
    for (let c = 0; c < head.chunks.length; c++) size += paddedChunkBytes(head.chunks.count[c]);
    values += head.length;
  }
  const data = Buffer.from(new ArrayBuffer(size));
  const chunks: ChunkTable[] = [];
  let offset = 0;
  for (const { head } of entries) {
    const placed = new ChunkTable(head.chunks.length);
    for (let c = 0; c < head.chunks.length; c++) {
      const count = head.chunks.count[c];
      const first = head.chunks.location[c];
      const base = head.chunks.minStamp[c];
      new Float64Array(data.buffer, offset, count).set(head.values.subarray(first, first + count));
      const offsets = new Uint32Array(data.buffer, offset + count * 8, count);
      for (let i = 0; i < count; i++) offsets[i] = head.stamps[first + i] - base;
      placed.push(
        {
          minStamp: base,
          maxStamp: head.chunks.maxStamp[c],
          count,
          min: head.chunks.min[c],
          max: head.chunks.max[c],
          sumHi: head.chunks.sumHi[c],
          sumLo: head.chunks.sumLo[c],
        },
        offset,
        0,
        checksum(data.subarray(offset, offset + chunkBytes(count))),
      );
      offset += paddedChunkBytes(count);
    }
    chunks.push(placed);
  }
  return { data, chunks, values };
}

function encodeIndex(entries: readonly FlushEntry[], chunks: readonly ChunkTable[]): Buffer {
  let size = 4;
  entries.forEach(
    (entry, e) => (size += 1 + entry.id.length + 4 + chunks[e].length * SUMMARY_BYTES),
  );
  const buf = Buffer.alloc(size);
  let pos = buf.writeUInt32LE(entries.length, 0);
  entries.forEach((entry, e) => {
    const table = chunks[e];
    pos = buf.writeUInt8(entry.id.length, pos);
    pos += buf.write(entry.id, pos, 'latin1');
    pos = buf.writeUInt32LE(table.length, pos);
    for (let c = 0; c < table.length; c++) {
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
  });
  return buf;
}
