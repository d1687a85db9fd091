import { DateTime, IANAZone } from 'luxon';

/**
 * QUERY's `from` / `to` (PROTOCOL.md, Arguments): `YYYY-MM-DD`, optionally `THH:mm`, `:ss`, a
 * fraction after the seconds, and a zone (`Z`, `+03:00`, `-0300`, `+03`) after the time. Strict on
 * purpose: a date the server reads differently from what the client meant is worse than a usage
 * error, so lowercase `t`/`z`, a zone without a time and out-of-range fields are all rejected.
 */
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Longest token considered (a fraction may carry many digits; they only bound the work). */
const MAX_DATE_LENGTH = 64;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * `token` as epoch milliseconds, or undefined when it is not a valid date. Times without a zone are
 * wall-clock times in `zone` (IANA name). The result keeps sub-millisecond digits as a fraction.
 */
export function parseIsoDate(token: string, zone: string): number | undefined {
  if (token.length > MAX_DATE_LENGTH) return undefined;
  const m = ISO_DATE.exec(token);
  if (!m) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction, offset] = m;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const wall = daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1000;
  const epoch = offset === undefined ? zonedToEpoch(wall, zone) : withOffset(wall, offset);
  if (epoch === undefined) return undefined;
  return fraction === undefined ? epoch : epoch + fractionMs(fraction);
}

/** Whether `zone` is an IANA time zone name the server can convert with (configuration check). */
export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** `ms` as `YYYY-MM-DDTHH:mm:ss` in `zone`: the format clients show for "now". */
export function formatServerDate(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ss");
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). Used instead
 * of Date.UTC, which reads years 0 to 99 as 1900 to 1999.
 */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * The instant of `wall` read with an explicit offset (`Z`, `+03:00`, `-0300`, `+03`; the regex fixed
 * its shape). Offsets of 24 h or more are impossible, as in Python's fromisoformat.
 */
function withOffset(wall: number, offset: string): number | undefined {
  if (offset === 'Z') return wall;
  const hours = Number(offset.slice(1, 3));
  const minutes = offset.length > 3 ? Number(offset.slice(-2)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  const ms = (hours * 60 + minutes) * MINUTE_MS;
  return offset[0] === '-' ? wall + ms : wall - ms;
}

/**
 * The instant at which the wall clock of `zone` reads `wall` (wall-clock ms on the UTC axis).
 * Around DST changes we do what Python's zoneinfo does with fold=0 (and Temporal's 'compatible'):
 * a repeated time means its first occurrence, a skipped time is read with the offset in force
 * before the change (02:30 in a 02:00 to 03:00 gap is 03:30). Offsets are probed a day either side,
 * which brackets any real transition.
 */
function zonedToEpoch(wall: number, zone: string): number | undefined {
  const tz = IANAZone.create(zone);
  if (!tz.isValid) return undefined;
  const before = offsetAt(tz, wall - DAY_MS);
  const after = offsetAt(tz, wall + DAY_MS);
  const early = wall - before;
  if (offsetAt(tz, early) === before) return early;
  const late = wall - after;
  if (offsetAt(tz, late) === after) return late;
  return early;
}

/** The zone's offset at an instant, in whole ms (local mean times have second offsets). */
function offsetAt(tz: IANAZone, epoch: number): number {
  return Math.round(tz.offset(epoch) * MINUTE_MS);
}

/** `.1234` as 123.4 ms: the first three digits are whole ms, the rest a fraction of one. */
function fractionMs(fraction: string): number {
  if (fraction.length <= 3) return Number(fraction.padEnd(3, '0'));
  return Number(`${fraction.slice(0, 3)}.${fraction.slice(3)}`);
}
