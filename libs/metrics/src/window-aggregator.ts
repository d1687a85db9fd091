import type { SeriesVisitor } from '@app/persistence';
import type { AggregateOp } from '@app/protocol';
import { DoubleDoubleSum, exactSumQuotient, formatCount, formatFloat, meanOf } from '@app/protocol';

/**
 * Values this large could overflow a double-double sum: a window that meets one keeps its values
 * and computes AVG exactly (BigInt), and summaries holding one are not used for AVG.
 */
const HUGE = 2 ** 900;

/**
 * QUERY's windowing and aggregation over a stream of values in time order (PROTOCOL.md,
 * Semantics): windows of `secs` seconds starting at `from`, or at the first value's stamp; empty
 * windows yield nothing; secs 0 yields every value on its own. Memory is one accumulator plus the
 * results: proportional to the number of windows, not of values.
 */
export class WindowAggregator implements SeriesVisitor {
  private readonly windowMs: number;
  private start: number | undefined;
  private window = NaN;
  /**
   * The current window as stamps: the first one seen in it, and the first stamp of a later window.
   * Stamps come in time order, so a stamp in [windowFirst, windowEnd) is in the current window
   * without a division (windowOf): what makes a value, or a summary, cost a comparison.
   */
  private windowFirst = Infinity;
  private windowEnd = -Infinity;
  private count = 0;
  private min = 0;
  private max = 0;
  private readonly sum = new DoubleDoubleSum();
  /** The current window's sum as exact parts, once it met a HUGE value (AVG only). */
  private exactParts: number[] | undefined;
  /** One aggregate per non-empty window, oldest first (formatted only at the end). */
  private readonly results: number[] = [];
  /** With `withStarts`: each result's window start (secs 0: each value's stamp). */
  readonly starts: number[] | undefined;

  constructor(
    private readonly op: AggregateOp,
    secs: number,
    from?: number,
    withStarts = false,
  ) {
    this.windowMs = secs * 1000;
    this.start = from;
    if (withStarts) this.starts = [];
  }

  /**
   * Which window a stamp falls in. Stamps are whole milliseconds, so windows of at most 1 ms hold
   * only values of one stamp: the stamp itself is the key (no division that could overflow).
   */
  private windowOf(stamp: number): number {
    return this.windowMs <= 1
      ? stamp
      : Math.floor((stamp - (this.start as number)) / this.windowMs);
  }

  /** secs 0: every value on its own, so no summary is ever taken. */
  get valuesOnly(): boolean {
    return this.windowMs === 0;
  }

  acceptsSummary(minStamp: number, maxStamp: number, min: number, max: number): boolean {
    if (this.windowMs === 0) return false;
    if (this.op === 'AVG' && (max >= HUGE || min <= -HUGE)) return false;
    if (this.start === undefined) return this.windowMs > maxStamp - minStamp;
    if (minStamp >= this.windowFirst && maxStamp < this.windowEnd) return true;
    return this.windowOf(minStamp) === this.windowOf(maxStamp);
  }

  addSummary(
    minStamp: number,
    _maxStamp: number,
    count: number,
    min: number,
    max: number,
    sumHi: number,
    sumLo: number,
  ): void {
    this.start ??= minStamp;
    this.enterWindowOf(minStamp);
    this.extend(min, max);
    this.count += count;
    if (this.exactParts) this.exactParts.push(sumHi, sumLo);
    else this.sum.addPair(sumHi, sumLo);
  }

  addValues(
    stamps: ArrayLike<number>,
    values: ArrayLike<number>,
    start: number,
    end: number,
  ): void {
    if (this.windowMs === 0) {
      for (let i = start; i < end; i++) this.results.push(this.op === 'COUNT' ? 1 : values[i]);
      if (this.starts) for (let i = start; i < end; i++) this.starts.push(stamps[i]);
      return;
    }
    this.start ??= stamps[start];
    const sum = this.sum;
    for (let i = start; i < end; i++) {
      const stamp = stamps[i];
      if (stamp >= this.windowEnd || stamp < this.windowFirst) this.enterWindowOf(stamp);
      const v = values[i];
      this.extend(v, v);
      this.count++;
      if (this.exactParts === undefined && v < HUGE && v > -HUGE) sum.add(v);
      else this.addExact(v);
    }
  }

  /** Widens the window's min and max; strict comparisons keep the earlier of equal values. */
  private extend(min: number, max: number): void {
    if (this.count === 0) {
      this.min = min;
      this.max = max;
    } else {
      if (min < this.min) this.min = min;
      if (max > this.max) this.max = max;
    }
  }

  private addExact(v: number): void {
    (this.exactParts ??= [this.sum.hi, this.sum.lo]).push(v);
  }

  /** The aggregates, oldest window first. */
  finishValues(): number[] {
    this.emit();
    return this.results;
  }

  /** The aggregates formatted as PROTOCOL.md prints them, oldest window first. */
  finish(): string[] {
    const values = this.finishValues();
    const format = this.op === 'COUNT' ? formatCount : formatFloat;
    const out = new Array<string>(values.length);
    for (let i = 0; i < values.length; i++) out[i] = format(values[i]);
    return out;
  }

  /** Moves to the window of `stamp` (emitting the current one if that is another). */
  private enterWindowOf(stamp: number): void {
    if (stamp >= this.windowFirst && stamp < this.windowEnd) return;
    const window = this.windowOf(stamp);
    if (window !== this.window) {
      this.emit();
      this.window = window;
      this.windowEnd = this.endOf(window);
      this.windowFirst = stamp;
    } else if (stamp < this.windowFirst) this.windowFirst = stamp;
  }

  /**
   * The first whole-millisecond stamp of a later window than `window`: where windowOf's result
   * grows, found from the arithmetic edge by windowOf itself, so that both always agree.
   */
  private endOf(window: number): number {
    if (this.windowMs <= 1) return window + 1; // the window is the stamp
    let end = Math.ceil((this.start as number) + (window + 1) * this.windowMs);
    // Beyond the safe integers a step of 1 changes nothing; no stamp lies there anyway.
    if (!(Math.abs(end) < Number.MAX_SAFE_INTEGER)) return end > 0 ? Infinity : -Infinity;
    while (this.windowOf(end - 1) > window) end--;
    while (this.windowOf(end) <= window) end++;
    return end;
  }

  private emit(): void {
    if (this.count === 0) return;
    this.results.push(this.aggregate());
    this.starts?.push(
      this.windowMs <= 1 ? this.window : (this.start as number) + this.window * this.windowMs,
    );
    this.count = 0;
    this.sum.reset();
    this.exactParts = undefined;
  }

  private aggregate(): number {
    switch (this.op) {
      case 'COUNT':
        return this.count;
      case 'MIN':
        return this.min;
      case 'MAX':
        return this.max;
      case 'AVG':
        return this.exactParts
          ? exactSumQuotient(this.exactParts, this.count)
          : meanOf(this.sum.hi, this.sum.lo, this.count);
    }
  }
}
