import { RandomMetricSource } from './random-source';
import { RandomWalk } from './random-walk';

/** A deterministic generator (mulberry32), so the specs are reproducible. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('RandomWalk', () => {
  it('stays within [min, max] and moves at most step per value', () => {
    const walk = new RandomWalk({ min: 10, max: 20, step: 3 }, seeded(7));
    let previous: number | undefined;
    for (let i = 0; i < 10_000; i += 1) {
      const value = walk.next();
      expect(value).toBeGreaterThanOrEqual(10);
      expect(value).toBeLessThanOrEqual(20);
      if (previous !== undefined) expect(Math.abs(value - previous)).toBeLessThanOrEqual(3);
      previous = value;
    }
  });

  it('clamps at the bounds', () => {
    const up = new RandomWalk({ min: 0, max: 1, step: 5 }, () => 0.9999);
    expect(up.next()).toBe(1);
    const down = new RandomWalk({ min: 0, max: 1, step: 5 }, () => 0);
    expect(down.next()).toBe(0);
  });
});

describe('RandomMetricSource', () => {
  it('takes the ids in turn, each with its own walk', () => {
    const source = new RandomMetricSource(
      ['a', 'b', 'c'],
      { min: 0, max: 100, step: 1 },
      seeded(1),
    );
    const samples = Array.from({ length: 6 }, () => source.next());
    expect(samples.map((sample) => sample.id)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    for (let i = 0; i < 3; i += 1) {
      expect(Math.abs(samples[i + 3].value - samples[i].value)).toBeLessThanOrEqual(1);
    }
  });

  it('needs at least one id', () => {
    expect(() => new RandomMetricSource([], { min: 0, max: 1, step: 1 }, Math.random)).toThrow();
  });
});
