import { InvalidArgumentError } from 'commander';
import {
  parseIdList,
  parseNonNegative,
  parseNonNegativeInt,
  parseNumber,
  parsePort,
  parsePositive,
  parsePositiveInt,
  parseTimeZone,
} from './option-parsers';

describe('option parsers', () => {
  it('parse plain decimals', () => {
    expect(['5', '-2.5', '.5', '5.', '1e3', ' 7 '].map(parseNumber)).toEqual([
      5, -2.5, 0.5, 5, 1000, 7,
    ]);
  });

  it.each(['', 'abc', '0x10', 'Infinity', 'NaN', '1_000', '1e999'])('reject %j', (text) => {
    expect(() => parseNumber(text)).toThrow(InvalidArgumentError);
  });

  it('check ranges', () => {
    expect(parseNonNegative('0')).toBe(0);
    expect(() => parseNonNegative('-1')).toThrow('expected a number >= 0.');
    expect(() => parsePositive('0')).toThrow('expected a number > 0.');
    expect(parseNonNegativeInt('0')).toBe(0);
    expect(() => parseNonNegativeInt('1.5')).toThrow('expected a whole number >= 0.');
    expect(() => parsePositiveInt('0')).toThrow('expected a whole number >= 1.');
    expect(parsePort('7070')).toBe(7070);
    expect(() => parsePort('0')).toThrow('expected a port, 1 to 65535.');
    expect(() => parsePort('65536')).toThrow('expected a port, 1 to 65535.');
  });

  it('parse a list of metric ids, rejecting invalid ones', () => {
    expect(parseIdList('a, b.c ,,d:e-f')).toEqual(['a', 'b.c', 'd:e-f']);
    expect(() => parseIdList(' , ')).toThrow('expected at least one metric id.');
    expect(() => parseIdList('ok,.bad')).toThrow('".bad" is not a metric id');
    expect(() => parseIdList('a/b')).toThrow('"a/b" is not a metric id');
  });

  it('parse IANA time zones', () => {
    expect(parseTimeZone('Europe/Madrid')).toBe('Europe/Madrid');
    expect(() => parseTimeZone('Mars/Olympus')).toThrow('expected an IANA time zone');
  });
});
