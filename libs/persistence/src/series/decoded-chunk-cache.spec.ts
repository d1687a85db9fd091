import { ChunkSegments } from './chunk-segments';
import { DecodedChunk, DecodedChunkCache, cachedBytes } from './decoded-chunk-cache';

function chunk(values: number): DecodedChunk {
  const stamps = Float64Array.from({ length: values }, (_, i) => i);
  return { stamps, values: stamps, segments: new ChunkSegments(stamps, stamps, 0, values) };
}

describe('DecodedChunkCache', () => {
  it('drops least recently used chunks, once full, until a quarter of it is free', () => {
    const cache = new DecodedChunkCache(3 * cachedBytes(100));
    const [a, b, c, d] = [chunk(100), chunk(100), chunk(100), chunk(100)];
    cache.put(1, 0, a);
    cache.put(1, 1, b);
    cache.put(2, 0, c);
    expect(cache.get(1, 0)).toBe(a); // now the most recent
    cache.put(2, 5, d);
    expect([cache.has(1, 1), cache.has(2, 0)]).toEqual([false, false]);
    expect([cache.get(1, 0), cache.get(2, 5)]).toEqual([a, d]);
    expect(cache.size).toBe(2 * cachedBytes(100));
    cache.put(2, 5, chunk(50)); // replaced, not added
    expect(cache.size).toBe(cachedBytes(100) + cachedBytes(50));
  });

  it('counts what a chunk costs besides its values', () => {
    expect(cachedBytes(1024)).toBe(16 * 1024 + 64 * 6 * 8 + 1024);
    expect(cachedBytes(1)).toBeGreaterThan(1000); // a few values cost their objects
  });

  it('lets one scan fill half of it', () => {
    const cache = new DecodedChunkCache(1000);
    expect(cache.admits(0, 500)).toBe(true);
    expect(cache.admits(400, 101)).toBe(false);
    expect(new DecodedChunkCache(0).admits(0, 1)).toBe(false);
  });

  it('forgets the chunks of closed blocks, and everything on clear', () => {
    const cache = new DecodedChunkCache(100_000);
    cache.put(1, 0, chunk(10));
    cache.put(2, 0, chunk(10));
    cache.put(2 ** 20, 2 ** 31, chunk(10));
    cache.dropBlocks([2, 2 ** 20]);
    expect([cache.has(1, 0), cache.has(2, 0), cache.has(2 ** 20, 2 ** 31)]).toEqual([
      true,
      false,
      false,
    ]);
    expect(cache.size).toBe(cachedBytes(10));
    cache.clear();
    expect([cache.has(1, 0), cache.size]).toEqual([false, 0]);
  });
});
