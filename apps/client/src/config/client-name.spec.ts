import { isValidMetricId } from '@app/protocol';
import { DEFAULT_METRIC_SUFFIXES, prefixedIds, sanitizeClientName } from './client-name';

describe('sanitizeClientName', () => {
  it('keeps a valid name', () => {
    expect(sanitizeClientName('pulse-client-3')).toBe('pulse-client-3');
    expect(sanitizeClientName('a1b2c3d4e5f6')).toBe('a1b2c3d4e5f6');
  });

  it('replaces characters an id may not hold with _', () => {
    expect(sanitizeClientName('my host/ñ@1')).toBe('my_host___1');
  });

  it('replaces a first character that may not start an id', () => {
    expect(sanitizeClientName('.hidden')).toBe('_hidden');
    expect(sanitizeClientName('-x')).toBe('_x');
    expect(sanitizeClientName('')).toBe('_');
  });

  it('caps the name at 200 characters', () => {
    expect(sanitizeClientName('h'.repeat(300))).toHaveLength(200);
  });
});

describe('prefixedIds', () => {
  it('prefixes each suffix with the sanitized name', () => {
    expect(prefixedIds('web 1', DEFAULT_METRIC_SUFFIXES)).toEqual([
      'web_1.cpu',
      'web_1.mem',
      'web_1.latency',
    ]);
  });

  it('shortens a long name so every id stays valid', () => {
    const ids = prefixedIds('n'.repeat(250), DEFAULT_METRIC_SUFFIXES);
    expect(ids.every(isValidMetricId)).toBe(true);
    expect(ids[2]).toHaveLength(200);
  });
});
