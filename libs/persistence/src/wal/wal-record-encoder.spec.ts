import { WalBatchSource, decodeWalRecord, encodeWalRecord } from './wal-format';
import { WalRecordEncoder } from './wal-record-encoder';

function batch(ids: string[], count: number, seed: number): WalBatchSource {
  const idIndex = new Uint32Array(count);
  const stamps = new Float64Array(count);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    idIndex[i] = i % ids.length;
    stamps[i] = 1_700_000_000_000 + seed * 1000 + i;
    values[i] = seed + i / 8;
  }
  return { count, ids, idIndex, stamps, values };
}

describe('WalRecordEncoder', () => {
  it('encodes each record byte for byte as encodeWalRecord, reusing its buffer', () => {
    const encoder = new WalRecordEncoder();
    // A large record first, then smaller ones with other padding: nothing of it may show.
    const batches = [
      batch(['cpu.load', 'mem.free', 'disk.io'], 5000, 1),
      batch(['a'], 1, 2),
      batch(['bb', 'c'], 3, 3),
      batch(['x'.repeat(255)], 2, 4),
    ];
    for (const b of batches) {
      const record = encoder.encode(b);
      expect(record.equals(encodeWalRecord(b))).toBe(true);
      const decoded = decodeWalRecord(Buffer.from(record), 0);
      expect(decoded?.next).toBe(record.length);
      expect(decoded?.batch.ids).toEqual(b.ids);
      expect([...(decoded?.batch.values ?? [])]).toEqual([...b.values]);
      expect([...(decoded?.batch.stamps ?? [])]).toEqual([...b.stamps]);
    }
  });

  it('gives a record larger than the kept buffer a buffer of its own', () => {
    const encoder = new WalRecordEncoder();
    const big = batch(['m'], 300_000, 5); // 4.8 MB of stamps and values
    const record = encoder.encode(big);
    expect(record.byteOffset).toBe(0);
    expect(record.equals(encodeWalRecord(big))).toBe(true);
    const small = encoder.encode(batch(['n'], 2, 6));
    expect(small.buffer).not.toBe(record.buffer);
  });
});
