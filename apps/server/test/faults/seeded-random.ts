/**
 * A small seeded PRNG (mulberry32), so random fault schedules and byte soups are reproducible:
 * every test that uses one prints its seed, and FAULTS_SEED replays a run.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A seed from FAULTS_SEED, or a fixed default (CI runs are reproducible by default). */
  static fromEnv(fallback: number): SeededRandom {
    const fromEnv = Number(process.env.FAULTS_SEED);
    return new SeededRandom(Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : fallback);
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i += 4) {
      const word = Math.floor(this.next() * 4294967296);
      for (let k = 0; k < 4 && i + k < length; k += 1) out[i + k] = (word >>> (8 * k)) & 0xff;
    }
    return out;
  }
}
