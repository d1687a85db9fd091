import { nodeStorageFs } from '../io/node-storage-fs';
import type { StorageFile, StorageFs } from '../io/storage-fs';
import { ChunkTable } from '../series/chunk-table';
import type { BlockRun } from './block-run';
import {
  BlockFooter,
  FOOTER_BYTES,
  checksum,
  chunkBytes,
  decodeFooter,
  paddedChunkBytes,
} from './block-format';

export class CorruptBlockError extends Error {}

export interface OpenedBlock {
  handle: StorageFile;
  footer: BlockFooter;
  /** Every chunk of the block, each metric's rows together, in index order. */
  table: ChunkTable;
  runs: BlockRun[];
}

/** Opens a block and reads its index (not its data); throws CorruptBlockError if it is damaged. */
export async function openBlock(path: string, fs: StorageFs = nodeStorageFs): Promise<OpenedBlock> {
  const handle = await fs.open(path, 'read');
  try {
    const size = await handle.size();
    if (size < FOOTER_BYTES) throw new CorruptBlockError('file too short for a footer');
    const footer = decodeFooter(await readAt(handle, size - FOOTER_BYTES, FOOTER_BYTES), size);
    if (typeof footer === 'string') throw new CorruptBlockError(footer);
    const index = await readAt(handle, footer.indexOffset, footer.indexLength);
    if (checksum(index) !== footer.indexCrc) throw new CorruptBlockError('index checksum mismatch');
    return { handle, footer, ...decodeIndex(index) };
  } catch (error) {
    await handle.close().catch(() => undefined); // the read's error is the one to report
    throw error;
  }
}

function decodeIndex(buf: Buffer): { table: ChunkTable; runs: BlockRun[] } {
  const runs: BlockRun[] = [];
  const count = buf.readUInt32LE(0);
  // Every summary is 64 bytes: the index length bounds the table's size.
  const table = new ChunkTable(Math.max(1, Math.floor(buf.length / 64)));
  let pos = 4;
  for (let e = 0; e < count; e++) {
    const idLength = buf[pos];
    const id = buf.toString('latin1', pos + 1, pos + 1 + idLength);
    pos += 1 + idLength;
    const chunkCount = buf.readUInt32LE(pos);
    pos += 4;
    const first = table.length;
    for (let c = 0; c < chunkCount; c++, pos += 64) {
      table.push(
        {
          minStamp: buf.readDoubleLE(pos),
          maxStamp: buf.readDoubleLE(pos + 8),
          min: buf.readDoubleLE(pos + 16),
          max: buf.readDoubleLE(pos + 24),
          sumHi: buf.readDoubleLE(pos + 32),
          sumLo: buf.readDoubleLE(pos + 40),
          count: buf.readUInt32LE(pos + 56),
        },
        buf.readDoubleLE(pos + 48),
        buf.readUInt32LE(pos + 60),
      );
    }
    runs.push({ id, first, end: table.length });
  }
  return { table, runs };
}

/**
 * Reads the raw values of chunks first..last-1 of `table` (consecutive in one block file, so one
 * read) and checks each chunk's checksum. Returns aligned arrays per chunk.
 */
export async function readChunks(
  handle: StorageFile,
  table: ChunkTable,
  first: number,
  last: number,
): Promise<{ stamps: Float64Array; values: Float64Array }[]> {
  const start = table.location[first];
  const end = table.location[last - 1] + paddedChunkBytes(table.count[last - 1]);
  const buf = await readAt(handle, start, end - start);
  const out: { stamps: Float64Array; values: Float64Array }[] = [];
  for (let c = first; c < last; c++) {
    const count = table.count[c];
    const at = table.location[c] - start;
    if (checksum(buf.subarray(at, at + chunkBytes(count))) !== table.crc[c]) {
      throw new CorruptBlockError(`chunk checksum mismatch at offset ${table.location[c]}`);
    }
    const values = new Float64Array(buf.buffer, at, count);
    const offsets = new Uint32Array(buf.buffer, at + count * 8, count);
    const stamps = new Float64Array(count);
    const base = table.minStamp[c];
    for (let i = 0; i < count; i++) stamps[i] = base + offsets[i];
    out.push({ stamps, values });
  }
  return out;
}

/** Reads exactly `length` bytes at `position` into a fresh, 8-aligned buffer. */
async function readAt(handle: StorageFile, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.from(new ArrayBuffer(length));
  let done = 0;
  while (done < length) {
    const bytesRead = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0)
      throw new CorruptBlockError(`unexpected end of file at ${position + done}`);
    done += bytesRead;
  }
  return buf;
}
