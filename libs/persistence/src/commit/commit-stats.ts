/**
 * Counts of the group commits, kept as plain numbers in fixed buckets so that recording one costs
 * the commit path a few comparisons and increments; the server's /metrics reads them at scrape
 * time (apps/server/src/observability).
 */
export class BucketCounts {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  /** `bounds`: upper bounds of the buckets, ascending (a last +Inf bucket is implied). */
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }
}

export class CommitStats {
  /** Seconds from the start of a commit's WAL write to its values being visible. */
  readonly seconds = new BucketCounts([
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
  ]);
  /** Values per commit (the group commit's batch size). */
  readonly values = new BucketCounts([1, 4, 16, 64, 256, 1024, 4096, 16384, 65536]);
  failed = 0;
}
