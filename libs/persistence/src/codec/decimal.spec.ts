import fc from 'fast-check';
import { MAX_EXPONENT, POW10, decimalExponent, mantissas } from './decimal';

const exponentOf = (...values: number[]) => decimalExponent(values, 0, values.length);

describe('decimalExponent', () => {
  it.each([
    [[0, 1, -7, 2 ** 52], 0],
    [[0.1], 1],
    [[1, 2.5, 3.75], 2],
    [[123.456, 0.001], 3],
    [[1.5e-10], 11],
    [[3e-22], 22],
    [[0.3], 1],
  ])('finds the smallest exponent of %p: %p', (values, e) => {
    expect(exponentOf(...values)).toBe(e);
  });

  it.each([
    ['-0', [1, -0]],
    ['NaN', [NaN]],
    ['infinity', [Infinity]],
    ['17 significant digits', [0.30000000000000004]],
    ['a mantissa beyond 2^53', [2 ** 53]],
    ['below 1e-22', [1e-23]],
  ])('gives up on %s', (_, values) => {
    expect(exponentOf(...values)).toBe(-1);
  });

  it('accepts only exponents whose mantissas divide back to the very same doubles', () => {
    const values = fc.array(
      fc.oneof(
        fc.double({ noNaN: true }),
        fc
          .tuple(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: MAX_EXPONENT }))
          .map(([m, e]) => m / POW10[e]),
      ),
      { minLength: 1, maxLength: 50 },
    );
    fc.assert(
      fc.property(values, (xs) => {
        const e = decimalExponent(xs, 0, xs.length);
        if (e < 0) return;
        const ms = mantissas(xs, 0, xs.length, e);
        ms.forEach((m, i) => {
          expect(Number.isSafeInteger(m)).toBe(true);
          expect(Object.is(m / POW10[e], xs[i])).toBe(true);
        });
        // Smallest: at e - 1 some value would not come back.
        if (e > 0) {
          const p = POW10[e - 1];
          expect(xs.some((x) => Math.round(x * p) / p !== x)).toBe(true);
        }
      }),
    );
  });
});
