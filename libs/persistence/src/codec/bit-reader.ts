import { ChunkFormatError } from './chunk-format-error';

/** A zigzag varint of a safe integer (54 bits) never needs more than 8 bytes of 7 bits. */
const MAX_VARINT_BYTES = 8;
export const MAX_WIDTH = 64;

/**
 * Reads what BitWriter wrote. Every read is bounds-checked and throws ChunkFormatError, so a
 * damaged chunk never surfaces as a RangeError or as zeros read past the end of the buffer.
 * Bits are addressed by position rather than shifted through an accumulator: a read is one
 * little-endian 32-bit load and a shift or two, with no loop over bytes.
 */
export class BitReader {
  /** Position of the next unread bit. */
  private bit = 0;
  private readonly view: DataView;
  private readonly bits: number;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.bits = bytes.length * 8;
  }

  /** The next `n` bits as an unsigned 32-bit integer (a non-negative number), n <= 32. */
  readBits(n: number): number {
    const bit = this.bit;
    const end = bit + n;
    if (end > this.bits) throw new ChunkFormatError('chunk truncated');
    this.bit = end;
    const k = bit >> 3;
    const shift = bit & 7;
    let word = k + 4 <= this.bytes.length ? this.view.getUint32(k, true) : this.tailWord(k);
    word >>>= shift;
    // A read that starts late in a byte spans five bytes; `end` being in range proves the fifth is.
    if (shift + n > 32) word |= this.bytes[k + 4] << (32 - shift);
    // Keeps the low n bits; a mask (1 << n) - 1 would overflow at n = 32.
    return n === 0 ? 0 : (word << (32 - n)) >>> (32 - n);
  }

  /** The last (fewer than four) bytes of the chunk from byte k, little-endian. */
  private tailWord(k: number): number {
    let word = 0;
    for (let i = this.bytes.length - 1; i >= k; i--) word = (word << 8) | this.bytes[i];
    return word >>> 0;
  }

  /** Skips the zero padding of a bit section; set padding bits mean the chunk is damaged. */
  align(): void {
    const used = this.bit & 7;
    if (used === 0) return;
    if (this.bytes[this.bit >> 3] >> used !== 0) {
      throw new ChunkFormatError('non-zero padding bits');
    }
    this.bit += 8 - used;
  }

  /** The next byte; only between bit sections (after `align`). */
  readByte(): number {
    return this.bytes[this.take(1)];
  }

  /** A bit width of a frame-of-reference section: 0..64. */
  readWidth(): number {
    const width = this.readByte();
    if (width > MAX_WIDTH) throw new ChunkFormatError(`bit width ${width} > ${MAX_WIDTH}`);
    return width;
  }

  /** Reads what BitWriter.writeZigzag wrote; anything outside the safe integers is damage. */
  readZigzag(): number {
    let byte = this.readByte();
    const negative = byte & 1;
    let rest = (byte & 0x7f) >>> 1;
    let scale = 64;
    for (let read = 1; byte & 0x80; read++) {
      if (read === MAX_VARINT_BYTES) throw new ChunkFormatError('varint longer than 8 bytes');
      byte = this.readByte();
      rest += (byte & 0x7f) * scale;
      scale *= 128;
    }
    if (rest > Number.MAX_SAFE_INTEGER - negative) {
      throw new ChunkFormatError('varint outside the safe integers');
    }
    return negative ? -rest - 1 : rest;
  }

  /**
   * Claims the next `length` bytes (only between bit sections) for a caller that decodes them
   * itself; returns their offset.
   */
  take(length: number): number {
    const offset = this.bit >> 3;
    if (length > this.bytes.length - offset) throw new ChunkFormatError('chunk truncated');
    this.bit += 8 * length;
    return offset;
  }

  readFloat64s(out: Float64Array, at: number, count: number): void {
    const offset = this.take(8 * count);
    for (let i = 0; i < count; i++) out[at + i] = this.view.getFloat64(offset + 8 * i, true);
  }

  /** The chunk must end exactly here. */
  expectEnd(): void {
    this.align();
    if (this.bit !== this.bits) throw new ChunkFormatError('trailing bytes after chunk');
  }
}
