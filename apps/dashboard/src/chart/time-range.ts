/**
 * The chart's time range (a preset ending now, or from/to typed in a zone) and the automatic
 * window: the query's `from`/`to` parameters, the x-axis bounds, and a `secs` that gives a
 * readable number of points.
 */
import { fromZonedInput } from '../format/time-zone';

export const RANGE_PRESETS = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
} as const;
export type RangePreset = keyof typeof RANGE_PRESETS;
export const PRESET_NAMES = Object.keys(RANGE_PRESETS) as RangePreset[];

/** Window lengths the automatic choice picks from, in seconds. */
export const WINDOW_STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800,
];

/** At most this many windows in a range (uPlot draws far more; people read about this many). */
export const MAX_AUTO_POINTS = 1000;

/** The smallest step whose windows over `spanMs` number at most MAX_AUTO_POINTS. */
export function autoSecs(spanMs: number): number {
  const spanSecs = Math.max(spanMs, 0) / 1000;
  const step = WINDOW_STEPS.find((s) => spanSecs / s <= MAX_AUTO_POINTS);
  return step ?? Math.ceil(spanSecs / MAX_AUTO_POINTS);
}

/**
 * The range a rule's chart opens with: the longest preset holding at most MAX_AUTO_POINTS of
 * its windows (so the windows the rule checks are the ones drawn), 1 h for secs 0.
 */
export function presetForWindow(secs: number): RangePreset {
  if (!(secs > 0)) return '1h';
  let chosen: RangePreset = '15m';
  for (const name of PRESET_NAMES) {
    if (RANGE_PRESETS[name] / 1000 / secs <= MAX_AUTO_POINTS) chosen = name;
  }
  return chosen;
}

/** A range as the URL holds it: a preset, or wall-clock texts in the display zone. */
export type RangeSpec = { preset: RangePreset } | { from: string; to: string };

export interface ResolvedRange {
  /** The x-axis bounds (ms). */
  fromMs: number;
  toMs: number;
  /** GET /api/query's `from` and `to` (undefined: not sent). */
  from: string;
  to: string | undefined;
}

/**
 * The bounds of `range` at `now`. Typed times go to the server as typed, with `Z` when they are
 * UTC; without a zone the server reads them in its own zone, which is the other choice.
 * Undefined if a typed time is not a date-time, or `from` is after `to`.
 */
export function resolveRange(
  range: RangeSpec,
  now: number,
  zone: string,
  utc: boolean,
): ResolvedRange | undefined {
  if ('preset' in range) {
    const fromMs = now - RANGE_PRESETS[range.preset];
    return { fromMs, toMs: now, from: String(fromMs), to: undefined };
  }
  const inZone = utc ? 'UTC' : zone;
  const fromMs = fromZonedInput(range.from, inZone);
  const toMs = range.to === '' ? now : fromZonedInput(range.to, inZone);
  if (fromMs === undefined || toMs === undefined || fromMs > toMs) return undefined;
  const suffix = utc ? 'Z' : '';
  const to = range.to === '' ? undefined : range.to + suffix;
  return { fromMs, toMs, from: range.from + suffix, to };
}
