import type { BitReader } from './bit-reader';
import { BitWriter } from './bit-writer';
import { ChunkFormatError } from './chunk-format-error';

/**
 * Gorilla XOR values (Pelkonen et al., VLDB 2015; Prometheus tsdb/chunkenc/xor.go): the first
 * value's 64 bits, then each value's bits XORed with the previous value's:
 *   bit 0             same bits as the previous value
 *   bits 1,0 + m      the XOR's meaningful bits fit the current window: window-length bits
 *   bits 1,1 + w + m  a new window: 6 bits leading zeros, 6 bits (length - 1), then length bits
 * Unlike Gorilla's 5-bit leading count this one is not capped at 31, and a window is reused only
 * while that is cheaper than opening a tighter one. The 64-bit patterns are handled as two 32-bit
 * words through a shared scratch double, so no value allocates.
 */
const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = 1 - LO;
/** Bits of a new window's header beyond the control bits: leading zeros and length - 1. */
const WINDOW_HEADER_BITS = 12;

function trailingZeros32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** The Gorilla XOR stream of values[start..start+count), padded to a byte. */
export function encodeXor(values: ArrayLike<number>, start: number, count: number): Uint8Array {
  // Worst case per value: 2 control bits, 12 header bits, 64 meaningful bits.
  const writer = new BitWriter(8 + Math.ceil((count * 78) / 8));
  scratch[0] = values[start];
  let prevHi = words[HI];
  let prevLo = words[LO];
  writer.writeUint32(prevLo, 32);
  writer.writeUint32(prevHi, 32);
  let windowLead = -1; // no window yet
  let windowTrail = 0;
  for (let i = 1; i < count; i++) {
    scratch[0] = values[start + i];
    const hi = words[HI];
    const lo = words[LO];
    const xorHi = (hi ^ prevHi) >>> 0;
    const xorLo = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    if (xorHi === 0 && xorLo === 0) {
      writer.writeBits(0, 1);
      continue;
    }
    const lead = xorHi !== 0 ? Math.clz32(xorHi) : 32 + Math.clz32(xorLo);
    const trail = xorLo !== 0 ? trailingZeros32(xorLo) : 32 + trailingZeros32(xorHi);
    const length = 64 - lead - trail;
    const windowLength = 64 - windowLead - windowTrail;
    if (
      windowLead >= 0 &&
      lead >= windowLead &&
      trail >= windowTrail &&
      windowLength <= length + WINDOW_HEADER_BITS
    ) {
      writer.writeBits(0b01, 2); // a 1 bit, then a 0 bit
      writeShiftedRight(writer, xorHi, xorLo, windowTrail, windowLength);
    } else {
      writer.writeBits(0b11 | (lead << 2) | ((length - 1) << 8), 14);
      writeShiftedRight(writer, xorHi, xorLo, trail, length);
      windowLead = lead;
      windowTrail = trail;
    }
  }
  writer.align();
  return writer.bytes.subarray(0, writer.length);
}

/** Writes the low `length` bits of (hi:lo) >> shift, low word first. */
function writeShiftedRight(w: BitWriter, hi: number, lo: number, shift: number, length: number) {
  let low = lo;
  let high = hi;
  if (shift >= 32) {
    low = hi >>> (shift - 32);
    high = 0;
  } else if (shift > 0) {
    low = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
    high = hi >>> shift;
  }
  if (length <= 32) {
    w.writeUint32(low, length);
  } else {
    w.writeUint32(low, 32);
    w.writeUint32(high, length - 32);
  }
}

/** Reads `count` XOR-encoded values into out[at..at+count) and the padding after them. */
export function decodeXor(reader: BitReader, count: number, out: Float64Array, at: number): void {
  let lo = reader.readBits(32);
  let hi = reader.readBits(32);
  words[LO] = lo;
  words[HI] = hi;
  out[at] = scratch[0];
  let windowLead = -1;
  let windowTrail = 0;
  for (let i = at + 1; i < at + count; i++) {
    if (reader.readBits(1) !== 0) {
      if (reader.readBits(1) !== 0) {
        const header = reader.readBits(WINDOW_HEADER_BITS);
        windowLead = header & 63;
        windowTrail = 64 - windowLead - ((header >> 6) + 1);
        if (windowTrail < 0) throw new ChunkFormatError('xor window wider than 64 bits');
      } else if (windowLead < 0) {
        throw new ChunkFormatError('xor window reused before one was opened');
      }
      const length = 64 - windowLead - windowTrail;
      let xorLo: number;
      let xorHi = 0;
      if (length <= 32) {
        xorLo = reader.readBits(length);
      } else {
        xorLo = reader.readBits(32);
        xorHi = reader.readBits(length - 32);
      }
      const shift = windowTrail;
      if (shift >= 32) {
        xorHi = xorLo << (shift - 32);
        xorLo = 0;
      } else if (shift > 0) {
        xorHi = (xorHi << shift) | (xorLo >>> (32 - shift));
        xorLo = xorLo << shift;
      }
      hi ^= xorHi;
      lo ^= xorLo;
      words[HI] = hi;
      words[LO] = lo;
    }
    out[i] = scratch[0];
  }
  reader.align();
}
