import { ApiError } from '../api/api-error';
import type { QueryResult } from '../api/api-types';
import { PulseChart } from '../chart/pulse-chart';
import type { ChartSeries } from '../chart/pulse-chart';
import { autoSecs, resolveRange } from '../chart/time-range';
import type { ResolvedRange } from '../chart/time-range';
import { formatCount, formatWindow } from '../format/figures';
import { formatStamp } from '../format/time-zone';
import { formatValue } from '../format/value-format';
import type { ViewState } from '../state/view-state';
import { h, replaceChildren } from '../ui/dom';
import { ErrorBanner } from '../ui/error-banner';
import { Poller } from '../ui/poller';
import { ChartControls } from './chart-controls';
import { MetricPicker } from './metric-picker';
import type { View, ViewContext } from './view';

/**
 * One chart of one or several metrics (GET /api/query each, in parallel), with the settings the
 * URL holds, auto-refresh, and a rule's limit when it was opened from the Alerts view.
 */
export class ChartView implements View {
  private readonly picker: MetricPicker;
  private readonly controls: ChartControls;
  private readonly chart = new PulseChart();
  private readonly errors = new ErrorBanner();
  private readonly status = h('p', {
    class: 'status',
    role: 'status',
    'data-testid': 'chart-status',
  });
  private readonly limit = h('p', { class: 'limit', 'data-testid': 'chart-limit' });
  readonly element: HTMLElement;
  private state: ViewState | undefined;
  private loaded = '';
  private request: AbortController | undefined;
  private readonly poller = new Poller(() => this.load(true));

  constructor(private readonly ctx: ViewContext) {
    this.picker = new MetricPicker(ctx);
    this.controls = new ChartControls(ctx);
    this.element = h(
      'section',
      { class: 'view chart-view', 'aria-labelledby': 'chart-title' },
      h('h1', { id: 'chart-title' }, 'Chart'),
      this.picker.element,
      this.controls.element,
      this.errors.element,
      this.limit,
      this.status,
      this.chart.element,
      h(
        'p',
        { class: 'hint' },
        'Drag across the chart to zoom, double-click to see the whole range again. ',
        h(
          'button',
          { type: 'button', 'data-testid': 'zoom-reset', onclick: () => this.chart.resetZoom() },
          'Reset zoom',
        ),
      ),
    );
  }

  update(state: ViewState): void {
    this.state = state;
    const range = this.range(state);
    const auto = range ? autoSecs(range.toMs - range.fromMs) : undefined;
    this.picker.update(state.metrics);
    this.controls.update(state, auto, range);
    this.renderLimit(state.limit);
    this.poller.every(state.metrics.length > 0 ? state.refresh : 0);
    const { metrics, op, secs, utc, limit } = state;
    const key = JSON.stringify([metrics, op, secs, state.range, utc, limit, this.ctx.zone()]);
    if (key !== this.loaded) {
      this.loaded = key;
      void this.load(false);
    }
  }

  destroy(): void {
    this.poller.stop();
    this.request?.abort();
    this.picker.destroy();
    this.chart.destroy();
  }

  private range(state: ViewState, now = Date.now()): ResolvedRange | undefined {
    return resolveRange(state.range, now, this.ctx.serverZone(), state.utc);
  }

  /** Queries every metric and draws them; `refresh`: same chart, newer data (zoom kept). */
  private async load(refresh: boolean): Promise<void> {
    const state = this.state;
    const range = state && this.range(state);
    if (!state || !range || state.metrics.length === 0) {
      this.request?.abort();
      this.errors.clear(); // a bad range is told by the controls
      this.chart.show([], this.spec(state, range), false);
      this.status.textContent = state?.metrics.length ? '' : 'Pick one or more metrics to chart.';
      return;
    }
    this.request?.abort();
    const request = (this.request = new AbortController());
    this.chart.loading();
    const secs = state.secs === 'auto' ? autoSecs(range.toMs - range.fromMs) : state.secs;
    const asked = { op: state.op, secs, from: range.from, to: range.to };
    const results = await Promise.allSettled(
      state.metrics.map((id) =>
        this.ctx.api.get<QueryResult>('query', { id, ...asked }, request.signal),
      ),
    );
    if (request.signal.aborted) return;
    const series: ChartSeries[] = [];
    const failures: string[] = [];
    results.forEach((result, i) => {
      const id = state.metrics[i];
      if (result.status === 'fulfilled') series.push({ id, ...pick(result.value) });
      else failures.push(this.failure(id, result.reason, state.metrics.length));
    });
    this.errors.show(...failures);
    this.chart.show(series, this.spec(state, range), refresh);
    this.renderStatus(state, secs, range, series);
  }

  private failure(id: string, reason: unknown, metrics: number): string {
    const message = ApiError.messageOf(reason);
    return metrics > 1 ? `${id}: ${message}` : message;
  }

  private spec(state: ViewState | undefined, range: ResolvedRange | undefined) {
    const now = Date.now();
    return {
      op: state?.op ?? 'AVG',
      zone: this.ctx.zone(),
      limit: state?.limit ?? null,
      from: range?.fromMs ?? now - 3_600_000,
      to: range?.toMs ?? now,
    };
  }

  private renderStatus(
    state: ViewState,
    secs: number,
    range: ResolvedRange,
    series: ChartSeries[],
  ): void {
    const zone = this.ctx.zone();
    const points = series.reduce((n, s) => n + s.values.length, 0);
    const windows = secs === 0 ? 'every value' : `${formatWindow(secs)} windows`;
    const span = `${formatStamp(range.fromMs, zone).slice(0, 19)} → ${formatStamp(range.toMs, zone).slice(0, 19)} ${zone}`;
    this.status.textContent = `${state.op} of ${windows} · ${span} · ${formatCount(points)} points`;
  }

  private renderLimit(limit: number | null): void {
    this.limit.hidden = limit === null;
    if (limit === null) return;
    replaceChildren(
      this.limit,
      `Rule limit ${formatValue(limit)} (dashed line) `,
      h(
        'button',
        { type: 'button', onclick: () => this.ctx.navigate({ limit: null }) },
        'Hide limit',
      ),
    );
  }
}

/** The drawn part of a query's result. */
function pick({ times, values }: QueryResult): Omit<ChartSeries, 'id'> {
  return { times, values };
}
