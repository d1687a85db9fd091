import { partitionOf, preferredOwner } from './partition-of';

describe('partitionOf', () => {
  it('is FNV-1a 32 modulo the partition count (fixed values: nodes must agree for ever)', () => {
    // FNV-1a 32 of "a" is 0xe40c292c, of "foobar" 0xbf9cf968 (the published test vectors).
    expect(partitionOf('a', 0x7fffffff)).toBe(0xe40c292c % 0x7fffffff);
    expect(partitionOf('foobar', 1000)).toBe(0xbf9cf968 % 1000);
  });

  it('spreads ids over every partition', () => {
    const counts = new Array<number>(32).fill(0);
    for (let i = 0; i < 32_000; i++) counts[partitionOf(`host-${i}.cpu`, 32)]++;
    expect(Math.min(...counts)).toBeGreaterThan(700);
    expect(Math.max(...counts)).toBeLessThan(1300);
  });
});

describe('preferredOwner', () => {
  const nodes = ['a', 'b', 'c'];

  it('does not depend on the order the nodes are listed in', () => {
    for (let p = 0; p < 64; p++) {
      expect(preferredOwner(p, nodes)).toBe(preferredOwner(p, [...nodes].reverse()));
    }
  });

  it('moves only the partitions of a node that leaves', () => {
    for (let p = 0; p < 64; p++) {
      const before = preferredOwner(p, nodes);
      const after = preferredOwner(p, ['a', 'b']);
      if (before !== 'c') expect(after).toBe(before);
    }
  });

  it('gives every node some partitions, and none when there is no node', () => {
    const owners = new Set(Array.from({ length: 32 }, (_, p) => preferredOwner(p, nodes)));
    expect([...owners].sort()).toEqual(nodes);
    expect(preferredOwner(0, [])).toBeUndefined();
  });
});
