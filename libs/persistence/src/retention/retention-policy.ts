/**
 * What storage keeps (PULSE_RETENTION, PULSE_RETENTION_BYTES), as the times and sizes the rest of
 * storage asks about. Retention is decided at read time (a value that has just gone out is not
 * selected, even while its block is still on disk) and enforced on disk by compaction.
 */
export class RetentionPolicy {
  /**
   * @param retentionMs values older than now minus this are gone; 0 keeps everything.
   * @param retentionBytes above this many bytes of blocks, the oldest blocks go too; 0: no limit.
   */
  constructor(
    readonly retentionMs = 0,
    readonly retentionBytes = 0,
  ) {}

  static readonly keepEverything = new RetentionPolicy();

  /** The earliest stamp a QUERY or an alert check may select at `now`. */
  cutoff(now: number): number {
    return this.retentionMs > 0 ? now - this.retentionMs : -Infinity;
  }

  /**
   * A metric whose last value is stamped before this is forgotten (404): its values have been
   * gone for a whole retention period. Until then it answers `200 []`: it existed.
   */
  forgetBefore(now: number): number {
    return this.retentionMs > 0 ? now - 2 * this.retentionMs : -Infinity;
  }

  /**
   * Retention is for clients' metrics. Storage's own bookkeeping (ids starting with '#', which no
   * client can write, such as a cluster partition's applied sequence) is never dropped: losing
   * it would make a node apply the stream again from the start.
   */
  appliesTo(id: string): boolean {
    return retentionAppliesTo(id);
  }
}

/** RetentionPolicy.appliesTo as a plain function, for compaction's worker thread. */
export const retentionAppliesTo = (id: string): boolean => id.charCodeAt(0) !== 0x23; // '#'
