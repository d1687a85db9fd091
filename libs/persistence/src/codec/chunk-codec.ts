import { BitReader } from './bit-reader';
import { BitWriter } from './bit-writer';
import { planStamps, readStamps, writeStamps } from './stamp-column';
import { planValues, readValues, writeValues } from './value-column';

export { ChunkFormatError } from './chunk-format-error';

/**
 * Chunk encoding, format version 2. A chunk holds 1..65536 (stamp, value) pairs; the count is not
 * stored (the block index keeps it). Each column takes, per chunk, the smallest of its modes.
 *
 *   chunk := modes:u8 stamps values                  modes = stampMode | valueMode << 4
 *
 *   stamps, by stampMode (1 and 2 only when every stamp is a safe integer other than -0):
 *     0 raw             f64 × count
 *     1 delta           first:zz [count >= 2: frame(d[0..count-2])]
 *     2 delta of delta  first:zz [count >= 2: d[0]:zz] [count >= 3: frame(dd[0..count-3])]
 *                       with d[i] = stamp[i+1] - stamp[i], dd[i] = d[i+1] - d[i]
 *
 *   values, by valueMode (1 and 2 only when every value v is exactly m / 10^e, e in 0..22):
 *     0 raw             f64 × count
 *     1 decimal         e:u8 frame(m[0..count-1])              v[i] = m[i] / 10^e
 *     2 decimal delta   e:u8 m[0]:zz [count >= 2: frame(md[0..count-2])], md[i] = m[i+1] - m[i]
 *     3 xor             v[0] in 64 bits, then for each next value, x = bits(v[i]) ^ bits(v[i-1]):
 *                         0                        x = 0
 *                         1 0, L bits              x >> T in the current window
 *                         1 1, Z:6, L-1:6, L bits  x >> T in a new window: Z leading zero bits,
 *                                                  L meaningful bits, T = 64 - Z - L trailing
 *                       then zero bits to the end of the byte
 *
 *   frame(x[0..n-1]) := base:zz width:u8, then each x[i] - base in `width` bits (0..64; 0 when
 *                       all are equal), then zero bits to the end of the byte
 *   zz   := a safe integer n as the LEB128 varint of 2n (n >= 0) or -2n - 1 (n < 0): 7 bits a
 *           byte, lowest group first, high bit set on every byte but the last; at most 8 bytes
 *   f64  := IEEE 754 binary64, little-endian
 *   bits := fields follow each other with no alignment, each written lowest bit first; bit k of a
 *           bit section is bit (k mod 8) of its byte k div 8
 *
 * The decoder computes m / 10^e with the exact doubles 1, 1e1 .. 1e22, and decimal modes are
 * chosen only when that gives back every value bit for bit. It throws ChunkFormatError on unknown
 * modes, widths above 64, exponents above 22, varints longer than 8 bytes or beyond the safe
 * integers, set padding bits, a new XOR window wider than 64 bits or a reused one before any,
 * and chunks that end early or have bytes left over. Damage that stays well-formed is for the
 * block's crc32 to catch.
 */
export const MAX_CHUNK_VALUES = 65536;

/** Encodes stamps[start..start+count) and values[start..start+count) (1 <= count <= 65536). */
export function encodeChunk(
  stamps: ArrayLike<number>,
  values: ArrayLike<number>,
  start: number,
  count: number,
): Uint8Array {
  checkCount(count);
  if (!(
    Number.isInteger(start) &&
    start >= 0 &&
    start + count <= stamps.length &&
    start + count <= values.length
  )) {
    throw new RangeError(`cannot encode ${count} values from ${start}: inputs too short`);
  }
  const stampPlan = planStamps(stamps, start, count);
  const valuePlan = planValues(values, start, count);
  const size = 1 + stampPlan.bytes + valuePlan.bytes;
  const writer = new BitWriter(size);
  writer.writeByte(stampPlan.mode | (valuePlan.mode << 4));
  writeStamps(writer, stampPlan, stamps, start, count);
  writeValues(writer, valuePlan, values, start, count);
  // The plans' sizes are computed apart from the writing: a mismatch is a bug here, not bad input.
  if (writer.length !== size) throw new Error(`chunk is ${writer.length} bytes, planned ${size}`);
  return writer.bytes;
}

/**
 * Decodes a chunk of `count` values into stamps[at..at+count), values[at..at+count); throws
 * ChunkFormatError when the bytes are not exactly one well-formed chunk of `count` values.
 */
export function decodeChunk(
  bytes: Uint8Array,
  count: number,
  stamps: Float64Array,
  values: Float64Array,
  at = 0,
): void {
  checkCount(count);
  if (!(
    Number.isInteger(at) &&
    at >= 0 &&
    at + count <= stamps.length &&
    at + count <= values.length
  )) {
    throw new RangeError(`cannot decode ${count} values at ${at}: outputs too short`);
  }
  const reader = new BitReader(bytes);
  const modes = reader.readByte();
  readStamps(reader, modes & 0x0f, count, stamps, at);
  readValues(reader, modes >>> 4, count, values, at);
  reader.expectEnd();
}

function checkCount(count: number): void {
  if (!(Number.isInteger(count) && count >= 1 && count <= MAX_CHUNK_VALUES)) {
    throw new RangeError(`a chunk holds 1..${MAX_CHUNK_VALUES} values, not ${count}`);
  }
}
