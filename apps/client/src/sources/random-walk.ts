export interface WalkRange {
  min: number;
  max: number;
  /** Largest change between two consecutive values. */
  step: number;
}

/**
 * A bounded random walk: each value moves at most `step` from the previous one and is clamped
 * to [min, max]. Smoother than independent draws, so charts and alert rules on the generated
 * metrics look like a real signal.
 */
export class RandomWalk {
  private value: number;

  constructor(
    private readonly range: WalkRange,
    private readonly random: () => number,
  ) {
    this.value = range.min + random() * (range.max - range.min);
  }

  next(): number {
    const { min, max, step } = this.range;
    this.value = Math.min(max, Math.max(min, this.value + (this.random() * 2 - 1) * step));
    return this.value;
  }
}
