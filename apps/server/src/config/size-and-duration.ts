import {
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import parseBytes from 'bytes';
import ms from 'ms';

/** Parses a retention duration: `30d`, `12h`, `90m`, `45s` (the `ms` package's units); `0` is none. */
export function parseDuration(text: string): number | undefined {
  if (text.trim() === '0') return 0;
  if (!/^\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w|y)\s*$/i.test(text)) return undefined;
  const value = ms(text as ms.StringValue);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Parses a size: `500MB`, `2GB`, `1.5TB` (powers of 1024, the `bytes` package's units), `0` is none. */
export function parseSize(text: string): number | undefined {
  if (!/^\s*\d+(\.\d+)?\s*(b|kb|mb|gb|tb|pb)?\s*$/i.test(text)) return undefined;
  const value = parseBytes.parse(text);
  return value !== null && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

@ValidatorConstraint({ name: 'duration' })
export class DurationConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && parseDuration(value) !== undefined;
  }

  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be a duration such as 30d, 12h or 90m, or 0 to keep everything`;
  }
}

@ValidatorConstraint({ name: 'size' })
export class SizeConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && parseSize(value) !== undefined;
  }

  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be a size such as 500MB or 2GB, or 0 for no limit`;
  }
}
