import fc from 'fast-check';
import { exactQuotient, meanOfValues, roundRatio } from './exact-mean';

describe('meanOfValues', () => {
  // Expected values are Python 3's statistics.mean of the same list.
  it.each([
    [[0.1, 0.2, 0.3], 0.2],
    [[1, 2, 3, 4], 2.5],
    [[7], 7],
    [[-2.5], -2.5],
    [[1e16, 1, -1e16], 0.3333333333333333],
    [[1e308, 1e308], 1e308],
    [
      [1.7976931348623157e308, 1.7976931348623157e308, 1.7976931348623157e308],
      1.7976931348623157e308,
    ],
    [[1e308, -1e308, 3], 1],
    [[1e300, 1e-300, -1e300], 3.3333333333333334e-301],
    [[2 ** 53, 2 ** 53 + 2], 2 ** 53],
    [[2 ** 53 + 2, 2 ** 53 + 4], 2 ** 53 + 4],
    [[1, 0.1, 0], 0.3666666666666667],
    [[-5e-324, 1, 0.1], 0.36666666666666664],
    [[5e-324, 0], 0],
    [[1.5e-323, 0], 1e-323],
    [[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], 0.1],
  ])('mean of %j is %p', (values, mean) => {
    expect(meanOfValues(values, 0, values.length)).toBe(mean);
  });

  it('gives +0 for an exact zero and -0 for a negative mean too small for a double', () => {
    expect(Object.is(meanOfValues([-0], 0, 1), 0)).toBe(true);
    expect(Object.is(meanOfValues([-1, 1], 0, 2), 0)).toBe(true);
    expect(Object.is(meanOfValues([-5e-324, 0], 0, 2), -0)).toBe(true);
  });

  it('reads only the range [start, end)', () => {
    const values = new Float64Array([100, 1, 2, 3, 100]);
    expect(meanOfValues(values, 1, 4)).toBe(2);
    expect(meanOfValues(values, 4, 5)).toBe(100);
    expect(meanOfValues(values, 2, 2)).toBeNaN();
  });

  it('is the value itself for one value, and lies between min and max', () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 50 }), (values) => {
        expect(meanOfValues(values, 0, 1)).toBe(values[0] === 0 ? 0 : values[0]);
        const mean = meanOfValues(values, 0, values.length);
        expect(mean).toBeGreaterThanOrEqual(Math.min(...values));
        expect(mean).toBeLessThanOrEqual(Math.max(...values));
      }),
    );
  });

  it('agrees with sum / count whenever the sum is exact (small integers)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 200 }),
        (values) => {
          const sum = values.reduce((a, b) => a + b, 0);
          expect(meanOfValues(values, 0, values.length)).toBe(sum / values.length || 0);
        },
      ),
    );
  });
});

describe('roundRatio', () => {
  it.each([
    [1n, 3n, 0, 1 / 3],
    [2n, 3n, 0, 2 / 3],
    [1n, 10n, 0, 0.1],
    [-7n, 2n, 0, -3.5],
    [1n, 1n, -1074, 5e-324],
    [1n, 2n, -1074, 0],
    [3n, 2n, -1074, 1e-323],
    [5n, 2n, -1074, 1e-323],
    [(1n << 53n) - 1n, 1n, 971, Number.MAX_VALUE],
    [(1n << 54n) + 1n, 2n, 0, 2 ** 53],
    [(1n << 54n) + 3n, 2n, 0, 2 ** 53 + 2],
  ])('%p / %p * 2^%p is %p', (num, den, exp2, value) => {
    expect(roundRatio(num, den, exp2)).toBe(value);
  });

  it('matches the division of doubles when both are exact integers', () => {
    const safe = fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n });
    const positive = fc.bigInt({ min: 1n, max: 2n ** 53n });
    fc.assert(
      fc.property(safe, positive, (num, den) => {
        expect(roundRatio(num, den, 0)).toBe(Number(num) / Number(den) || 0);
      }),
    );
  });
});

describe('exactQuotient', () => {
  it.each([
    [3, 0, 3, 1],
    [-6, 0, 4, -1.5],
    [1e308, 0, 1, 1e308],
    [1, 2 ** -53, 1, 1],
    [1, 2 ** -53 + 2 ** -100, 1, 1 + 2 ** -52],
    [1 + 2 ** -52, 2 ** -53, 1, 1 + 2 ** -51],
    [2 ** 54, 2, 2, 2 ** 53],
    [2 ** 54, 6, 2, 2 ** 53 + 4],
  ])('(%p + %p) / %p is %p', (hi, lo, count, value) => {
    expect(exactQuotient(hi, lo, count)).toBe(value);
  });

  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

  it('is the correctly rounded division for a single double', () => {
    fc.assert(
      fc.property(finite, fc.integer({ min: 1, max: 2 ** 40 }), (x, count) => {
        expect(exactQuotient(x, 0, count)).toBe(x === 0 ? 0 : x / count);
      }),
    );
  });

  it('is the correctly rounded sum of the pair for a count of one', () => {
    fc.assert(
      fc.property(finite, finite, (a, b) => {
        const sum = a + b;
        fc.pre(Number.isFinite(sum));
        expect(exactQuotient(a, b, 1)).toBe(sum || 0);
      }),
    );
  });
});
