/**
 * Decimal-aware values (after VictoriaMetrics lib/encoding): most gauges are short decimals, and
 * v = m / 10^e with a small integer m packs far tighter than v's 64 bits.
 *
 * Exactness: the decoder computes m / POW10[e]. Both are exact doubles, so the quotient is the
 * correctly rounded m / 10^e; the encoder picks e only after checking that this very expression
 * gives back every value, so a decimal chunk decodes bit for bit.
 */
export const MAX_EXPONENT = 22;

/** 10^0..10^22: every entry is exact in binary64 (5^22 < 2^53), and 10^23 is not. */
export const POW10: readonly number[] = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
  1e18, 1e19, 1e20, 1e21, 1e22,
];

function fitsAt(v: number, e: number): boolean {
  const scaled = v * POW10[e];
  // Rejects NaN and infinities too; -0 is rejected by the caller (the mantissa would be +0).
  if (!(scaled <= Number.MAX_SAFE_INTEGER && scaled >= -Number.MAX_SAFE_INTEGER)) return false;
  return Math.round(scaled) / POW10[e] === v;
}

/**
 * The smallest e such that every v of values[start..start+count) is a safe integer m over 10^e,
 * or -1 when there is none (then the values are stored as XOR or raw doubles).
 */
export function decimalExponent(values: ArrayLike<number>, start: number, count: number): number {
  let e = 0;
  let raisedAt = 0;
  for (let i = 0; i < count; i++) {
    const v = values[start + i];
    if (Object.is(v, -0)) return -1;
    while (!fitsAt(v, e)) {
      if (e === MAX_EXPONENT) return -1;
      e++;
      raisedAt = i;
    }
  }
  // Values before the last raise were checked at a smaller exponent only. A value exact at e is
  // almost always exact at e + 1 too, so when that fails this gives up rather than searching on.
  for (let i = 0; i < raisedAt; i++) if (!fitsAt(values[start + i], e)) return -1;
  return e;
}

/** The mantissas of values that `decimalExponent` accepted at `e`. */
export function mantissas(
  values: ArrayLike<number>,
  start: number,
  count: number,
  e: number,
): Float64Array {
  const out = new Float64Array(count);
  const scale = POW10[e];
  for (let i = 0; i < count; i++) out[i] = Math.round(values[start + i] * scale);
  return out;
}
