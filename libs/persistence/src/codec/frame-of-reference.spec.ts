import fc from 'fast-check';
import { BitReader } from './bit-reader';
import { BitWriter } from './bit-writer';
import { bitLength, frameOf, framedBytes, readFramed, writeFramed } from './frame-of-reference';

describe('frame of reference', () => {
  it('bitLength counts bits above 32 too', () => {
    expect([0, 1, 2, 255, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER].map(bitLength)).toEqual([
      0, 1, 2, 8, 32, 33, 53,
    ]);
  });

  it('packs integers of any spread up to 2^53 and reads them back', () => {
    const spreads = fc.oneof(fc.nat({ max: 1 }), fc.nat({ max: 2 ** 24 }), fc.maxSafeNat());
    const runs = spreads.chain((spread) =>
      fc.tuple(
        fc.integer({ min: -(2 ** 52), max: 0 }), // so that base + spread stays safe
        fc.array(fc.integer({ min: 0, max: Math.min(spread, 2 ** 31) }), { minLength: 1 }),
        fc.constant(spread),
      ),
    );
    fc.assert(
      fc.property(runs, ([base, offsets, spread]) => {
        // Stretch the offsets over the whole spread so the widest values are exercised.
        const scale = spread > 2 ** 31 ? Math.floor(spread / 2 ** 31) : 1;
        const xs = Float64Array.from(offsets, (o) => base + o * scale);
        const frame = frameOf(xs);
        if (frame === undefined) return;
        const writer = new BitWriter(framedBytes(xs.length, frame));
        writeFramed(writer, xs, frame);
        expect(writer.length).toBe(framedBytes(xs.length, frame));
        const out = new Float64Array(xs.length + 1);
        const reader = new BitReader(writer.bytes);
        const decodedBase = readFramed(reader, xs.length, out, 1);
        reader.expectEnd();
        expect(out.subarray(1).map((x) => x + decodedBase)).toEqual(xs);
      }),
    );
  });

  it('refuses a spread that is not a safe integer', () => {
    expect(frameOf(Float64Array.of(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER))).toBe(
      undefined,
    );
  });
});
