import { crc32 } from 'node:zlib';

/**
 * Block files: immutable, time-partitioned storage of many metrics, written by a flush.
 *
 *   file   := chunk data... | index | footer
 *   chunk  := f64 value[count] | u32 stampOffset[count] | pad to 8      (at an 8-aligned offset)
 *   index  := u32 entryCount | entry...
 *   entry  := u8 idLength | ASCII id | u32 chunkCount | chunkCount x summary
 *   summary:= f64 minStamp | f64 maxStamp | f64 min | f64 max | f64 sumHi | f64 sumLo
 *             | f64 offset | u32 count | u32 crc32(chunk bytes, without padding)
 *   footer := f64 indexOffset | u32 indexLength | u32 crc32(index) | f64 walCoveredUpTo
 *             | u32 version | u32 magic "PLSB"
 *
 * A value costs 12 bytes (f64 value + u32 stamp offset from the chunk's first stamp) plus 64
 * bytes of summary per chunk of up to 1024 values.
 */
export const BLOCK_SUFFIX = '.blk';
export const FOOTER_BYTES = 32;
export const SUMMARY_BYTES = 64;
export const BLOCK_VERSION = 1;
export const BLOCK_MAGIC = 0x42534c50; // "PLSB" read little-endian

export const chunkBytes = (count: number): number => count * 12;
export const paddedChunkBytes = (count: number): number => Math.ceil((count * 12) / 8) * 8;

export interface BlockFooter {
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
  if (buf.readUInt32LE(24) !== BLOCK_VERSION) return `unknown version ${buf.readUInt32LE(24)}`;
  const footer = {
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
