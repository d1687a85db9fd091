import fc from 'fast-check';
import { formatCount, formatFloat } from './float-format';

describe('formatFloat', () => {
  // Expected texts are Python 3's repr() of the same double.
  it.each([
    [1.0, '1.0'],
    [0.5, '0.5'],
    [0.0001, '0.0001'],
    [1e-5, '1e-05'],
    [0.00012345, '0.00012345'],
    [0.000099999, '9.9999e-05'],
    [9.999999999999999e-5, '9.999999999999999e-05'],
    [1e-7, '1e-07'],
    [-1e-5, '-1e-05'],
    [-1.5e-10, '-1.5e-10'],
    [0.001, '0.001'],
    [1000000000000000.0, '1000000000000000.0'],
    [9999999999999998.0, '9999999999999998.0'],
    [2 ** 53, '9007199254740992.0'],
    [1e16, '1e+16'],
    [1.2345e16, '1.2345e+16'],
    [2 ** 60, '1.152921504606847e+18'],
    [Number('12345678901234567890'), '1.2345678901234567e+19'],
    [123e18, '1.23e+20'],
    [1e21, '1e+21'],
    [1e22, '1e+22'],
    [1e100, '1e+100'],
    [1.5e300, '1.5e+300'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [2.2250738585072014e-308, '2.2250738585072014e-308'],
    [5e-324, '5e-324'],
    [-5e-324, '-5e-324'],
    [-2.0, '-2.0'],
    [0.1, '0.1'],
    [0.2, '0.2'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1 / 3, '0.3333333333333333'],
    [123456789.123, '123456789.123'],
    [100.0, '100.0'],
    [1.5, '1.5'],
    [0.0, '0.0'],
    [-0.0, '-0.0'],
  ])('formats %p as %s', (x, text) => {
    expect(formatFloat(x)).toBe(text);
  });

  it('prints non-finite values as Python does, should one slip through', () => {
    expect(formatFloat(Infinity)).toBe('inf');
    expect(formatFloat(-Infinity)).toBe('-inf');
    expect(formatFloat(NaN)).toBe('nan');
  });

  it('reads back to the same double, in one of the two layouts of repr', () => {
    const fixed = /^-?\d+\.\d+$/;
    const exponent = /^-?\d(\.\d*[1-9])?e[+-]\d{2,3}$/;
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = formatFloat(x);
        expect(Object.is(Number(text), x)).toBe(true);
        const magnitude = Math.abs(x);
        const expectFixed = x === 0 || (magnitude >= 1e-4 && magnitude < 1e16);
        expect(text).toMatch(expectFixed ? fixed : exponent);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [3, '3'],
    [1234567, '1234567'],
    [2 ** 53, '9007199254740992'],
  ])('formats %p as %s', (n, text) => {
    expect(formatCount(n)).toBe(text);
  });
});
