import { InvalidArgumentError } from 'commander';
import { isValidTimeZone } from '@app/protocol';
import { isValidMetricId } from '@app/protocol';

/**
 * Parsers for option values, shared by flags, environment variables and the config file (all
 * three go through commander's Option#parseArg), so a bad value is reported the same way
 * wherever it came from. Each throws InvalidArgumentError with what was expected.
 */

/** A plain decimal (`5`, `-2.5`, `.5`, `1e3`); rejects `''`, `0x10`, `Infinity`. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseNumber(text: string): number {
  const value = Number(text.trim());
  if (!DECIMAL.test(text.trim()) || !Number.isFinite(value)) {
    throw new InvalidArgumentError('expected a number.');
  }
  return value;
}

export function parseNonNegative(text: string): number {
  const value = parseNumber(text);
  if (value < 0) throw new InvalidArgumentError('expected a number >= 0.');
  return value;
}

export function parsePositive(text: string): number {
  const value = parseNumber(text);
  if (value <= 0) throw new InvalidArgumentError('expected a number > 0.');
  return value;
}

export function parseNonNegativeInt(text: string): number {
  const value = parseNumber(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError('expected a whole number >= 0.');
  }
  return value;
}

export function parsePositiveInt(text: string): number {
  const value = parseNonNegativeInt(text);
  if (value === 0) throw new InvalidArgumentError('expected a whole number >= 1.');
  return value;
}

export function parsePort(text: string): number {
  const value = parseNonNegativeInt(text);
  if (value < 1 || value > 65535) throw new InvalidArgumentError('expected a port, 1 to 65535.');
  return value;
}

/** A comma-separated list of metric ids, each valid per the protocol. */
export function parseIdList(text: string): string[] {
  const ids = text
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (ids.length === 0) throw new InvalidArgumentError('expected at least one metric id.');
  const bad = ids.find((id) => !isValidMetricId(id));
  if (bad !== undefined) {
    throw new InvalidArgumentError(
      `"${bad}" is not a metric id (1 to 200 of A-Z a-z 0-9 _ . : -, not starting with . : -).`,
    );
  }
  return ids;
}

export function parseTimeZone(text: string): string {
  if (!isValidTimeZone(text)) {
    throw new InvalidArgumentError('expected an IANA time zone such as UTC or Europe/Madrid.');
  }
  return text;
}
