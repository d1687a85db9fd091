import { exactQuotient } from './exact-mean';

export { meanOfValues } from './exact-mean';

/**
 * Double-double arithmetic for AVG (PROTOCOL.md, Semantics): the mean must be the exact mean
 * rounded once, like Python's statistics.mean. For 0.1, 0.2, 0.3 a plain sum divided by the count
 * gives 0.20000000000000004 and a compensated one 0.19999999999999998 (the division rounds a
 * second time); a sum kept as an unevaluated hi + lo pair (about 106 bits) and a division done in
 * the same precision give 0.2.
 */

/** Veltkamp's splitter 2^27 + 1: splits a double into two 26-bit halves whose products are exact. */
const SPLITTER = 134217729;

/**
 * Fast-path range of |hi| in meanOf: above it the split of the quotient could overflow, below it
 * the error terms could underflow; both are left to the exact BigInt path.
 */
const FAST_MAX = 2 ** 995;
const FAST_MIN = 2 ** -800;

/** A margin over the worst error of the double-double quotient (about 2^-103 relative). */
const TIE_MARGIN = 2 ** -99;

/**
 * A running double-double sum. Mutable and allocation-free: the query path adds millions of values
 * to one instance. hi and lo are public so that chunk summaries can store and merge them. Adding
 * one double is Knuth's TwoSum with the error folded into lo. The one implementation: the
 * storage's chunk summaries (RunningSummary) keep their sums in one of these, so the query path
 * and the storage compute the same pair.
 */
export class DoubleDoubleSum {
  hi = 0;
  lo = 0;

  add(x: number): void {
    const hi = this.hi;
    const s = hi + x;
    const bp = s - hi;
    const lo = this.lo + (hi - (s - bp) + (x - bp));
    const h = s + lo;
    this.lo = lo - (h - s);
    this.hi = h;
  }

  /**
   * Adds another double-double (a partial sum, hi + lo) accurately: TwoSum of both halves, then
   * the errors folded in and renormalised twice (Bailey's QD "ieee_add", about 106 bits). The
   * query path merges chunk summaries with it, and the storage merges a block's chunk summaries
   * into per-metric run summaries with it.
   */
  addPair(bHi: number, bLo: number): void {
    const a = this.hi;
    const s = a + bHi;
    const sb = s - a;
    const se = a - (s - sb) + (bHi - sb);
    const c = this.lo;
    const t = c + bLo;
    const tb = t - c;
    const te = c - (t - tb) + (bLo - tb);
    const lo1 = se + t;
    const hi1 = s + lo1;
    const lo2 = lo1 - (hi1 - s) + te;
    const hi2 = hi1 + lo2;
    this.lo = lo2 - (hi2 - hi1);
    this.hi = hi2;
  }

  reset(): void {
    this.hi = 0;
    this.lo = 0;
  }
}

/**
 * (hi + lo) / count rounded once to the nearest double. count is a positive integer. A non-finite
 * pair (the sum overflowed) yields a non-finite result: recompute from the values with
 * meanOfValues then.
 *
 * The quotient is q1 + q2: q1 = hi / count, q2 = the exact remainder (hi - q1 * count, by Dekker's
 * product, plus lo) over count. q1 + q2 is off by about 2^-103 relative, which decides the rounding
 * unless the exact mean sits within that distance of a tie between two doubles; that case (exact
 * ties, say) is settled by the BigInt path.
 */
export function meanOf(hi: number, lo: number, count: number): number {
  // Renormalise: callers may pass a pair built elsewhere (chunk summaries).
  const s = hi + lo;
  if (!Number.isFinite(s)) return s / count;
  // An exact zero mean is +0, as in Python (the pair may be -0 after adding -0.0 values).
  if (s === 0) return 0;
  const sb = s - hi;
  const e = hi - (s - sb) + (lo - sb);
  const magnitude = Math.abs(s);
  if (magnitude >= FAST_MAX || magnitude < FAST_MIN) return exactQuotient(s, e, count);

  const q1 = s / count;
  // Dekker: q1 * count = p + pe exactly.
  const p = q1 * count;
  let c = SPLITTER * q1;
  const qh = c - (c - q1);
  const ql = q1 - qh;
  c = SPLITTER * count;
  const nh = c - (c - count);
  const nl = count - nh;
  const pe = qh * nh - p + qh * nl + ql * nh + ql * nl;
  // s - q1 * count is a double when q1 is a rounded quotient, so this is exact.
  const rem = s - p - pe;
  // The rest of the quotient, to within 2^-52 of itself: (rem + e) is rounded once, and divided.
  const q2 = (rem + e) / count;

  const t = q1 + q2;
  const tb = t - q1;
  const te = q1 - (t - tb) + (q2 - tb);
  // t is the rounding of every value within the error bound of q1 + q2 = t + te: it is the answer.
  const margin = Math.abs(t) * TIE_MARGIN;
  if (t + (te + margin) === t && t + (te - margin) === t) return t;
  return exactQuotient(s, e, count);
}
