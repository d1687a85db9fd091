import { Sample } from '../sources/metric-source';

/**
 * `LOG <id> <value>` for a sample. Values are rounded to three decimals: a load generator has
 * no use for the 17 digits of a random double, and short lines are cheaper for both sides.
 * `String()` of a finite number is always a valid protocol decimal (`12.5`, `-3`, `1e+21`).
 */
export function logCommand(sample: Sample): string {
  const { value } = sample;
  // Beyond 1e15 a double has no decimals left to round (and value * 1000 could overflow).
  const rounded = Math.abs(value) < 1e15 ? Math.round(value * 1000) / 1000 : value;
  return `LOG ${sample.id} ${String(rounded === 0 ? 0 : rounded)}`;
}
