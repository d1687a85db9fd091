import { nodeStorageFs } from '../io/node-storage-fs';
import type { StorageFile, StorageFs } from '../io/storage-fs';
import { ChunkTable } from '../series/chunk-table';
import type { BlockRun } from './block-run';
import { ChunkFormatError, decodeChunk } from '../codec/chunk-codec';
import {
  BlockFooter,
  FOOTER_BYTES,
  checksum,
  chunkBytes,
  decodeFooter,
  paddedChunkBytes,
} from './block-format';
import type { BlockGroup, BlockLayout } from './block-format';

export class CorruptBlockError extends Error {}

export interface OpenedBlock {
  handle: StorageFile;
  footer: BlockFooter;
  /** Every chunk of the block, each metric's rows together, in index order. */
  table: ChunkTable;
  runs: BlockRun[];
  layout: BlockLayout;
  group: BlockGroup | undefined; // version 1: none
  /** The file's size in bytes. */
  bytes: number;
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
    const layout: BlockLayout = { version: footer.version ?? 1, dataEnd: footer.indexOffset };
    return { handle, footer, layout, bytes: size, ...decodeIndex(index, layout.version) };
  } catch (error) {
    await handle.close().catch(() => undefined); // the read's error is the one to report
    throw error;
  }
}

function decodeIndex(
  buf: Buffer,
  version: 1 | 2,
): { table: ChunkTable; runs: BlockRun[]; group: BlockGroup | undefined } {
  const runs: BlockRun[] = [];
  const count = buf.readUInt32LE(0);
  let pos = 4;
  let group: BlockGroup | undefined;
  if (version === 2) {
    const first = buf.readUInt32LE(4);
    const size = buf.readUInt32LE(8);
    const order = buf.readUInt32LE(12);
    const replaced = Array.from({ length: buf.readUInt32LE(16) }, (_, i) =>
      buf.readUInt32LE(20 + 4 * i),
    );
    group = { first, size, order, replaced };
    pos = 20 + 4 * replaced.length;
  }
  // Every summary is 64 bytes: the index length bounds the table's size.
  const table = new ChunkTable(Math.max(1, Math.floor(buf.length / 64)));
  for (let e = 0; e < count; e++) {
    const idLength = buf[pos];
    const id = buf.toString('latin1', pos + 1, pos + 1 + idLength);
    pos += 1 + idLength;
    let lastStamp = -Infinity;
    if (version === 2) {
      lastStamp = buf.readDoubleLE(pos);
      pos += 8;
    }
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
    if (version === 1 && chunkCount > 0) lastStamp = table.maxStamp[table.length - 1];
    runs.push({ id, first, end: table.length, lastStamp });
  }
  return { table, runs, group };
}

/** Where chunk `c` of a block ends (version 2 chunks lie back to back, in table order). */
function chunkEnd(table: ChunkTable, c: number, layout: BlockLayout): number {
  if (layout.version === 1) return table.location[c] + chunkBytes(table.count[c]);
  return c + 1 < table.length ? table.location[c + 1] : layout.dataEnd;
}

/** Reads `length` bytes at `position` of a block on the calling thread (see WholeBlockReads). */
export type InlineBlockRead = (position: number, length: number) => Buffer;

/**
 * Reads the raw values of chunks first..last-1 of `table` (consecutive in one block file, so one
 * read) and checks each chunk's checksum. Returns aligned arrays per chunk. `inline`: the bytes
 * come from it, on the calling thread, instead of a read on the thread pool.
 */
export async function readChunks(
  handle: StorageFile,
  table: ChunkTable,
  first: number,
  last: number,
  layout: BlockLayout,
  inline?: InlineBlockRead,
): Promise<{ stamps: Float64Array; values: Float64Array }[]> {
  const start = table.location[first];
  const end =
    layout.version === 1
      ? table.location[last - 1] + paddedChunkBytes(table.count[last - 1])
      : chunkEnd(table, last - 1, layout);
  const buf = inline ? inline(start, end - start) : await readAt(handle, start, end - start);
  const out: { stamps: Float64Array; values: Float64Array }[] = [];
  for (let c = first; c < last; c++) {
    const count = table.count[c];
    const at = table.location[c] - start;
    const bytes = buf.subarray(at, chunkEnd(table, c, layout) - start);
    if (checksum(bytes) !== table.crc[c]) {
      throw new CorruptBlockError(`chunk checksum mismatch at offset ${table.location[c]}`);
    }
    if (layout.version === 2) {
      out.push(decodeVersion2(bytes, count, table.location[c]));
      continue;
    }
    const values = new Float64Array(buf.buffer, buf.byteOffset + at, count);
    const offsets = new Uint32Array(buf.buffer, buf.byteOffset + at + count * 8, count);
    const stamps = new Float64Array(count);
    const base = table.minStamp[c];
    for (let i = 0; i < count; i++) stamps[i] = base + offsets[i];
    out.push({ stamps, values });
  }
  return out;
}

function decodeVersion2(
  bytes: Uint8Array,
  count: number,
  offset: number,
): { stamps: Float64Array; values: Float64Array } {
  const stamps = new Float64Array(count);
  const values = new Float64Array(count);
  try {
    decodeChunk(bytes, count, stamps, values);
  } catch (error) {
    if (!(error instanceof ChunkFormatError)) throw error;
    throw new CorruptBlockError(`chunk at offset ${offset} cannot be decoded: ${error.message}`);
  }
  return { stamps, values };
}

/** readAt on the calling thread. */
export function readAtSync(handle: StorageFile, position: number, length: number): Buffer {
  const buf = Buffer.from(new ArrayBuffer(length));
  for (let done = 0; done < length;) {
    const bytesRead = handle.readSync(buf, done, length - done, position + done);
    if (bytesRead === 0)
      throw new CorruptBlockError(`unexpected end of file at ${position + done}`);
    done += bytesRead;
  }
  return buf;
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
