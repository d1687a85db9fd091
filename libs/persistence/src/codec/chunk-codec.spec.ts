/**
 * The chunk codec: bit-exact round trips (fast-check), edge cases, malformed chunks and the size
 * targets. Over 200 lines: one file keeps every mode's cases next to each other.
 */
import fc from 'fast-check';
import { ChunkFormatError, decodeChunk, encodeChunk } from './chunk-codec';

/** Encodes xs[start..start+count), decodes at `at`, and expects every number back bit for bit. */
function roundTrip(stamps: ArrayLike<number>, values: ArrayLike<number>, start = 0, at = 0) {
  const count = stamps.length - start;
  const bytes = encodeChunk(stamps, values, start, count);
  const outStamps = new Float64Array(at + count + 2).fill(7);
  const outValues = new Float64Array(at + count + 2).fill(7);
  // Decoded from an odd offset of a larger buffer, as a block reader hands chunks over.
  const inBlock = new Uint8Array(bytes.length + 5);
  inBlock.set(bytes, 3);
  decodeChunk(inBlock.subarray(3, 3 + bytes.length), count, outStamps, outValues, at);
  expectSame(outStamps.subarray(at, at + count), stamps, start);
  expectSame(outValues.subarray(at, at + count), values, start);
  // Nothing outside [at, at + count) is written.
  expect([...outStamps.subarray(0, at), ...outStamps.subarray(at + count)].every((x) => x === 7));
  expect([...outValues.subarray(0, at), ...outValues.subarray(at + count)].every((x) => x === 7));
  return bytes;
}

/** Object.is tells -0 from 0 and NaN from nothing else: bit equality up to NaN payloads. */
function expectSame(actual: Float64Array, expected: ArrayLike<number>, start: number): void {
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[start + i])) {
      throw new Error(`at ${i}: got ${actual[i]}, expected ${expected[start + i]}`);
    }
  }
}

/** Deterministic data for the size targets (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const T0 = 1_760_000_000_000;
const shapes = {
  /** 3-decimal values in [0, 1000), about four values a millisecond. */
  decimals(n: number, rand = random(1)) {
    const stamps: number[] = [];
    const values: number[] = [];
    for (let i = 0, t = T0; i < n; i++, t += rand() < 0.25 ? 1 : 0) {
      stamps.push(t);
      values.push(Math.round(rand() * 1e6) / 1e3);
    }
    return { stamps, values };
  },
  /** A 2-decimal random walk, steps of 0.01..0.5 either way, one value a second. */
  walk(n: number, rand = random(2)) {
    const stamps: number[] = [];
    const values: number[] = [];
    for (let i = 0, x = 50; i < n; i++) {
      stamps.push(T0 + 1000 * i);
      values.push(x);
      const step = Math.round((0.01 + rand() * 0.49) * 100) / 100;
      x = Math.round((x + (rand() < 0.5 ? -step : step)) * 100) / 100;
    }
    return { stamps, values };
  },
  constant: (n: number) => ({
    stamps: Array.from({ length: n }, (_, i) => T0 + 15_000 * i),
    values: new Array<number>(n).fill(42.5),
  }),
  counter: (n: number) => ({
    stamps: Array.from({ length: n }, (_, i) => T0 + 10_000 * i),
    values: Array.from({ length: n }, (_, i) => 1_000_000 + i),
  }),
  /** Stamps with a steady acceleration: deltas spread widely, delta-of-deltas are constant. */
  accelerating: (n: number) => ({
    stamps: Array.from({ length: n }, (_, i) => T0 + i * i),
    values: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? Math.SQRT2 : Math.PI / 3)),
  }),
  /** Fractional stamps and doubles of random bits: nothing fits but raw. */
  noise(n: number, rand = random(3)) {
    const bits = new Uint32Array(2 * n).map(() => rand() * 4294967296);
    const values = [...new Float64Array(bits.buffer)].map((v) => (Number.isNaN(v) ? 1 : v));
    return { stamps: values.map((_, i) => i / 3 - 10), values };
  },
};

const modesOf = (bytes: Uint8Array) => ({ stamps: bytes[0] & 15, values: bytes[0] >>> 4 });
const bytesPerValue = (bytes: Uint8Array, n: number) => bytes.length / n;

