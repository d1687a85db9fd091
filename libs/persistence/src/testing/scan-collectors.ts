import type { Clock } from '../clock';
import type { SeriesVisitor } from '../series/series-visitor';

/** Test visitors of FileManager.scan, and a clock the test sets. */

/** Collects what a scan delivers; accepts summaries when told to. */
export class Collector implements SeriesVisitor {
  stamps: number[] = [];
  values: number[] = [];
  summaries = 0;
  summaryCount = 0;
  constructor(private readonly useSummaries = false) {}
  acceptsSummary(): boolean {
    return this.useSummaries;
  }
  addSummary(_a: number, _b: number, count: number): void {
    this.summaries++;
    this.summaryCount += count;
  }
  addValues(stamps: Float64Array, values: Float64Array, start: number, end: number): void {
    for (let i = start; i < end; i++) {
      this.stamps.push(stamps[i]);
      this.values.push(values[i]);
    }
  }
}

/** Count, sum, min and max of what a scan delivers, taking every summary offered. */
export class Totals implements SeriesVisitor {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  acceptsSummary(): boolean {
    return true;
  }
  addSummary(
    _a: number,
    _b: number,
    count: number,
    min: number,
    max: number,
    hi: number,
    lo: number,
  ): void {
    this.count += count;
    this.sum += hi + lo;
    this.min = Math.min(this.min, min);
    this.max = Math.max(this.max, max);
  }
  addValues(_s: ArrayLike<number>, values: ArrayLike<number>, start: number, end: number): void {
    for (let i = start; i < end; i++) {
      this.count++;
      this.sum += values[i];
      this.min = Math.min(this.min, values[i]);
      this.max = Math.max(this.max, values[i]);
    }
  }
}

export class ManualClock implements Clock {
  constructor(public t = 1_700_000_000_000) {}
  now(): number {
    return this.t;
  }
}
