import { DoubleDoubleSum } from '@app/protocol';
import { ChunkSegments, SEGMENT_VALUES } from './chunk-segments';

describe('ChunkSegments', () => {
  const stamps = Array.from({ length: 60 }, (_, i) => 1000 + 10 * i);
  const values = stamps.map((_, i) => [0.1, -0, 0, 7, -2.5][i % 5] * (i + 1));

  it('summarises each run of 16 values of the range, the last one shorter', () => {
    const segments = new ChunkSegments(stamps, values, 5, 60);
    expect(segments.length).toBe(Math.ceil(55 / SEGMENT_VALUES));
    for (let k = 0; k < segments.length; k++) {
      const [first, last] = [segments.first(k), segments.last(k)];
      expect([first, last]).toEqual([5 + 16 * k, Math.min(60, 5 + 16 * (k + 1))]);
      const part = values.slice(first, last);
      const sum = new DoubleDoubleSum();
      part.forEach((v) => sum.add(v));
      expect([segments.minStamp(k), segments.maxStamp(k)]).toEqual([
        stamps[first],
        stamps[last - 1],
      ]);
      expect([segments.min(k), segments.max(k)]).toEqual([Math.min(...part), Math.max(...part)]);
      expect([segments.sumHi(k), segments.sumLo(k)]).toEqual([sum.hi, sum.lo]);
    }
  });

  it('keeps the first of equal extremes, as Python does (0.0 before -0.0)', () => {
    const segments = new ChunkSegments([1, 2, 3], [0, -0, 0], 0, 3);
    expect(Object.is(segments.min(0), 0)).toBe(true);
    expect(Object.is(new ChunkSegments([1, 2], [-0, 0], 0, 2).max(0), -0)).toBe(true);
  });

  it('finds the first segment that reaches a stamp', () => {
    const segments = new ChunkSegments(stamps, values, 0, 60);
    expect(segments.firstEndingAtOrAfter(0)).toBe(0);
    expect(segments.firstEndingAtOrAfter(stamps[15])).toBe(0);
    expect(segments.firstEndingAtOrAfter(stamps[15] + 1)).toBe(1);
    expect(segments.firstEndingAtOrAfter(stamps[59] + 1)).toBe(segments.length);
  });
});
