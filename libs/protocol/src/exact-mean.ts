/**
 * Exactly rounded means with BigInt rational arithmetic: every finite double is m * 2^e with
 * integers m, e, so a sum of doubles is an exact integer times a power of two, and its quotient by
 * the count can be rounded once, to nearest even, as Python's statistics.mean does (through
 * fractions). Slow: the fallback when a double-double sum overflowed or its rounding is a near
 * tie, and the oracle of the tests.
 */

const view = new DataView(new ArrayBuffer(8));

/** Exponent of the lowest mantissa bit of a finite double (-1074 for zero and subnormals). */
function exponentOf(x: number): number {
  view.setFloat64(0, x);
  const biased = (view.getUint16(0) >>> 4) & 0x7ff;
  return biased === 0 ? -1074 : biased - 1075;
}

/** The signed integer mantissa m of a finite double, with x = m * 2^exponentOf(x) exactly. */
function mantissaOf(x: number): bigint {
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const biased = (high >>> 20) & 0x7ff;
  const fraction = (high & 0xfffff) * 2 ** 32 + view.getUint32(4);
  const m = biased === 0 ? fraction : fraction + 2 ** 52;
  return BigInt(high >>> 31 === 1 ? -m : m);
}

/** Number of bits of a positive BigInt. */
function bitLength(x: bigint): number {
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/**
 * num / den * 2^exp2 rounded to the nearest double, ties to even, subnormals included (den > 0).
 * An exact zero is +0 (Python's mean of [-0.0] is 0.0); a negative result that rounds to zero is -0.
 */
export function roundRatio(num: bigint, den: bigint, exp2: number): number {
  if (num === 0n) return 0;
  const negative = num < 0n;
  const magnitude = negative ? -num : num;
  // Scale so that the integer quotient has 56 or 57 bits: 53 kept, the rest decide the rounding.
  const k = 56 - (bitLength(magnitude) - bitLength(den));
  const n = k >= 0 ? magnitude << BigInt(k) : magnitude;
  const d = k >= 0 ? den : den << BigInt(-k);
  const q = n / d;
  const sticky = n % d !== 0n;
  const unit = exp2 - k;
  // Keep 53 bits, or fewer when the result is subnormal (its last bit is then 2^-1074).
  const drop = Math.max(bitLength(q) - 53, -1074 - unit);
  let kept = q >> BigInt(drop);
  const rest = q - (kept << BigInt(drop));
  const half = 1n << BigInt(drop - 1);
  if (rest > half || (rest === half && (sticky || (kept & 1n) === 1n))) kept += 1n;
  const result = Number(kept) * 2 ** (unit + drop);
  return negative ? -result : result;
}

/** The exactly rounded mean of values[start, end) (finite), as Python's statistics.mean; NaN if empty. */
export function meanOfValues(values: ArrayLike<number>, start: number, end: number): number {
  return end <= start ? NaN : sumOver(values, start, end, end - start);
}

/** (hi + lo) / count exactly rounded, for finite hi and lo and a positive integer count. */
export function exactQuotient(hi: number, lo: number, count: number): number {
  return sumOver([hi, lo], 0, 2, count);
}

/** The exact sum of all `parts` divided by `count`, rounded once (parts finite, count > 0). */
export function exactSumQuotient(parts: ArrayLike<number>, count: number): number {
  return sumOver(parts, 0, parts.length, count);
}

/** The exact sum of values[start, end) divided by count, rounded once. */
function sumOver(values: ArrayLike<number>, start: number, end: number, count: number): number {
  // A common exponent as high as possible keeps the BigInts short (zeros do not count).
  let low = Infinity;
  for (let i = start; i < end; i++) if (values[i] !== 0) low = Math.min(low, exponentOf(values[i]));
  let sum = 0n;
  for (let i = start; i < end; i++) {
    const x = values[i];
    if (x !== 0) sum += mantissaOf(x) << BigInt(exponentOf(x) - low);
  }
  return roundRatio(sum, BigInt(count), low);
}
