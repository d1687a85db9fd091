import { formatServerDate, parseIsoDate } from '@app/protocol';
import { ChartQuery } from './chart-query';

/** When the reply arrived and the zone dates are read and shown in (the server's, PULSE_TZ). */
export interface ChartTime {
  answeredAt: number;
  zone: string;
}

/** The time range under a chart: the first window's start, the range's end. */
export interface TimeRange {
  /** Undefined when it cannot be known (secs 0 and no `from`: QUERY returns no stamps). */
  start: number | undefined;
  end: number;
  /** The start was worked out from the window count, not given. */
  estimated: boolean;
}

/**
 * The time a chart of `count` windows covers. QUERY returns aggregates without their times, so
 * the range comes from the query: `to` (or the moment of the reply) on the right, `from` on the
 * left; without `from`, `count` windows of `secs` back from the end. QUERY leaves out empty
 * windows, so points are evenly spaced even when their times are not: the labels give the
 * range, not each point's time.
 */
export function timeRange(query: ChartQuery, count: number, time: ChartTime): TimeRange {
  const end = (query.to && parseIsoDate(query.to, time.zone)) || time.answeredAt;
  const from = query.from && parseIsoDate(query.from, time.zone);
  if (from) return { start: from, end, estimated: false };
  const secs = Number(query.secs);
  if (!(secs > 0)) return { start: undefined, end, estimated: false };
  return { start: end - count * secs * 1000, end, estimated: true };
}

/**
 * The x axis: start, middle and end times under the plot, whose first point is at column
 * `left` and last at column `right`, then a line saying how to read them. Times are
 * `HH:mm:ss` when the range is within one day (the date is said once), else dates and times.
 */
export function renderTimeAxis(
  range: TimeRange,
  zone: string,
  left: number,
  right: number,
): string {
  const sameDay =
    range.start !== undefined &&
    formatServerDate(range.start, zone).slice(0, 10) ===
      formatServerDate(range.end, zone).slice(0, 10);
  const format = (ms: number) => {
    const stamp = formatServerDate(ms, zone);
    return sameDay ? stamp.slice(11) : stamp.replace('T', ' ').slice(0, 16);
  };
  const first =
    range.start === undefined
      ? 'first value'
      : `${range.estimated ? '~' : ''}${format(range.start)}`;
  const last = format(range.end);
  const middle =
    range.start === undefined ? undefined : format(range.start + (range.end - range.start) / 2);
  const labels = placeLabels(first, middle, last, left, right);
  const notes = [`time in ${zone}`];
  if (sameDay) notes.push(formatServerDate(range.end, zone).slice(0, 10));
  if (range.estimated) notes.push('~ estimated, assuming no empty window');
  return `${labels}\n${' '.repeat(left)}${notes.join(', ')}\n`;
}

/** One line: `first` from `left`, `last` ending at `right` (or later if they would touch). */
function placeLabels(
  first: string,
  middle: string | undefined,
  last: string,
  left: number,
  right: number,
): string {
  const end = Math.max(right + 1, left + first.length + 2 + last.length);
  const line = Array.from<string>({ length: end }).fill(' ');
  const put = (text: string, at: number) => text.split('').forEach((c, i) => (line[at + i] = c));
  put(first, left);
  put(last, end - last.length);
  if (middle !== undefined) {
    const at = Math.round((left + right) / 2 - middle.length / 2);
    const fits = at >= left + first.length + 2 && at + middle.length + 2 <= end - last.length;
    if (fits) put(middle, at);
  }
  return line.join('').trimEnd();
}