describe('chunk codec', () => {
  describe('round trips bit for bit', () => {
    const anyDouble = fc.double();
    const valueArrays = fc.oneof(
      fc.array(anyDouble, { minLength: 1, maxLength: 2000 }),
      fc.array(anyDouble, { minLength: 1024, maxLength: 1024 }),
      // Decimals and repeats, so the decimal and XOR modes get arbitrary input too.
      fc.array(
        fc.oneof(
          fc.integer({ min: -1e9, max: 1e9 }).map((m) => m / 1000),
          fc.constantFrom(0, -0, 1.5, Number.MIN_VALUE, Number.MAX_VALUE),
        ),
        { minLength: 1, maxLength: 2000 },
      ),
    );
    const nonDecreasing = (n: number) =>
      fc
        .tuple(
          fc.integer({ min: -(2 ** 50), max: 2 ** 50 }),
          fc.array(fc.nat({ max: 5000 }), { minLength: n, maxLength: n }),
        )
        .map(([first, steps]) => {
          let t = first;
          return steps.map((step) => (t += step));
        });
    const constantStep = (n: number) =>
      fc
        .tuple(fc.nat({ max: 2 ** 45 }), fc.nat({ max: 100_000 }))
        .map(([first, step]) => Array.from({ length: n }, (_, i) => first + step * i));
    const anyStamps = (n: number) => fc.array(fc.double(), { minLength: n, maxLength: n });
    const integerStamps = (n: number) =>
      fc.array(fc.maxSafeInteger(), { minLength: n, maxLength: n });
    const stampsFor = (n: number) =>
      fc.oneof(nonDecreasing(n), constantStep(n), anyStamps(n), integerStamps(n));
    const chunks = valueArrays.chain((values) =>
      fc.record({ values: fc.constant(values), stamps: stampsFor(values.length) }),
    );

    it('for arbitrary stamps and doubles', () => {
      fc.assert(fc.property(chunks, ({ stamps, values }) => void roundTrip(stamps, values)));
    });

    it('from a non-zero start into a non-zero offset', () => {
      fc.assert(
        fc.property(chunks, fc.nat({ max: 50 }), fc.nat({ max: 50 }), (chunk, skip, at) => {
          const pad = (xs: number[]) => [...Array.from({ length: skip }, () => Math.PI), ...xs];
          roundTrip(pad(chunk.stamps), pad(chunk.values), skip, at);
        }),
      );
    });

    it.each(Object.entries(shapes))('for %s data', (_, shape) => {
      for (const n of [1, 2, 3, 1024, 65536]) {
        const { stamps, values } = shape(n);
        roundTrip(stamps, values);
      }
    });
  });

  describe('edge cases', () => {
    const T = [1, 2, 3, 4, 5, 6];
    it.each([
      ['-0 alone', [-0]],
      ['-0 among decimals', [1.5, -0, 2.25]],
      ['zeros of both signs', [0, -0, 0, -0]],
      ['subnormals', [Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308, 1e-310]],
      ['near ±1.7e308', [Number.MAX_VALUE, -Number.MAX_VALUE, 1.7e308, -1.7976931348623155e308]],
      ['huge jumps', [0, 1e300, -1e300, 5e-324, 1, 1e-300]],
      ['NaN and infinities', [NaN, Infinity, -Infinity, NaN, 0, NaN]],
      ['safe integer extremes', [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0]],
      ['just beyond safe', [2 ** 53, 2 ** 53 + 2, -(2 ** 53)]],
      ['decimal boundaries', [0.1, 0.2, 0.30000000000000004, 0.3]],
      ['15 significant digits', [1.23456789012345, 98765.4321098765, 1e-7]],
      ['tiny decimals', [1.5e-10, 2.25e-15, 1e-22, 3e-22]],
    ])('values: %s', (_, values) => {
      roundTrip(T.slice(0, values.length), values);
    });

    it('a long run of one arbitrary double costs about a bit a value', () => {
      const values = new Array<number>(1024).fill(Math.PI);
      const bytes = roundTrip(shapes.constant(1024).stamps, values);
      expect(bytes.length).toBeLessThan(60);
    });

    it.each([
      ['decreasing', [5000, 4000, 3000, 2999]],
      ['fractional', [0.5, 1.25, 1.25, 3]],
      ['negative', [-5, -3, -3, 0]],
      ['huge', [1e300, 1e300, 1e301, Number.MAX_VALUE]],
      ['-0', [0, -0, 0, 1]],
      ['beyond 2^53', [2 ** 53, 2 ** 53 + 2, 2 ** 60, 2 ** 60]],
      ['safe extremes (deltas of 2^54)', [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 0, 1]],
      ['non-finite', [NaN, Infinity, -Infinity, 0]],
    ])('stamps: %s', (_, stamps) => {
      roundTrip(stamps, [1, 2, 3, 4]);
    });

    it('packs a constant interval in zero bits a value', () => {
      const { stamps } = shapes.constant(65536);
      const bytes = encodeChunk(stamps, new Array(65536).fill(0), 0, 65536);
      expect(bytes.length).toBeLessThan(20);
    });
  });

  describe('size targets (bytes a value, 1024 values, header included)', () => {
    const sizeOf = (shape: (n: number) => { stamps: number[]; values: number[] }) => {
      const { stamps, values } = shape(1024);
      return bytesPerValue(roundTrip(stamps, values), 1024);
    };
    it('random 3-decimal values at several values a millisecond: <= 2.75', () => {
      expect(sizeOf(shapes.decimals)).toBeLessThanOrEqual(2.75);
    });
    it('a 2-decimal random walk once a second: <= 1.3', () => {
      expect(sizeOf(shapes.walk)).toBeLessThanOrEqual(1.3);
    });
    it('a constant and a counter at a regular interval: <= 0.05', () => {
      expect(sizeOf(shapes.constant)).toBeLessThanOrEqual(0.05);
      expect(sizeOf(shapes.counter)).toBeLessThanOrEqual(0.05);
    });
  });

  describe('damaged chunks', () => {
    /** One chunk per mode of each column, so every section's reader meets the damage. */
    const samples = Object.entries({
      'delta stamps, decimal values': shapes.decimals(64),
      'constant stamps, decimal delta values': shapes.walk(64),
      'delta-of-delta stamps, xor values': shapes.accelerating(64),
      'raw stamps, raw values': shapes.noise(16),
      'a single value': shapes.walk(1),
    }).map(([name, { stamps, values }]) => {
      const n = stamps.length;
      return [name, encodeChunk(stamps, values, 0, n), n] as const;
    });
    const decode = (bytes: Uint8Array, n: number) =>
      decodeChunk(bytes, n, new Float64Array(n), new Float64Array(n));

    it('the samples cover every mode', () => {
      const modes = samples.map(([, bytes]) => modesOf(bytes));
      expect(new Set(modes.map((m) => m.stamps))).toEqual(new Set([0, 1, 2]));
      expect(new Set(modes.map((m) => m.values))).toEqual(new Set([0, 1, 2, 3]));
    });

    it.each(samples)('%s: every truncation throws ChunkFormatError', (_, bytes, n) => {
      for (let length = 0; length < bytes.length; length++) {
        expect(() => decode(bytes.subarray(0, length), n)).toThrow(ChunkFormatError);
      }
    });

    it.each(samples)('%s: trailing bytes throw ChunkFormatError', (_, bytes, n) => {
      for (const extra of [0, 1, 0xff]) {
        expect(() => decode(Uint8Array.of(...bytes, extra), n)).toThrow(ChunkFormatError);
      }
    });

    it.each(samples)('%s: a flipped bit decodes or throws ChunkFormatError only', (_, bytes, n) => {
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        const damaged = Uint8Array.from(bytes);
        damaged[bit >>> 3] ^= 1 << (bit & 7);
        try {
          decode(damaged, n);
        } catch (error) {
          expect(error).toBeInstanceOf(ChunkFormatError);
        }
      }
    });

    it('unknown modes throw ChunkFormatError', () => {
      const [, bytes, n] = samples[0];
      for (let modes = 0; modes < 256; modes++) {
        if ((modes & 15) <= 2 && modes >>> 4 <= 3) continue;
        const damaged = Uint8Array.of(modes, ...bytes.subarray(1));
        expect(() => decode(damaged, n)).toThrow(ChunkFormatError);
      }
    });

    const RAW_STAMPS = [...new Uint8Array(16)]; // two raw stamps of 0
    it.each([
      ['stamp width', [0x01, 0, 0, 65, ...new Uint8Array(17), ...new Uint8Array(16)]],
      ['value width', [0x10, ...RAW_STAMPS, 0, 0, 65, ...new Uint8Array(17)]],
      ['delta value width', [0x20, ...RAW_STAMPS, 0, 0, 0, 200, ...new Uint8Array(9)]],
      ['decimal exponent', [0x10, ...RAW_STAMPS, 23, 0, 0]],
      ['varint length', [0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]],
      ['varint range', [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
      ['xor window', [0x30, ...RAW_STAMPS, ...new Uint8Array(8), 0b11 | (40 << 2), 0xff, 0x01]],
      ['xor window reuse', [0x30, ...RAW_STAMPS, ...new Uint8Array(8), 0b01]],
    ])('out-of-range %s throws ChunkFormatError', (_, chunk) => {
      expect(() => decode(Uint8Array.from(chunk), 2)).toThrow(ChunkFormatError);
    });

    it('accepts width 64 (the format allows it) with exactly the bytes it needs', () => {
      const chunk = [0x01, 0, 0, 64, ...new Uint8Array(8), ...new Uint8Array(16)];
      expect(() => decode(Uint8Array.from(chunk), 2)).not.toThrow();
    });
  });

  it('rejects counts and ranges outside the contract with RangeError', () => {
    expect(() => encodeChunk([1], [1], 0, 0)).toThrow(RangeError);
    expect(() => encodeChunk([1], [1], 0, 2)).toThrow(RangeError);
    expect(() => encodeChunk(new Array(65537).fill(0), new Array(65537).fill(0), 0, 65537)).toThrow(
      RangeError,
    );
    expect(() =>
      decodeChunk(Uint8Array.of(0), 2, new Float64Array(1), new Float64Array(2)),
    ).toThrow(RangeError);
  });
});
