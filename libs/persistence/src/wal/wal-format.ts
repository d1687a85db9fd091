import { crc32 } from 'node:zlib';

/**
 * Write-ahead log records. One record holds one group commit (any number of values of any
 * number of metrics), so one write and one fdatasync make a whole batch durable.
 *
 *   record := u32 bodyLength | u32 crc32(body) | body
 *   body   := u32 valueCount | u32 idCount | idCount x (u8 length, ASCII id)
 *             | pad to 4 | valueCount x u32 id index | pad to 8
 *             | valueCount x f64 stamp (ms since epoch) | valueCount x f64 value
 *
 * Little-endian. A bodyLength of 0 marks the end (a preallocated, zero-filled tail); a record
 * whose length runs past the file or whose checksum fails is a torn write and ends the log.
 */
/** Segment files are named `<10-digit sequence>.wal`. */
export const WAL_SUFFIX = '.wal';
export const RECORD_HEADER_BYTES = 8;
const MAX_BODY_BYTES = 512 * 1024 * 1024;

export interface WalBatchSource {
  count: number;
  ids: readonly string[];
  idIndex: Uint32Array;
  stamps: Float64Array;
  values: Float64Array;
}

export interface DecodedBatch {
  ids: string[];
  idIndex: Uint32Array;
  stamps: Float64Array;
  values: Float64Array;
}

const align = (n: number, to: number): number => Math.ceil(n / to) * to;
/** Up to this many values, a record's arrays are written value by value. */
const FEW_VALUES = 8;

function layout(count: number, idBytes: number) {
  // Offsets are relative to the record start; the header is 8 bytes so body alignment holds.
  const idsStart = RECORD_HEADER_BYTES + 8;
  const indexStart = align(idsStart + idBytes, 4);
  const stampsStart = align(indexStart + count * 4, 8);
  const valuesStart = stampsStart + count * 8;
  return { idsStart, indexStart, stampsStart, valuesStart, end: valuesStart + count * 8 };
}

/** The record of `batch` in a buffer of its own. */
export function encodeWalRecord(batch: WalBatchSource): Buffer {
  const buf = Buffer.from(new ArrayBuffer(walRecordBytes(batch)));
  writeWalRecord(batch, buf);
  return buf;
}

/** The size of `batch`'s record, header included. */
export function walRecordBytes(batch: WalBatchSource): number {
  let idBytes = 0;
  for (const id of batch.ids) idBytes += 1 + id.length;
  return layout(batch.count, idBytes).end;
}

/**
 * Writes `batch`'s record at the start of `buf` (at least walRecordBytes long, its byteOffset a
 * multiple of 8 so that the stamps and values are aligned) and returns its length. Every byte
 * of the record is written, padding included, so `buf` may hold an older record.
 */
export function writeWalRecord(batch: WalBatchSource, buf: Buffer): number {
  let idBytes = 0;
  for (const id of batch.ids) idBytes += 1 + id.length;
  const at = layout(batch.count, idBytes);
  buf.writeUInt32LE(batch.count, RECORD_HEADER_BYTES);
  buf.writeUInt32LE(batch.ids.length, RECORD_HEADER_BYTES + 4);
  let pos = at.idsStart;
  for (const id of batch.ids) {
    buf[pos++] = id.length;
    pos += buf.write(id, pos, 'latin1');
  }
  while (pos < at.indexStart) buf[pos++] = 0;
  const n = batch.count;
  if (n <= FEW_VALUES) {
    // A commit of a LOG or two (one per event-loop turn): typed-array views cost more than this.
    for (let i = 0; i < n; i++) buf.writeUInt32LE(batch.idIndex[i], at.indexStart + i * 4);
    for (pos = at.indexStart + n * 4; pos < at.stampsStart; pos++) buf[pos] = 0;
    for (let i = 0; i < n; i++) {
      buf.writeDoubleLE(batch.stamps[i], at.stampsStart + i * 8);
      buf.writeDoubleLE(batch.values[i], at.valuesStart + i * 8);
    }
  } else {
    const base = buf.byteOffset;
    new Uint32Array(buf.buffer, base + at.indexStart, n).set(batch.idIndex.subarray(0, n));
    buf.fill(0, at.indexStart + n * 4, at.stampsStart);
    new Float64Array(buf.buffer, base + at.stampsStart, n).set(batch.stamps.subarray(0, n));
    new Float64Array(buf.buffer, base + at.valuesStart, n).set(batch.values.subarray(0, n));
  }
  const body = buf.subarray(RECORD_HEADER_BYTES, at.end);
  buf.writeUInt32LE(body.length, 0);
  buf.writeUInt32LE(crc32(body), 4);
  return at.end;
}

/** Decodes the record at `offset`, or returns undefined if it is missing, torn or corrupt. */
export function decodeWalRecord(
  file: Buffer,
  offset: number,
): { batch: DecodedBatch; next: number } | undefined {
  if (offset + RECORD_HEADER_BYTES > file.length) return undefined;
  const bodyLength = file.readUInt32LE(offset);
  if (bodyLength < 8 || bodyLength > MAX_BODY_BYTES) return undefined;
  const next = offset + RECORD_HEADER_BYTES + bodyLength;
  if (next > file.length) return undefined;
  const body = file.subarray(offset + RECORD_HEADER_BYTES, next);
  if (crc32(body) !== file.readUInt32LE(offset + 4)) return undefined;
  return { batch: decodeBody(file.subarray(offset, next)), next };
}

function decodeBody(record: Buffer): DecodedBatch {
  const count = record.readUInt32LE(RECORD_HEADER_BYTES);
  const idCount = record.readUInt32LE(RECORD_HEADER_BYTES + 4);
  const ids: string[] = [];
  let pos = RECORD_HEADER_BYTES + 8;
  for (let i = 0; i < idCount; i++) {
    const len = record[pos];
    ids.push(record.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  const at = layout(count, pos - (RECORD_HEADER_BYTES + 8));
  // Copy into aligned arrays: the record may sit at any offset of the file buffer.
  const copy = Buffer.from(new ArrayBuffer(at.end));
  record.copy(copy, 0, 0, at.end);
  return {
    ids,
    idIndex: new Uint32Array(copy.buffer, at.indexStart, count),
    stamps: new Float64Array(copy.buffer, at.stampsStart, count),
    values: new Float64Array(copy.buffer, at.valuesStart, count),
  };
}
