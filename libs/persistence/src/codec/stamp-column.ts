import type { BitReader } from './bit-reader';
import { type BitWriter, zigzagBytes } from './bit-writer';
import { ChunkFormatError } from './chunk-format-error';
import {
  type Frame,
  differences,
  frameOf,
  framedBytes,
  readFramed,
  writeFramed,
} from './frame-of-reference';

/**
 * The stamp column of a chunk: a server clock gives non-decreasing integer milliseconds, stored as
 * the first stamp plus frame-of-reference packed deltas (or delta-of-deltas), so a regular
 * interval costs zero bits a value. Anything else (fractions, -0, beyond 2^53) stays raw.
 */
export const STAMPS_RAW = 0;
export const STAMPS_DELTA = 1;
export const STAMPS_DELTA_OF_DELTA = 2;

export interface StampPlan {
  mode: number;
  bytes: number;
  /** Delta-of-delta mode: the delta between the first two stamps. */
  firstDelta?: number;
  /** The deltas (or delta-of-deltas) to pack, and their frame; absent for a chunk too short. */
  packed?: Float64Array;
  frame?: Frame;
}

function integral(stamps: ArrayLike<number>, start: number, count: number): boolean {
  for (let i = start; i < start + count; i++) {
    const s = stamps[i];
    if (!Number.isSafeInteger(s) || Object.is(s, -0)) return false;
  }
  return true;
}

/** The smallest applicable mode for stamps[start..start+count), with what writing it needs. */
export function planStamps(stamps: ArrayLike<number>, start: number, count: number): StampPlan {
  const raw: StampPlan = { mode: STAMPS_RAW, bytes: 8 * count };
  if (!integral(stamps, start, count)) return raw;
  const firstBytes = zigzagBytes(stamps[start]);
  if (count === 1) return smallest(raw, { mode: STAMPS_DELTA, bytes: firstBytes });
  const deltas = differences(stamps, start, count);
  if (deltas === undefined) return raw;
  return smallest(
    smallest(raw, framedPlan(STAMPS_DELTA, firstBytes, deltas)),
    deltaOfDeltaPlan(firstBytes, deltas),
  );
}

/** Ties go to the earlier, simpler mode. */
function smallest(a: StampPlan, b: StampPlan | undefined): StampPlan {
  return b !== undefined && b.bytes < a.bytes ? b : a;
}

function framedPlan(mode: number, headerBytes: number, packed: Float64Array, firstDelta?: number) {
  const frame = frameOf(packed);
  if (frame === undefined) return undefined;
  return {
    mode,
    bytes: headerBytes + framedBytes(packed.length, frame),
    firstDelta,
    packed,
    frame,
  };
}

function deltaOfDeltaPlan(firstBytes: number, deltas: Float64Array): StampPlan | undefined {
  const firstDelta = deltas[0];
  const headerBytes = firstBytes + zigzagBytes(firstDelta);
  if (deltas.length === 1) return { mode: STAMPS_DELTA_OF_DELTA, bytes: headerBytes, firstDelta };
  const dods = differences(deltas, 0, deltas.length);
  if (dods === undefined) return undefined;
  return framedPlan(STAMPS_DELTA_OF_DELTA, headerBytes, dods, firstDelta);
}

export function writeStamps(
  writer: BitWriter,
  plan: StampPlan,
  stamps: ArrayLike<number>,
  start: number,
  count: number,
): void {
  if (plan.mode === STAMPS_RAW) {
    writer.writeFloat64s(stamps, start, count);
    return;
  }
  writer.writeZigzag(stamps[start]);
  if (plan.firstDelta !== undefined) writer.writeZigzag(plan.firstDelta);
  if (plan.packed && plan.frame) writeFramed(writer, plan.packed, plan.frame);
}

/** Decodes a stamp column of `count` stamps into out[at..at+count). */
export function readStamps(
  reader: BitReader,
  mode: number,
  count: number,
  out: Float64Array,
  at: number,
): void {
  if (mode === STAMPS_RAW) {
    reader.readFloat64s(out, at, count);
  } else if (mode === STAMPS_DELTA) {
    readDeltas(reader, count, out, at);
  } else if (mode === STAMPS_DELTA_OF_DELTA) {
    readDeltasOfDeltas(reader, count, out, at);
  } else {
    throw new ChunkFormatError(`unknown stamp mode ${mode}`);
  }
}

function readDeltas(reader: BitReader, count: number, out: Float64Array, at: number): void {
  let stamp = reader.readZigzag();
  out[at] = stamp;
  if (count === 1) return;
  const base = readFramed(reader, count - 1, out, at + 1);
  for (let i = at + 1; i < at + count; i++) {
    stamp += base + out[i];
    out[i] = stamp;
  }
}

function readDeltasOfDeltas(reader: BitReader, count: number, out: Float64Array, at: number) {
  let stamp = reader.readZigzag();
  out[at] = stamp;
  if (count === 1) return;
  let delta = reader.readZigzag();
  stamp += delta;
  out[at + 1] = stamp;
  if (count === 2) return;
  const base = readFramed(reader, count - 2, out, at + 2);
  for (let i = at + 2; i < at + count; i++) {
    delta += base + out[i];
    stamp += delta;
    out[i] = stamp;
  }
}
