import { detachedString } from './detached-string';

describe('detachedString', () => {
  it('returns an equal string for every metric-id character', () => {
    const id = 'A-Za-z0-9_.:-'.repeat(15);
    expect(detachedString(id)).toBe(id);
    expect(detachedString('')).toBe('');
  });
});
