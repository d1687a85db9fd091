import type { SeriesVisitor } from '@app/persistence';
import type { AggregateOp } from '@app/protocol';
import { DoubleDoubleSum, exactSumQuotient, formatCount, formatFloat, meanOf } from '@app/protocol';
import { WindowCursor } from './window-cursor';

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
  /** Where the windows are; set at the first value when there is no `from`. */
  private cursor: WindowCursor | undefined;
  /** The window the accumulator below holds values of. */
  private window = NaN;
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
    if (from !== undefined) this.cursor = new WindowCursor(this.windowMs, from);
    if (withStarts) this.starts = [];
  }

  /** secs 0: every value on its own, so no summary is ever taken. */
  get valuesOnly(): boolean {
    return this.windowMs === 0;
  }

  acceptsSummary(minStamp: number, maxStamp: number, min: number, max: number): boolean {
    if (this.windowMs === 0) return false;
    if (this.op === 'AVG' && (max >= HUGE || min <= -HUGE)) return false;
    // The first summary starts the first window.
    if (!this.cursor) return this.windowMs > maxStamp - minStamp;
    return this.cursor.together(minStamp, maxStamp);
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
    const cursor = (this.cursor ??= new WindowCursor(this.windowMs, minStamp));
    if (cursor.moveTo(minStamp)) this.enter(cursor);
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
    const cursor = (this.cursor ??= new WindowCursor(this.windowMs, stamps[start]));
    const sum = this.sum;
    for (let i = start; i < end; i++) {
      const stamp = stamps[i];
      if (!cursor.holds(stamp) && cursor.moveTo(stamp)) this.enter(cursor);
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

  /** The cursor moved to another window: the current one is done. */
  private enter(cursor: WindowCursor): void {
    this.emit();
    this.window = cursor.window;
  }

  private emit(): void {
    if (this.count === 0) return;
    this.results.push(this.aggregate());
    if (this.starts) {
      const { start } = this.cursor as WindowCursor;
      this.starts.push(this.windowMs <= 1 ? this.window : start + this.window * this.windowMs);
    }
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
