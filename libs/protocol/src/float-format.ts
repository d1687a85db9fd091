/**
 * Aggregates printed the way Python's `repr(float)` prints them (PROTOCOL.md, Semantics): the
 * shortest digits that read back to the same double, fixed notation iff the decimal exponent of
 * those digits is in [-4, 16), `.0` on integral fixed values, and `e±XX` exponents otherwise.
 *
 * JavaScript's Number#toString already picks the same digits (shortest, then closest, as Python's
 * dtoa mode 0 does); only the layout differs: JS switches to exponent form at 1e21 and 1e-7.
 */

/** Python's fixed-notation range, as doubles (both bounds are exactly what repr switches at). */
const FIXED_MIN = 1e-4;
const FIXED_LIMIT = 1e16;

/** `x` as Python's `repr(x)`. */
export function formatFloat(x: number): string {
  const magnitude = Math.abs(x);
  if (magnitude >= FIXED_MIN && magnitude < FIXED_LIMIT) {
    // Both languages print fixed notation here, with the same digits.
    const text = x.toString();
    return text.includes('.') ? text : `${text}.0`;
  }
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // Callers pass finite values; should one slip through, print it as Python would, not garbage.
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  return formatExponent(x);
}

/** A COUNT aggregate: a plain integer. */
export function formatCount(n: number): string {
  return n.toString();
}

/** `d[.ddd]e±XX` from the shortest digits; only reached for |x| < 1e-4 or >= 1e16. */
function formatExponent(x: number): string {
  const { digits, exponent } = shortestDigits(Math.abs(x));
  const mantissa = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  const sign = exponent < 0 ? '-' : '+';
  const power = Math.abs(exponent).toString().padStart(2, '0');
  return `${x < 0 ? '-' : ''}${mantissa}e${sign}${power}`;
}

/**
 * The significant digits of `magnitude` (> 0) with no leading or trailing zeros, and the decimal
 * exponent of the first one, read off whichever layout Number#toString chose.
 */
function shortestDigits(magnitude: number): { digits: string; exponent: number } {
  const text = magnitude.toString();
  const e = text.indexOf('e');
  const mantissa = e < 0 ? text : text.slice(0, e);
  const shift = e < 0 ? 0 : Number(text.slice(e + 1));
  const point = mantissa.indexOf('.');
  const integerLength = point < 0 ? mantissa.length : point;
  const all = point < 0 ? mantissa : mantissa.slice(0, point) + mantissa.slice(point + 1);
  let first = 0;
  while (all.charCodeAt(first) === 48 /* '0' */) first++;
  let last = all.length;
  while (all.charCodeAt(last - 1) === 48) last--;
  return { digits: all.slice(first, last), exponent: integerLength - 1 - first + shift };
}
