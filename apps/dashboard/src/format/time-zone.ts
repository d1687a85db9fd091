/**
 * Times shown and typed in one IANA zone: the server's (GET /api/server's timeZone, the zone
 * QUERY reads times without a zone in) or UTC. Intl does the zone arithmetic, so the bundle
 * carries no time-zone database.
 */

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** True if this browser knows the zone (else the page falls back to UTC). */
export function isKnownZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

function wallClock(ms: number, zone: string): WallClock {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(ms)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const { year, month, day, hour, minute, second } = fields;
  return { year, month, day, hour, minute, second };
}

/** How far the zone's wall clock is ahead of UTC at `ms`, in ms. */
function offsetAt(ms: number, zone: string): number {
  const w = wallClock(ms, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `YYYY-MM-DD HH:mm:ss.SSS` in the zone (stamps have millisecond precision). */
export function formatStamp(stamp: number, zone: string): string {
  const ms = Math.floor(stamp); // a figure like startedAt may carry a fraction of a ms
  const w = wallClock(ms, zone);
  const millis = ((ms % 1000) + 1000) % 1000;
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}.${pad(millis, 3)}`;
}

/** `YYYY-MM-DDTHH:mm:ss` in the zone: a datetime-local input's value, and a protocol date. */
export function toZonedInput(ms: number, zone: string): string {
  return formatStamp(ms, zone).slice(0, 19).replace(' ', 'T');
}

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/;

/**
 * The instant of a wall-clock time in the zone (`YYYY-MM-DD[THH:mm[:ss[.SSS]]]`, as a
 * datetime-local input gives it), or undefined if it is not one. A time that a DST change skips
 * or repeats resolves to one of its readings, as the server's does.
 */
export function fromZonedInput(text: string, zone: string): number | undefined {
  const m = LOCAL_INPUT.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((f) => Number(f ?? 0));
  const millis = Number((m[7] ?? '').padEnd(3, '0'));
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(asUtc);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined;
  // The offset at the guess, then at the corrected instant (they differ only across a change).
  const first = asUtc - offsetAt(asUtc, zone);
  return asUtc - offsetAt(first, zone);
}
