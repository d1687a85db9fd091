/**
 * Block numbers, shared by the flush and compaction: each new block file takes the next one, so
 * two writers never pick the same name. Numbers only grow (a gap is harmless).
 */
export class BlockSequence {
  constructor(private last: number) {}

  next(): number {
    return ++this.last;
  }

  /** Reserves `count` consecutive numbers; returns the first. */
  reserve(count: number): number {
    const first = this.last + 1;
    this.last += Math.max(1, count);
    return first;
  }
}
