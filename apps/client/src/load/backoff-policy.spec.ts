import { DEFAULT_BACKOFF, backoffDelay } from './backoff-policy';

describe('backoffDelay', () => {
  const options = DEFAULT_BACKOFF; // base 100 ms, factor 2, cap 10 s

  it('draws uniformly below a ceiling that doubles per attempt (full jitter)', () => {
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, () => 0.5, options))).toEqual([
      50, 100, 200, 400,
    ]);
    expect(backoffDelay(3, () => 0, options)).toBe(0);
    expect(backoffDelay(3, () => 0.999999, options)).toBe(799);
  });

  it('never exceeds the cap, however many attempts (no overflow to Infinity or NaN)', () => {
    for (const attempt of [7, 8, 20, 1000, 5000]) {
      const delay = backoffDelay(attempt, () => 0.999999, options);
      expect(delay).toBe(9999);
    }
  });

  it('treats a negative attempt as the first', () => {
    expect(backoffDelay(-3, () => 0.5, options)).toBe(50);
  });

  it('follows other bases and factors', () => {
    const custom = { baseMs: 10, factor: 3, maxMs: 500 };
    expect([0, 1, 2, 3, 4].map((attempt) => backoffDelay(attempt, () => 0.5, custom))).toEqual([
      5, 15, 45, 135, 250,
    ]);
  });
});
