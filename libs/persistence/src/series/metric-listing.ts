import type { ApiMetricSummary } from '@app/protocol';
import type { SeriesVisitor } from './series-visitor';

/** One metric as the dashboard lists it: the HTTP API's type (libs/protocol/src/http-api.ts). */
export type MetricSummary = ApiMetricSummary;

/** A page of metric ids in id order, and how many match in all. */
export interface MetricIdPage {
  ids: string[];
  total: number;
  /** The last id of this page when more follow (the next page starts after it). */
  lastId: string | null;
}

/**
 * The metric ids sorted, kept for searches until a metric is added (metrics are only ever added
 * to the catalog: a deleted or forgotten one stays, and `visible` filters it out). Sorting
 * 100,000 ids takes tens of milliseconds: done once per change, not per request.
 */
export class SortedMetricIds {
  private sorted: string[] = [];
  private lowered: string[] = [];
  private sortedAt = -1;

  constructor(
    private readonly ids: () => Iterable<string>,
    private readonly size: () => number,
  ) {}

  /**
   * The ids containing `search` (case-insensitive) that `visible` accepts, in id order, from
   * after `after` on; `limit` of them, and the total.
   */
  page(search: string, limit: number, after: string | null, visible: (id: string) => boolean) {
    this.refresh();
    const needle = search.toLowerCase();
    let total = 0;
    const ids: string[] = [];
    let more = false;
    for (let i = 0; i < this.sorted.length; i++) {
      const id = this.sorted[i];
      if (needle !== '' && !this.lowered[i].includes(needle)) continue;
      if (!visible(id)) continue;
      total++;
      if (after !== null && id <= after) continue;
      if (ids.length < limit) ids.push(id);
      else more = true;
    }
    const page: MetricIdPage = { ids, total, lastId: more ? ids[ids.length - 1] : null };
    return page;
  }

  private refresh(): void {
    if (this.sortedAt === this.size()) return;
    this.sorted = [...this.ids()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.lowered = this.sorted.map((id) => id.toLowerCase());
    this.sortedAt = this.sorted.length;
  }
}

/**
 * Counts a metric's values and finds its first and last stamps, taking chunk summaries whole
 * (no chunk is read for them); the last value too when the last values came from a head or a
 * chunk that was read (else `lastValueStamp` < `lastStamp`, and a scan of the last stamp alone
 * reads it: see LastValueVisitor).
 */
export class SummaryVisitor implements SeriesVisitor {
  count = 0;
  firstStamp = Infinity;
  lastStamp = -Infinity;
  lastValue = NaN;
  lastValueStamp = -Infinity;

  acceptsSummary(): boolean {
    return true;
  }

  addSummary(minStamp: number, maxStamp: number, count: number): void {
    this.count += count;
    this.firstStamp = Math.min(this.firstStamp, minStamp);
    this.lastStamp = Math.max(this.lastStamp, maxStamp);
  }

  addValues(stamps: ArrayLike<number>, values: ArrayLike<number>, start: number, end: number) {
    if (end <= start) return;
    this.count += end - start;
    this.firstStamp = Math.min(this.firstStamp, stamps[start]);
    if (stamps[end - 1] >= this.lastStamp) {
      this.lastStamp = stamps[end - 1];
      this.lastValue = values[end - 1];
      this.lastValueStamp = this.lastStamp;
    }
  }
}

/** The last value fed (reads every chunk it is given: no summary stands for values). */
export class LastValueVisitor implements SeriesVisitor {
  value = NaN;

  acceptsSummary(): boolean {
    return false;
  }

  addSummary(): void {}

  addValues(_stamps: ArrayLike<number>, values: ArrayLike<number>, start: number, end: number) {
    if (end > start) this.value = values[end - 1];
  }
}
