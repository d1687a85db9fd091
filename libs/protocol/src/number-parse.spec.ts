import fc from 'fast-check';
import { parseDecimal } from './number-parse';

describe('parseDecimal', () => {
  it.each([
    ['7', 7],
    ['-2.5', -2.5],
    ['+2.5', 2.5],
    ['.5', 0.5],
    ['-.5', -0.5],
    ['5.', 5],
    ['007', 7],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1e+3', 1000],
    ['2.5E-4', 0.00025],
    ['.5e1', 5],
    ['5.e1', 50],
    ['0.1', 0.1],
    ['1.7976931348623157e308', 1.7976931348623157e308],
    ['5e-324', 5e-324],
    ['1e-400', 0],
    ['123456789012345678901234567890', Number('123456789012345678901234567890')],
    ['0.' + '3'.repeat(500), 1 / 3],
  ])('parses %j as %p', (token, value) => {
    expect(parseDecimal(token)).toBe(value);
  });

  it('keeps the sign of zero', () => {
    expect(Object.is(parseDecimal('-0'), -0)).toBe(true);
    expect(Object.is(parseDecimal('0'), 0)).toBe(true);
  });

  it.each([
    '',
    '.',
    '-',
    '+',
    '+.',
    '-.e1',
    'e5',
    '.e5',
    '1e',
    '1e+',
    '1e-',
    '1e3.5',
    '1.2.3',
    '--1',
    '+-1',
    'NaN',
    'nan',
    'inf',
    '-inf',
    'Infinity',
    '-Infinity',
    '0x10',
    '0b1',
    '0o7',
    '1_000',
    '1,5',
    ' 1',
    '1 ',
    '1\t',
    '\n1',
    '1 2',
    '１',
    '1e309',
    '-1e309',
    '9'.repeat(400),
    '1d',
    '1f',
  ])('rejects %j', (token) => {
    expect(parseDecimal(token)).toBeUndefined();
  });

  it('accepts long finite digit strings, correctly rounded', () => {
    expect(parseDecimal('1.' + '0'.repeat(5000))).toBe(1);
    expect(parseDecimal('0'.repeat(3000) + '7')).toBe(7);
    expect(parseDecimal('0.' + '0'.repeat(3000) + '1')).toBe(0);
    expect(parseDecimal('0.' + '3'.repeat(12000))).toBe(0.3333333333333333);
    expect(parseDecimal('9'.repeat(400))).toBeUndefined(); // overflows to Infinity
  });

  it('reads back every double from its shortest text', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(parseDecimal(x.toString())).toBe(x === 0 ? 0 : x); // (-0).toString() is '0'
        expect(parseDecimal(x.toExponential(20))).toBe(Number(x.toExponential(20)));
      }),
    );
  });

  it('agrees with Number() on plain decimals of up to 20 digits (the regex-free fast path)', () => {
    const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 12 });
    const plain = fc
      .tuple(fc.constantFrom('', '-', '+'), digits, fc.boolean(), digits)
      .map(([sign, int, dot, frac]) => `${sign}${int}${dot ? '.' : ''}${dot ? frac : ''}`)
      .filter((t) => /\d/.test(t));
    fc.assert(
      fc.property(plain, (token) => {
        expect(Object.is(parseDecimal(token), Number(token))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws, and only returns finite numbers', () => {
    const numberish = fc.constantFrom(...'0123456789.eE+-_xXnaNIfity ');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: numberish, maxLength: 12 })), (token) => {
        const value = parseDecimal(token);
        expect(value === undefined || Number.isFinite(value)).toBe(true);
      }),
    );
  });
});
