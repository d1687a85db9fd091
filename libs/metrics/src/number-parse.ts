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
  if (!DECIMAL.test(token)) return undefined;
  const value = Number(token);
  // `1e309` matches the grammar but overflows; PROTOCOL.md makes that a usage error.
  return Number.isFinite(value) ? value : undefined;
}
