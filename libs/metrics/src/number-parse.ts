/**
 * The `value` / `limit` / `secs` grammar of PROTOCOL.md: optional sign, digits with an optional
 * fraction (`7`, `-2.5`, `.5`, `5.`), optional exponent (`1e3`, `2.5E-4`). Number() alone is too
 * lenient (it takes `Infinity`, `0x10`, `''`, surrounding blanks), so a strict regex gates it.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Longest token considered: long digit strings are legal, but parsing one costs time linear in its
 * length, and no real client sends a thousand digits.
 */
export const MAX_DECIMAL_LENGTH = 1000;

/** The finite number `token` spells, or undefined when it is not a decimal or overflows. */
export function parseDecimal(token: string): number | undefined {
  if (token.length > MAX_DECIMAL_LENGTH || !DECIMAL.test(token)) return undefined;
  const value = Number(token);
  // `1e309` matches the grammar but overflows; PROTOCOL.md makes that a usage error.
  return Number.isFinite(value) ? value : undefined;
}
