import { crc32 } from 'node:zlib';

/** A version 1 block of one metric and one chunk, byte for byte as version 1 wrote it. */
export function versionOneBlock(id: string, stamps: number[], values: number[]): Buffer {
  const count = values.length;
  const data = Buffer.alloc(Math.ceil((count * 12) / 8) * 8);
  values.forEach((v, i) => data.writeDoubleLE(v, 8 * i));
  stamps.forEach((t, i) => data.writeUInt32LE(t - stamps[0], 8 * count + 4 * i));
  const index = Buffer.alloc(4 + 1 + id.length + 4 + 64);
  let pos = index.writeUInt32LE(1, 0);
  pos = index.writeUInt8(id.length, pos);
  pos += index.write(id, pos, 'latin1');
  pos = index.writeUInt32LE(1, pos);
  const sum = values.reduce((a, b) => a + b, 0);
  for (const f of [
    stamps[0],
    stamps[count - 1],
    Math.min(...values),
    Math.max(...values),
    sum,
    0,
    0,
  ])
    pos = index.writeDoubleLE(f, pos);
  pos = index.writeUInt32LE(count, pos);
  index.writeUInt32LE(crc32(data.subarray(0, count * 12)), pos);
  const footer = Buffer.alloc(32);
  footer.writeDoubleLE(data.length, 0);
  footer.writeUInt32LE(index.length, 8);
  footer.writeUInt32LE(crc32(index), 12);
  footer.writeDoubleLE(1, 16);
  footer.writeUInt32LE(1, 24);
  footer.writeUInt32LE(0x42534c50, 28);
  return Buffer.concat([data, index, footer]);
}
