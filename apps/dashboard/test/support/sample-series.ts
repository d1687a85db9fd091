/** Values that look like a metric (waves plus noise), the same at every run. */

/** A deterministic pseudo-random source in [-0.5, 0.5) (mulberry32). */
export function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

/**
 * LOG lines of two request latencies, one call per tick of 100 ms: a median on an 8-second
 * wave and a 95th percentile above it with a faster wave of its own.
 */
export function latencyLines(p50: string, p95: string): (tick: number) => string[] {
  const medianNoise = noise(50);
  const tailNoise = noise(95);
  return (tick) => {
    const t = tick / 10;
    const median = 120 + 35 * Math.sin((2 * Math.PI * t) / 8) + 12 * medianNoise();
    const tail = median * 1.8 + 25 * Math.sin((2 * Math.PI * t) / 3) + 30 * tailNoise();
    return [`LOG ${p50} ${median.toFixed(1)}`, `LOG ${p95} ${tail.toFixed(1)}`];
  };
}

/** `count` LOG lines of a slow wave with noise, the n-th value of the series first. */
export function waveLines(id: string, first: number, count: number): string[] {
  const next = noise(first + 1);
  return Array.from({ length: count }, (_, i) => {
    const n = first + i;
    return `LOG ${id} ${(50 + 20 * Math.sin(n / 2000) + 5 * next()).toFixed(3)}`;
  });
}
