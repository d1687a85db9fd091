import { crc32 } from 'node:zlib';

/**
 * Block files: immutable, time-partitioned storage of many metrics, written by a flush.
 *
 * Version 2 (written since issue 13; libs/persistence/README.md "On-disk format"):
 *   file   := chunk... | index | footer
 *   chunk  := encodeChunk(stamps, values) (codec/chunk-codec.ts), no padding; its length is the
 *             next chunk's offset (or the index offset) minus its own: chunks are written in
 *             index order, back to back
 *   index  := u32 entryCount | u32 groupFirst | u32 groupSize | u32 order | u32 replacedCount
 *             | u32 replacedSeq[replacedCount] | entry...
 *   entry  := u8 idLength | ASCII id | f64 lastStamp | u32 chunkCount | chunkCount x summary
 *   summary:= f64 minStamp | f64 maxStamp | f64 min | f64 max | f64 sumHi | f64 sumLo
 *             | f64 offset | u32 count | u32 crc32(chunk bytes)
 *   footer := f64 indexOffset | u32 indexLength | u32 crc32(index) | f64 walCoveredUpTo
 *             | u32 version | u32 magic "PLSB"
 * groupFirst/groupSize/replaced: the blocks written together by one compaction (numbers
 * groupFirst .. groupFirst + groupSize - 1) and the blocks they replace, so that recovery can
 * finish or undo an interrupted swap; a flush block is a group of one that replaces nothing.
 * order: where the block's data lies in the sequence of blocks (a flush block: its number; a
 * compaction's output: the smallest order of what it replaced, which were adjacent): a metric's
 * runs are read in (order, first stamp) order, which is the order its values arrived in, also
 * for values sharing one millisecond across two blocks.
 * lastStamp: the metric's last stamp, kept even when retention removed all its chunks (the
 * metric answers `200 []` for one more retention period).
 *
 * Version 1 (read, never written): no group header, no lastStamp, and
 *   chunk  := f64 value[count] | u32 stampOffset[count] | pad to 8      (at an 8-aligned offset)
 * A value cost 12 bytes there; version 2 costs 0.1-3 bytes on the benchmark's data shapes.
 */
export const BLOCK_SUFFIX = '.blk';
export const FOOTER_BYTES = 32;
export const SUMMARY_BYTES = 64;
export const BLOCK_VERSION = 2;
export const BLOCK_MAGIC = 0x42534c50; // "PLSB" read little-endian

/** Version 1 chunk sizes (f64 value + u32 stamp offset per value). */
export const chunkBytes = (count: number): number => count * 12;
export const paddedChunkBytes = (count: number): number => Math.ceil((count * 12) / 8) * 8;

/** What a reader needs to find a chunk's bytes: the format version and where the data ends. */
export interface BlockLayout {
  version: 1 | 2;
  /** Offset of the index: the end of the last chunk. */
  dataEnd: number;
}

/** The compaction group a block belongs to (see the format above). */
export interface BlockGroup {
  first: number;
  size: number;
  order: number;
  replaced: number[];
}

export interface BlockFooter {
  version?: 1 | 2;
  indexOffset: number;
  indexLength: number;
  indexCrc: number;
  walCoveredUpTo: number;
}

export function encodeFooter(footer: BlockFooter): Buffer {
  const buf = Buffer.alloc(FOOTER_BYTES);
  buf.writeDoubleLE(footer.indexOffset, 0);
  buf.writeUInt32LE(footer.indexLength, 8);
  buf.writeUInt32LE(footer.indexCrc, 12);
  buf.writeDoubleLE(footer.walCoveredUpTo, 16);
  buf.writeUInt32LE(BLOCK_VERSION, 24);
  buf.writeUInt32LE(BLOCK_MAGIC, 28);
  return buf;
}

/** Parses a footer, or explains why the file is not a complete block. */
export function decodeFooter(buf: Buffer, fileSize: number): BlockFooter | string {
  if (buf.length !== FOOTER_BYTES) return 'file too short for a footer';
  if (buf.readUInt32LE(28) !== BLOCK_MAGIC) return 'bad magic number';
  const version = buf.readUInt32LE(24);
  if (version !== 1 && version !== 2) return `unknown version ${version}`;
  const footer = {
    version: version as 1 | 2,
    indexOffset: buf.readDoubleLE(0),
    indexLength: buf.readUInt32LE(8),
    indexCrc: buf.readUInt32LE(12),
    walCoveredUpTo: buf.readDoubleLE(16),
  };
  if (footer.indexOffset + footer.indexLength + FOOTER_BYTES !== fileSize)
    return 'bad index bounds';
  return footer;
}

export const checksum = (bytes: Uint8Array): number => crc32(bytes);
