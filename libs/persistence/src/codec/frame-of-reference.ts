import type { BitReader } from './bit-reader';
import { type BitWriter, zigzagBytes } from './bit-writer';
import { ChunkFormatError } from './chunk-format-error';

/**
 * Frame-of-reference bit packing: integers stored as (x - base) in a fixed bit width, so a run of
 * close integers costs the bits of its spread and a run of equal integers costs nothing.
 * The packed bits are least-significant first; widths above 32 are written and read in pieces,
 * because JavaScript's bitwise operators work on 32 bits.
 */
export interface Frame {
  base: number;
  width: number;
}

const TWO_POW_24 = 16777216;
const TWO_POW_32 = 4294967296;

/** Bits needed for a non-negative safe integer (0 for 0). */
export function bitLength(x: number): number {
  if (x < TWO_POW_32) return 32 - Math.clz32(x);
  return 64 - Math.clz32(Math.floor(x / TWO_POW_32));
}

/**
 * The frame of safe integers xs, or undefined when their spread is not a safe integer (then
 * x - base would be rounded and the decoded sums would drift).
 */
export function frameOf(xs: Float64Array): Frame | undefined {
  let min = xs[0];
  let max = min;
  for (let i = 1; i < xs.length; i++) {
    const x = xs[i];
    if (x < min) min = x;
    else if (x > max) max = x;
  }
  const spread = max - min;
  return Number.isSafeInteger(spread) ? { base: min, width: bitLength(spread) } : undefined;
}

export function packedBytes(count: number, width: number): number {
  return Math.ceil((count * width) / 8);
}

/** Bytes taken by `writeFramed` for `count` integers in `frame`. */
export function framedBytes(count: number, frame: Frame): number {
  return zigzagBytes(frame.base) + 1 + packedBytes(count, frame.width);
}

/** Writes the frame (zigzag base, width byte), then every x - base in `width` bits, padded. */
export function writeFramed(writer: BitWriter, xs: Float64Array, frame: Frame): void {
  const { base, width } = frame;
  writer.writeZigzag(base);
  writer.writeByte(width);
  if (width > 0) for (let i = 0; i < xs.length; i++) writer.writeUint(xs[i] - base, width);
  writer.align();
}

/**
 * Reads what `writeFramed` wrote for `count` integers into out[at..at+count), without adding the
 * base (callers fuse that with their own pass); returns the base.
 */
export function readFramed(reader: BitReader, count: number, out: Float64Array, at: number) {
  const base = reader.readZigzag();
  const width = reader.readWidth();
  unpack(reader.bytes, reader.take(packedBytes(count, width)), count, width, out, at);
  return base;
}

/**
 * Reads `count` packed integers of `width` bits from bytes[offset..] into out[at..at+count).
 * The caller has claimed the bytes (BitReader.take), so the loops read without bounds checks.
 */
function unpack(
  bytes: Uint8Array,
  offset: number,
  count: number,
  width: number,
  out: Float64Array,
  at: number,
): void {
  if (width === 0) {
    out.fill(0, at, at + count);
    return;
  }
  const end = at + count;
  let acc = 0;
  let pending = 0;
  let p = offset;
  if (width <= 24) {
    // acc holds fewer than `width` bits before a byte is added, so it stays below 2^31 and the
    // signed shift (which keeps it a small integer for the JIT, unlike >>>) is exact.
    const mask = (1 << width) - 1;
    for (let i = at; i < end; i++) {
      while (pending < width) {
        acc |= bytes[p++] << pending;
        pending += 8;
      }
      out[i] = acc & mask;
      acc >>= width;
      pending -= width;
    }
  } else {
    // Wider integers in 24-bit pieces, lowest first. A well-formed chunk never exceeds 53 bits;
    // a damaged one of up to 64 decodes to rounded numbers, which the block's crc32 reports.
    for (let i = at; i < end; i++) {
      let value = 0;
      let scale = 1;
      for (let left = width; left > 0;) {
        const n = left < 24 ? left : 24;
        while (pending < n) {
          acc |= bytes[p++] << pending;
          pending += 8;
        }
        value += (acc & ((1 << n) - 1)) * scale;
        acc >>= n;
        pending -= n;
        scale *= TWO_POW_24;
        left -= n;
      }
      out[i] = value;
    }
  }
  if (acc !== 0) throw new ChunkFormatError('non-zero padding bits');
}

/**
 * xs[start+i+1] - xs[start+i] for i in 0..count-2, or undefined when one is not a safe integer
 * (a difference of safe integers can reach 2^54 and be rounded).
 */
export function differences(
  xs: ArrayLike<number>,
  start: number,
  count: number,
): Float64Array | undefined {
  const out = new Float64Array(count - 1);
  for (let i = 0; i < count - 1; i++) {
    const d = xs[start + i + 1] - xs[start + i];
    if (!Number.isSafeInteger(d)) return undefined;
    out[i] = d;
  }
  return out;
}
