/**
 * The `value` / `limit` / `secs` grammar of PROTOCOL.md: optional sign, digits with an optional
 * fraction (`7`, `-2.5`, `.5`, `5.`), optional exponent (`1e3`, `2.5E-4`). Number() alone is too
 * lenient (it takes `Infinity`, `0x10`, `''`, surrounding blanks), so a strict regex gates it.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The finite number `token` spells, or undefined when it is not a decimal or overflows. Digit
 * strings of any length are numbers (PROTOCOL.md sets no cap; the line-length limit bounds the
 * work, which is linear), correctly rounded by Number().
 */
export function parseDecimal(token: string): number | undefined {
  const plain = parsePlainDecimal(token);
  if (plain !== undefined) return plain;
  if (!DECIMAL.test(token)) return undefined;
  const value = Number(token);
  // `1e309` matches the grammar but overflows; PROTOCOL.md makes that a usage error.
  return Number.isFinite(value) ? value : undefined;
}

const FAST_PATH_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: FAST_PATH_DIGITS + 1 }, (_, k) => 10 ** k);

/**
 * The common case without a regex: an optional sign and at most 15 digits with an optional dot,
 * no exponent. The digits form an integer below 2^53 and 10^k (k <= 15) is exact, so one IEEE
 * division is correctly rounded, exactly what Number() returns (Clinger's fast path). Anything
 * else (exponents, more digits, not a number at all) is undefined: the full grammar decides.
 */
function parsePlainDecimal(token: string): number | undefined {
  const length = token.length;
  let i = 0;
  const first = token.charCodeAt(0);
  if (first === 45 /* - */ || first === 43 /* + */) i = 1;
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = -1; // -1 until the dot
  for (; i < length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (fractionDigits >= 0) fractionDigits++;
    } else if (c === 46 /* . */ && fractionDigits < 0) {
      fractionDigits = 0;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || digits > FAST_PATH_DIGITS) return undefined;
  const value = fractionDigits > 0 ? mantissa / POWERS_OF_TEN[fractionDigits] : mantissa;
  return first === 45 ? -value : value;
}
