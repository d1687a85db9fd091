/**
 * The whole view in the URL's hash (`#view=chart&metrics=cpu,mem&op=AVG&secs=auto&range=1h`), so
 * a view can be bookmarked, shared and restored by a reload. Parsing never fails: what is missing
 * or malformed takes its default.
 */
import { isAggregateOp } from '../api/api-types';
import type { AggregateOp } from '../api/api-types';
import { PRESET_NAMES } from '../chart/time-range';
import type { RangePreset, RangeSpec } from '../chart/time-range';

export const VIEW_NAMES = ['metrics', 'chart', 'alerts', 'server'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

/** Auto-refresh periods of the chart, in seconds (0: off). */
export const REFRESH_CHOICES = [0, 5, 30, 60] as const;

export interface ViewState {
  view: ViewName;
  /** Charted metric ids, in the order picked. */
  metrics: string[];
  op: AggregateOp;
  /** The window in seconds, or chosen from the range. */
  secs: number | 'auto';
  range: RangeSpec;
  /** Times shown and typed in UTC instead of the server's zone. */
  utc: boolean;
  refresh: number;
  /** A rule's limit, drawn on the chart. */
  limit: number | null;
  /** The metrics view's search text. */
  search: string;
  /** The journal's metric filter. */
  journal: string;
}

export const DEFAULT_STATE: ViewState = {
  view: 'metrics',
  metrics: [],
  op: 'AVG',
  secs: 'auto',
  range: { preset: '1h' },
  utc: false,
  refresh: 0,
  limit: null,
  search: '',
  journal: '',
};

/** The protocol's metric id (PROTOCOL.md, Arguments): no comma, so a list is comma-separated. */
const METRIC_ID = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,199}$/;

export function isMetricId(text: string): boolean {
  return METRIC_ID.test(text);
}

function parseNumber(text: string | null, valid: (n: number) => boolean): number | undefined {
  if (text === null || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) && valid(n) ? n : undefined;
}

function parseRange(params: URLSearchParams): RangeSpec {
  const from = params.get('from');
  if (from) return { from, to: params.get('to') ?? '' };
  const preset = params.get('range');
  return PRESET_NAMES.includes(preset as RangePreset)
    ? { preset: preset as RangePreset }
    : DEFAULT_STATE.range;
}

/** The view a hash (`#...` or without the `#`) describes. */
export function parseViewState(hash: string): ViewState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const view = params.get('view');
  const op = params.get('op');
  const secs = params.get('secs');
  const metrics = (params.get('metrics') ?? '').split(',').filter(isMetricId);
  return {
    view: VIEW_NAMES.includes(view as ViewName) ? (view as ViewName) : DEFAULT_STATE.view,
    metrics: [...new Set(metrics)],
    op: isAggregateOp(op) ? op : DEFAULT_STATE.op,
    secs: parseNumber(secs, (n) => n >= 0) ?? 'auto',
    range: parseRange(params),
    utc: params.get('tz') === 'utc',
    refresh: parseNumber(params.get('refresh'), (n) => n > 0) ?? 0,
    limit: parseNumber(params.get('limit'), () => true) ?? null,
    search: params.get('q') ?? '',
    journal: params.get('journal') ?? '',
  };
}

/** The hash (with its `#`) of a view; defaults are left out. */
export function formatViewState(state: ViewState): string {
  const params = new URLSearchParams({ view: state.view });
  const set = (key: string, value: string, fallback = '') => {
    if (value !== fallback) params.set(key, value);
  };
  set('metrics', state.metrics.join(','));
  set('op', state.op, DEFAULT_STATE.op);
  set('secs', String(state.secs), 'auto');
  if ('preset' in state.range) set('range', state.range.preset, '1h');
  else {
    params.set('from', state.range.from);
    set('to', state.range.to);
  }
  set('tz', state.utc ? 'utc' : '');
  set('refresh', String(state.refresh), '0');
  set('limit', state.limit === null ? '' : String(state.limit));
  set('q', state.search);
  set('journal', state.journal);
  // `,` and `:` are plain characters in a fragment: left unescaped, a shared link stays readable.
  return `#${params.toString().replace(/%2C/g, ',').replace(/%3A/g, ':')}`;
}
