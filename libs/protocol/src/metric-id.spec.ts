import fc from 'fast-check';
import { MAX_METRIC_ID_LENGTH, isValidMetricId } from './metric-id';

describe('isValidMetricId', () => {
  it.each([
    'a',
    'Z',
    '7',
    '_x',
    '_',
    'mi-metrica',
    'a:b.c-d_e',
    'cpu.load:host-1',
    'a..b',
    'a.',
    'con',
    'nul',
    'CON',
    'x'.repeat(MAX_METRIC_ID_LENGTH),
  ])('accepts %j', (id) => {
    expect(isValidMetricId(id)).toBe(true);
  });

  it.each([
    '',
    '.',
    '..',
    '.hidden',
    '../../x',
    '/abs',
    'a/b',
    'a\\b',
    '-x',
    ':x',
    'a b',
    'a\tb',
    'a\n',
    '\na',
    'a\0',
    'x'.repeat(MAX_METRIC_ID_LENGTH + 1),
    'métrica',
    'ｍ',
    '指标',
    'a😀',
    'a*',
    'a%2F',
  ])('rejects %j', (id) => {
    expect(isValidMetricId(id)).toBe(false);
  });

  it('never accepts a path separator, a leading dot or more than 200 characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 250 }), (id) => {
        if (isValidMetricId(id)) {
          expect(id).not.toMatch(/[/\\]/);
          expect(id.startsWith('.')).toBe(false);
          expect(id.length).toBeGreaterThanOrEqual(1);
          expect(id.length).toBeLessThanOrEqual(MAX_METRIC_ID_LENGTH);
        }
      }),
    );
  });
});
