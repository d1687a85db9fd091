/** How a test date shows its zone: `Z`, `+03:00`, `+0300`, or nothing (the server's zone). */
export type ZoneStyle = 'Z' | 'colon' | 'compact' | 'none';

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/**
 * Formats an instant as an ISO 8601 date-time at a given UTC offset, so tests can ask for
 * "a minute ago" in any zone the protocol accepts. With 'none' the text is the wall time at
 * `offsetMinutes` without a zone (read by the server in its configured zone); 'Z' ignores it.
 */
export function isoDateTime(epochMs: number, style: ZoneStyle, offsetMinutes = 0): string {
  const offset = style === 'Z' ? 0 : offsetMinutes;
  const local = new Date(epochMs + offset * 60000);
  const text =
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `.${pad(local.getUTCMilliseconds(), 3)}`;
  if (style === 'none') return text;
  if (style === 'Z') return `${text}Z`;
  const sign = offset < 0 ? '-' : '+';
  const hours = pad(Math.floor(Math.abs(offset) / 60));
  const minutes = pad(Math.abs(offset) % 60);
  return style === 'colon'
    ? `${text}${sign}${hours}:${minutes}`
    : `${text}${sign}${hours}${minutes}`;
}
