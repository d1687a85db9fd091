import { formatAggregate, formatValue, NO_VALUE } from './value-format';

describe('formatAggregate', () => {
  // Python 3's repr() of the same doubles, as QUERY replies with them.
  it.each([
    [1, '1.0'],
    [0.5, '0.5'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [-2, '-2.0'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1.5e-7, '1.5e-07'],
    [0, '0.0'],
  ])('prints the float %p as %s', (x, text) => {
    for (const op of ['AVG', 'MIN', 'MAX'] as const) expect(formatAggregate(op, x)).toBe(text);
  });

  it('prints COUNT as an integer', () => {
    expect(formatAggregate('COUNT', 3)).toBe('3');
    expect(formatAggregate('COUNT', 0)).toBe('0');
    expect(formatAggregate('COUNT', 100000)).toBe('100000');
  });

  it('marks a missing value', () => {
    expect(formatAggregate('AVG', null)).toBe(NO_VALUE);
    expect(formatAggregate('COUNT', undefined)).toBe(NO_VALUE);
  });
});

describe('formatValue', () => {
  it('prints stored values and limits as floats', () => {
    expect(formatValue(0.9)).toBe('0.9');
    expect(formatValue(100)).toBe('100.0');
    expect(formatValue(null)).toBe(NO_VALUE);
  });
});
