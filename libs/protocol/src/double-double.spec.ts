import fc from 'fast-check';
import { DoubleDoubleSum, meanOf } from './double-double';
import { exactQuotient, meanOfValues } from './exact-mean';

function sumOf(values: readonly number[]): DoubleDoubleSum {
  const sum = new DoubleDoubleSum();
  for (const x of values) sum.add(x);
  return sum;
}

function ddMean(values: readonly number[]): number {
  const sum = sumOf(values);
  return meanOf(sum.hi, sum.lo, values.length);
}

/**
 * Doubles of at most +-1e6 that are 0 or at least 2^-20 in magnitude: all sit on the grid of
 * 2^-72 and 200 of them sum to less than 2^28, so their exact sum needs at most 100 bits and the
 * double-double sum holds it exactly. (With subnormals next to 1.0, no 106-bit sum can be exact:
 * see the [-5e-324, 1, 0.1] case below.)
 */
const similarMagnitude = fc
  .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
  .map((x) => (x === 0 || Math.abs(x) >= 2 ** -20 ? x : 0));
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

describe('DoubleDoubleSum + meanOf', () => {
  it('averages 0.1, 0.2, 0.3 to 0.2, where sum / count does not', () => {
    expect((0.1 + 0.2 + 0.3) / 3).toBe(0.20000000000000004);
    // The compensated (correctly rounded) sum is 0.6, and 0.6 / 3 is rounded a second time.
    expect(0.6 / 3).toBe(0.19999999999999998);
    expect(ddMean([0.1, 0.2, 0.3])).toBe(0.2);
  });

  it.each([
    [[1e16, 1, -1e16], 1 / 3],
    [[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], 0.1],
    [[1, 2, 3, 4], 2.5],
    [[-2.5], -2.5],
    [[2 ** 53, 2 ** 53 + 2], 2 ** 53],
    [[2 ** 53 + 2, 2 ** 53 + 4], 2 ** 53 + 4],
    [[1, 0.1, 0], 0.3666666666666667],
    [[1e300, 1e300, 1e300], 1e300],
    [[1e-300, 3e-300], 2e-300],
    [[5e-324, 0], 0],
    [[1.5e-323, 0], 1e-323],
  ])('mean of %j is %p (as statistics.mean)', (values, mean) => {
    expect(ddMean(values)).toBe(mean);
  });

  it('gives +0 for a zero sum', () => {
    expect(Object.is(ddMean([-0]), 0)).toBe(true);
    expect(Object.is(ddMean([-1, 1]), 0)).toBe(true);
    expect(Object.is(ddMean([1e16, -1e16, -0]), 0)).toBe(true);
  });

  it('agrees exactly with the BigInt mean on values of similar magnitude', () => {
    fc.assert(
      fc.property(fc.array(similarMagnitude, { minLength: 1, maxLength: 200 }), (values) => {
        expect(ddMean(values)).toBe(meanOfValues(values, 0, values.length));
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees exactly when partial sums are merged with addPair', () => {
    const arrays = fc.array(fc.array(similarMagnitude, { maxLength: 40 }), {
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(arrays, (parts) => {
        const values = parts.flat();
        fc.pre(values.length > 0);
        const total = new DoubleDoubleSum();
        for (const part of parts) {
          const p = sumOf(part);
          total.addPair(p.hi, p.lo);
        }
        expect(meanOf(total.hi, total.lo, values.length)).toBe(
          meanOfValues(values, 0, values.length),
        );
      }),
    );
  });

  it('rounds the pair it is given exactly, whatever the magnitudes', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 200 }), (values) => {
        const { hi, lo } = sumOf(values);
        fc.pre(Number.isFinite(hi));
        expect(meanOf(hi, lo, values.length)).toBe(exactQuotient(hi, lo, values.length));
      }),
    );
  });

  it('rounds any normalised pair and large count exactly', () => {
    fc.assert(
      fc.property(finite, finite, fc.integer({ min: 1, max: 2 ** 53 }), (a, b, count) => {
        const hi = a + b;
        fc.pre(Number.isFinite(hi));
        const lo = b - (hi - a);
        fc.pre(Number.isFinite(lo));
        expect(meanOf(hi, lo, count)).toBe(exactQuotient(hi, lo, count));
      }),
      { numRuns: 1000 },
    );
  });

  it('stays within a unit in the last place of the exact mean on arbitrary finite doubles', () => {
    // Subnormals next to large values are lost by any 106-bit sum; it only matters near a tie.
    expect(meanOfValues([-5e-324, 1, 0.1], 0, 3)).toBe(0.36666666666666664);
    expect(ddMean([-5e-324, 1, 0.1])).toBe(0.3666666666666667);
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 50 }), (values) => {
        const mean = meanOfValues(values, 0, values.length);
        fc.pre(Math.abs(mean) > 1e-300);
        const approx = ddMean(values);
        fc.pre(Number.isFinite(approx) && values.every((x) => Math.abs(x) < 1e300));
        expect(Math.abs(approx - mean)).toBeLessThanOrEqual(Math.abs(mean) * 2 ** -52);
      }),
    );
  });

  it('leaves an overflowed sum non-finite, for the caller to recompute with meanOfValues', () => {
    const values = [1e308, 1e308];
    expect(Number.isFinite(ddMean(values))).toBe(false);
    expect(meanOfValues(values, 0, 2)).toBe(1e308);
  });

  it('starts again from zero after reset', () => {
    const sum = sumOf([1e16, 1, 3]);
    sum.reset();
    expect([sum.hi, sum.lo]).toEqual([0, 0]);
    sum.add(0.5);
    expect(meanOf(sum.hi, sum.lo, 1)).toBe(0.5);
  });
});
