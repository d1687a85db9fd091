import fc from 'fast-check';
import { BitReader } from './bit-reader';
import { BitWriter, zigzagBytes } from './bit-writer';
import { ChunkFormatError } from './chunk-format-error';

describe('BitWriter and BitReader', () => {
  const field = fc
    .integer({ min: 0, max: 32 })
    .chain((n) => fc.tuple(fc.constant(n), fc.nat({ max: 2 ** n - 1 })));

  it('read back any run of 0..32-bit fields, whatever their alignment', () => {
    fc.assert(
      fc.property(fc.array(field, { maxLength: 200 }), (fields) => {
        const writer = new BitWriter(4 * fields.length + 1);
        for (const [n, value] of fields) writer.writeUint32(value, n);
        writer.align();
        const reader = new BitReader(writer.bytes.subarray(0, writer.length));
        for (const [n, value] of fields) expect(reader.readBits(n)).toBe(value);
        reader.expectEnd();
      }),
    );
  });

  it('read back safe integers in 33..53 bits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 33, max: 53 }), fc.maxSafeNat(), fc.nat(7), (n, x, skew) => {
        const value = x % 2 ** n;
        const writer = new BitWriter(8);
        writer.writeBits(0, skew);
        writer.writeUint(value, n);
        writer.align();
        const reader = new BitReader(writer.bytes.subarray(0, writer.length));
        reader.readBits(skew);
        expect(reader.readBits(32) + reader.readBits(n - 32) * 2 ** 32).toBe(value);
      }),
    );
  });

  it('round-trip every safe integer as a zigzag varint of the size zigzagBytes says', () => {
    const edges = fc.constantFrom(
      0,
      -1,
      63,
      -64,
      64,
      -65,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
    );
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer(), edges), (n) => {
        const writer = new BitWriter(zigzagBytes(n));
        writer.writeZigzag(n);
        expect(writer.length).toBe(zigzagBytes(n));
        const reader = new BitReader(writer.bytes);
        expect(reader.readZigzag()).toBe(n);
        reader.expectEnd();
      }),
    );
    expect(zigzagBytes(63)).toBe(1);
    expect(zigzagBytes(-64)).toBe(1);
    expect(zigzagBytes(64)).toBe(2);
    expect(zigzagBytes(Number.MAX_SAFE_INTEGER)).toBe(8);
  });

  it('throw ChunkFormatError on reads past the end and on set padding bits', () => {
    expect(() => new BitReader(Uint8Array.of(0xff)).readBits(9)).toThrow(ChunkFormatError);
    expect(() => new BitReader(Uint8Array.of()).readByte()).toThrow(ChunkFormatError);
    expect(() => new BitReader(Uint8Array.of(1, 2)).take(3)).toThrow(ChunkFormatError);
    const padded = new BitReader(Uint8Array.of(0b1000_0001));
    padded.readBits(1);
    expect(() => padded.align()).toThrow(ChunkFormatError);
  });
});
