import { WindowAggregator } from './window-aggregator';

/** Feeds (stamp, value) pairs as raw values, in the given slices. */
function feed(agg: WindowAggregator, points: [number, number][], sliceSize = points.length) {
  for (let i = 0; i < points.length; i += sliceSize) {
    const part = points.slice(i, i + sliceSize);
    agg.addValues(
      Float64Array.from(part.map((p) => p[0])),
      Float64Array.from(part.map((p) => p[1])),
      0,
      part.length,
    );
  }
  return agg.finish();
}

const T0 = Date.UTC(2022, 3, 26, 10, 0, 0);

describe('WindowAggregator', () => {
  const points: [number, number][] = [
    [T0, 1],
    [T0 + 500, 3],
    [T0 + 1000, 10],
    [T0 + 3500, -2],
  ];

  it('anchors windows at the first value when there is no from, and skips empty windows', () => {
    expect(feed(new WindowAggregator('COUNT', 1), points)).toEqual(['2', '1', '1']);
    expect(feed(new WindowAggregator('AVG', 1), points)).toEqual(['2.0', '10.0', '-2.0']);
    expect(feed(new WindowAggregator('MAX', 2), points)).toEqual(['10.0', '-2.0']);
    expect(feed(new WindowAggregator('MIN', 1000), points)).toEqual(['-2.0']);
  });

  it('gives each aggregate its window start when asked (the HTTP API)', () => {
    const starts = (agg: WindowAggregator) => {
      feed(agg, points);
      return agg.starts;
    };
    expect(starts(new WindowAggregator('COUNT', 1, undefined, true))).toEqual([
      T0,
      T0 + 1000,
      T0 + 3000,
    ]);
    expect(starts(new WindowAggregator('MAX', 2, T0 - 1000, true))).toEqual([
      T0 - 1000,
      T0 + 1000,
      T0 + 3000,
    ]);
    expect(starts(new WindowAggregator('MIN', 0, undefined, true))).toEqual(
      points.map((p) => p[0]),
    );
    expect(new WindowAggregator('AVG', 1).starts).toBeUndefined(); // QUERY's path keeps none
  });

  it('anchors windows at from when given', () => {
    // Windows [T0-500, T0+500), [T0+500, T0+1500), ...
    expect(feed(new WindowAggregator('COUNT', 1, T0 - 500), points)).toEqual(['1', '2', '1']);
  });

  it('gives every value its own entry with secs 0, same stamps included', () => {
    const same: [number, number][] = [
      [T0, 1],
      [T0, 2],
      [T0 + 1, 0.5],
    ];
    expect(feed(new WindowAggregator('MIN', 0), same)).toEqual(['1.0', '2.0', '0.5']);
    expect(feed(new WindowAggregator('COUNT', 0), same)).toEqual(['1', '1', '1']);
  });

  it('groups by stamp for windows of a millisecond or less, whatever the range', () => {
    const same: [number, number][] = [
      [T0, 1],
      [T0, 2],
      [T0 + 10_000_000_000, 3],
    ];
    expect(feed(new WindowAggregator('COUNT', 1e-9, 0), same)).toEqual(['2', '1']);
  });

  it('does not depend on how values are sliced', () => {
    const many = Array.from({ length: 1000 }, (_, i): [number, number] => [
      T0 + i * 37,
      (i % 17) * 0.1,
    ]);
    const whole = feed(new WindowAggregator('AVG', 5), many);
    expect(feed(new WindowAggregator('AVG', 5), many, 7)).toEqual(whole);
  });

  it('merges summaries with raw values into correctly rounded means', () => {
    const agg = new WindowAggregator('AVG', 60);
    expect(agg.acceptsSummary(T0, T0 + 1000, 0.1, 0.2)).toBe(true);
    // 0.1 + 0.2 as a double-double sum (hi 0.30000000000000004, lo -2.7755575615628914e-17)
    agg.addSummary(T0, T0 + 1000, 2, 0.1, 0.2, 0.30000000000000004, -2.7755575615628914e-17);
    agg.addValues(Float64Array.of(T0 + 2000), Float64Array.of(0.3), 0, 1);
    expect(agg.finish()).toEqual(['0.2']);
  });

  it('refuses a summary that spans a window edge', () => {
    const agg = new WindowAggregator('COUNT', 1, T0);
    expect(agg.acceptsSummary(T0 + 100, T0 + 900, 0, 0)).toBe(true);
    expect(agg.acceptsSummary(T0 + 900, T0 + 1100, 0, 0)).toBe(false);
    expect(new WindowAggregator('COUNT', 0).acceptsSummary(T0, T0, 0, 0)).toBe(false);
  });

  it('averages values whose sum overflows a double exactly, as Python does', () => {
    const huge: [number, number][] = [
      [T0, 1e308],
      [T0 + 1, 1e308],
      [T0 + 2, -1e308],
    ];
    expect(feed(new WindowAggregator('AVG', 60), huge)).toEqual(['3.333333333333333e+307']);
    expect(feed(new WindowAggregator('AVG', 60), huge.slice(0, 2))).toEqual(['1e+308']);
    expect(new WindowAggregator('AVG', 60).acceptsSummary(T0, T0 + 1, 0, 1e308)).toBe(false);
  });

  it('keeps summaries that follow a huge value in the same window in the exact AVG', () => {
    const agg = new WindowAggregator('AVG', 60);
    agg.addValues(Float64Array.of(T0), Float64Array.of(1e271), 0, 1); // over 2^900: exact mode
    agg.addSummary(T0 + 1, T0 + 2, 1000, 8e270, 8e270, 8e273, 0); // 1000 values, sum 8e273
    // Python: float((Fraction(1e271) + Fraction(8e273)) / 1001) == 8.001998001998002e+270
    expect(agg.finishValues()).toEqual([8.001998001998002e270]);
  });

  it('cuts windows where floor((stamp - start) / length) changes, for any length and anchor', () => {
    const points: [number, number][] = Array.from({ length: 400 }, (_, i) => [T0 + i, 1]);
    for (const [secs, from] of [
      [0.0015, T0 + 0.25],
      [0.0011, T0 - 15.9], // start + k * length rounds below an edge that windowOf puts higher
      [0.0013, T0 - 24.4],
      [0.0035, T0 - 0.7],
      [0.007, T0 + 3],
      [1e300, T0],
    ]) {
      const counts = new Map<number, number>();
      for (const [t] of points) {
        const w = Math.floor((t - from) / (secs * 1000));
        counts.set(w, (counts.get(w) ?? 0) + 1);
      }
      const expected = [...counts.values()].map(String);
      expect(feed(new WindowAggregator('COUNT', secs, from), points, 7)).toEqual(expected);
      // The same from summaries of two values, where they fall in one window.
      const agg = new WindowAggregator('COUNT', secs, from);
      for (let i = 0; i < points.length; i += 2) {
        const [a, b] = [points[i][0], points[i + 1][0]];
        if (agg.acceptsSummary(a, b, 1, 1)) agg.addSummary(a, b, 2, 1, 1, 2, 0);
        else agg.addValues(Float64Array.of(a, b), Float64Array.of(1, 1), 0, 2);
      }
      expect(agg.finish()).toEqual(expected);
    }
  });
});
