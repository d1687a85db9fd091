/** A double-double: an unevaluated sum hi + lo with |lo| <= ulp(hi) / 2. */
export interface DoubleDouble {
  hi: number;
  lo: number;
}

/**
 * Adds the double-double (bHi, bLo) into `target`, accurately: TwoSum of both halves, then the
 * errors folded in and renormalised twice (Bailey's QD "ieee_add", about 106 bits). The one
 * implementation of it: the query path merges chunk summaries with it (libs/metrics
 * DoubleDoubleSum) and the storage merges a block's chunk summaries into per-metric run
 * summaries with it.
 */
export function addDoubleDouble(target: DoubleDouble, bHi: number, bLo: number): void {
  const a = target.hi;
  const s = a + bHi;
  const sb = s - a;
  const se = a - (s - sb) + (bHi - sb);
  const c = target.lo;
  const t = c + bLo;
  const tb = t - c;
  const te = c - (t - tb) + (bLo - tb);
  const lo1 = se + t;
  const hi1 = s + lo1;
  const lo2 = lo1 - (hi1 - s) + te;
  const hi2 = hi1 + lo2;
  target.lo = lo2 - (hi2 - hi1);
  target.hi = hi2;
}
