/**
 * Writes a chunk's bytes: bit sections packed least-significant bit first, and the byte-aligned
 * pieces between them (zigzag varints, widths, raw doubles). The buffer is sized exactly by the
 * caller, since every section's size is known before it is written.
 */
export class BitWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos = 0;
  /** Bits not yet flushed to `bytes` (always fewer than 8 between calls), lowest first. */
  private acc = 0;
  private pending = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Bytes written so far, counting a partly filled last byte. */
  get length(): number {
    return this.pos + (this.pending > 0 ? 1 : 0);
  }

  /** Appends the low `n` bits of `value`, n <= 24 (so `acc` never reaches its sign bit). */
  writeBits(value: number, n: number): void {
    this.acc |= (value & ((1 << n) - 1)) << this.pending;
    this.pending += n;
    while (this.pending >= 8) {
      this.bytes[this.pos++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.pending -= 8;
    }
  }

  /** Appends the low `n` bits of an unsigned 32-bit value, n <= 32. */
  writeUint32(value: number, n: number): void {
    if (n <= 24) {
      this.writeBits(value, n);
    } else {
      this.writeBits(value & 0xffff, 16);
      this.writeBits(value >>> 16, n - 16);
    }
  }

  /** Appends a non-negative safe integer in `n` bits, n <= 53; split in 32-bit halves (no BigInt). */
  writeUint(value: number, n: number): void {
    if (n <= 32) {
      this.writeUint32(value, n);
    } else {
      this.writeUint32(value >>> 0, 32); // ToUint32 is the value modulo 2^32
      this.writeUint32(Math.floor(value / 4294967296), n - 32);
    }
  }

  /** Pads the last byte with zero bits, so that byte-aligned pieces can follow. */
  align(): void {
    if (this.pending > 0) {
      this.bytes[this.pos++] = this.acc;
      this.acc = 0;
      this.pending = 0;
    }
  }

  writeByte(value: number): void {
    this.bytes[this.pos++] = value;
  }

  writeBytes(src: Uint8Array): void {
    this.bytes.set(src, this.pos);
    this.pos += src.length;
  }

  /**
   * A safe integer as a zigzag LEB128 varint: 2n for n >= 0, -2n - 1 for n < 0. Built seven bits
   * at a time from |n| because 2n + 1 is not exactly representable above 2^53.
   */
  writeZigzag(n: number): void {
    const negative = n < 0;
    let rest = negative ? -n - 1 : n;
    let group = ((rest % 64) << 1) | (negative ? 1 : 0);
    rest = Math.floor(rest / 64);
    while (rest > 0) {
      this.bytes[this.pos++] = group | 0x80;
      group = rest % 128;
      rest = Math.floor(rest / 128);
    }
    this.bytes[this.pos++] = group;
  }

  writeFloat64s(src: ArrayLike<number>, start: number, count: number): void {
    for (let i = 0; i < count; i++) this.view.setFloat64(this.pos + 8 * i, src[start + i], true);
    this.pos += 8 * count;
  }
}

/** Bytes taken by `writeZigzag(n)`. */
export function zigzagBytes(n: number): number {
  let rest = Math.floor((n < 0 ? -n - 1 : n) / 64);
  let bytes = 1;
  while (rest > 0) {
    bytes++;
    rest = Math.floor(rest / 128);
  }
  return bytes;
}
