import type { BitReader } from './bit-reader';
import { type BitWriter, zigzagBytes } from './bit-writer';
import { ChunkFormatError } from './chunk-format-error';
import { MAX_EXPONENT, POW10, decimalExponent, mantissas } from './decimal';
import {
  type Frame,
  differences,
  frameOf,
  framedBytes,
  readFramed,
  writeFramed,
} from './frame-of-reference';
import { decodeXor, encodeXor } from './gorilla-xor';

/**
 * The value column of a chunk. Decimals (m / 10^e) are packed as their mantissas, or as the
 * mantissas' deltas when the series moves in small steps; any other doubles go through Gorilla
 * XOR, or stay raw when XOR would not be smaller.
 */
export const VALUES_RAW = 0;
export const VALUES_DECIMAL = 1;
export const VALUES_DECIMAL_DELTA = 2;
export const VALUES_XOR = 3;

export interface ValuePlan {
  mode: number;
  bytes: number;
  exponent?: number;
  /** Decimal delta mode: the first mantissa. */
  first?: number;
  /** The mantissas (or their deltas) to pack, and their frame. */
  packed?: Float64Array;
  frame?: Frame;
  xor?: Uint8Array;
}

/** The smallest applicable mode for values[start..start+count), with what writing it needs. */
export function planValues(values: ArrayLike<number>, start: number, count: number): ValuePlan {
  const raw: ValuePlan = { mode: VALUES_RAW, bytes: 8 * count };
  const exponent = decimalExponent(values, start, count);
  if (exponent < 0) {
    const xor = encodeXor(values, start, count);
    return xor.length < raw.bytes ? { mode: VALUES_XOR, bytes: xor.length, xor } : raw;
  }
  const ms = mantissas(values, start, count, exponent);
  return smallest(smallest(raw, decimalPlan(exponent, ms)), decimalDeltaPlan(exponent, ms));
}

/** Ties go to the earlier, simpler mode. */
function smallest(a: ValuePlan, b: ValuePlan | undefined): ValuePlan {
  return b !== undefined && b.bytes < a.bytes ? b : a;
}

function decimalPlan(exponent: number, ms: Float64Array): ValuePlan | undefined {
  const frame = frameOf(ms);
  if (frame === undefined) return undefined;
  const bytes = 1 + framedBytes(ms.length, frame);
  return { mode: VALUES_DECIMAL, bytes, exponent, packed: ms, frame };
}

function decimalDeltaPlan(exponent: number, ms: Float64Array): ValuePlan | undefined {
  const first = ms[0];
  const headerBytes = 1 + zigzagBytes(first);
  if (ms.length === 1) return { mode: VALUES_DECIMAL_DELTA, bytes: headerBytes, exponent, first };
  const deltas = differences(ms, 0, ms.length);
  const frame = deltas && frameOf(deltas);
  if (deltas === undefined || frame === undefined) return undefined;
  const bytes = headerBytes + framedBytes(deltas.length, frame);
  return { mode: VALUES_DECIMAL_DELTA, bytes, exponent, first, packed: deltas, frame };
}

export function writeValues(
  writer: BitWriter,
  plan: ValuePlan,
  values: ArrayLike<number>,
  start: number,
  count: number,
): void {
  if (plan.mode === VALUES_RAW) {
    writer.writeFloat64s(values, start, count);
  } else if (plan.xor !== undefined) {
    writer.writeBytes(plan.xor);
  } else {
    writer.writeByte(plan.exponent ?? 0);
    if (plan.first !== undefined) writer.writeZigzag(plan.first);
    if (plan.packed && plan.frame) writeFramed(writer, plan.packed, plan.frame);
  }
}

/** Decodes a value column of `count` values into out[at..at+count). */
export function readValues(
  reader: BitReader,
  mode: number,
  count: number,
  out: Float64Array,
  at: number,
): void {
  if (mode === VALUES_RAW) {
    reader.readFloat64s(out, at, count);
  } else if (mode === VALUES_DECIMAL) {
    readDecimals(reader, count, out, at);
  } else if (mode === VALUES_DECIMAL_DELTA) {
    readDecimalDeltas(reader, count, out, at);
  } else if (mode === VALUES_XOR) {
    decodeXor(reader, count, out, at);
  } else {
    throw new ChunkFormatError(`unknown value mode ${mode}`);
  }
}

function readExponent(reader: BitReader): number {
  const exponent = reader.readByte();
  if (exponent > MAX_EXPONENT) {
    throw new ChunkFormatError(`decimal exponent ${exponent} > ${MAX_EXPONENT}`);
  }
  return exponent;
}

function readDecimals(reader: BitReader, count: number, out: Float64Array, at: number): void {
  const scale = POW10[readExponent(reader)];
  const base = readFramed(reader, count, out, at);
  for (let i = at; i < at + count; i++) out[i] = (base + out[i]) / scale;
}

function readDecimalDeltas(reader: BitReader, count: number, out: Float64Array, at: number) {
  const scale = POW10[readExponent(reader)];
  let mantissa = reader.readZigzag();
  out[at] = mantissa / scale;
  if (count === 1) return;
  const base = readFramed(reader, count - 1, out, at + 1);
  for (let i = at + 1; i < at + count; i++) {
    mantissa += base + out[i];
    out[i] = mantissa / scale;
  }
}
