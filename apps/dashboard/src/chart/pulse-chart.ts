import uPlot from 'uplot';
import type { AggregateOp } from '../api/api-types';
import { formatStamp } from '../format/time-zone';
import { formatAggregate } from '../format/value-format';
import { h } from '../ui/dom';
import { onSchemeChange, readTheme } from './chart-theme';
import type { ChartTheme } from './chart-theme';
import { limitLine } from './limit-line';
import { alignSeries } from './series-data';

export interface ChartSeries {
  id: string;
  times: number[];
  values: number[];
}

/** What the chart draws besides the data: how values print, the time zone, a rule's limit. */
export interface ChartSpec {
  op: AggregateOp;
  zone: string;
  limit: number | null;
  /** The x axis' full extent (ms): the range asked for, not just where the data is. */
  from: number;
  to: number;
}

/** The first draw of the latest chart, for the browser tests and the benchmark to report. */
export interface RenderTiming {
  points: number;
  series: number;
  ms: number;
}

declare global {
  interface Window {
    __pulseRender?: RenderTiming;
  }
}

const yLabel = new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 4 });

/**
 * The uPlot chart (chosen for large series: it draws 100,000 points in a few tens of ms and
 * weighs ~50 kB): drag to zoom, double-click (or resetZoom) to see the whole range again, hover
 * for exact values in the legend. A refresh of the same chart keeps the zoom. The element
 * exposes `data-points` (points per series), `data-limit`, `data-zoomed` and `data-state` to
 * tests. Just over 200 lines: uPlot's options (axes, labels, the y range) belong with the chart
 * that owns the plot.
 */
export class PulseChart {
  readonly element = h('div', { class: 'chart', 'data-testid': 'chart', 'data-state': 'empty' });
  private plot: uPlot | undefined;
  private series: ChartSeries[] = [];
  private spec: ChartSpec | undefined;
  private signature = '';
  private zoomed = false;
  private width = 0;
  private readonly resizer = new ResizeObserver(() => this.resize());
  private readonly stopWatchingScheme = onSchemeChange(() => this.rebuild());

  constructor() {
    this.resizer.observe(this.element);
  }

  /** Draws the series; `refresh`: new data for the same chart, so a zoom is kept. */
  show(series: ChartSeries[], spec: ChartSpec, refresh: boolean): void {
    const signature = JSON.stringify([series.map((s) => s.id), spec.op, spec.zone, spec.limit]);
    this.series = series;
    this.spec = spec;
    this.element.dataset.points = series.map((s) => s.values.length).join(',');
    if (spec.limit === null) delete this.element.dataset.limit;
    else this.element.dataset.limit = String(spec.limit);
    if (refresh && this.plot && signature === this.signature) return this.update(this.plot, spec);
    this.signature = signature;
    this.rebuild();
  }

  /** New data is on its way (tests wait for `data-state="ready"` after this). */
  loading(): void {
    this.element.dataset.state = 'loading';
  }

  resetZoom(): void {
    if (this.plot && this.spec) this.plot.setScale('x', { min: this.spec.from, max: this.spec.to });
  }

  destroy(): void {
    this.resizer.disconnect();
    this.stopWatchingScheme();
    this.plot?.destroy();
  }

  private update(plot: uPlot, spec: ChartSpec): void {
    const x = plot.scales.x;
    const [min, max] = this.zoomed ? [x.min!, x.max!] : [spec.from, spec.to];
    plot.setData(alignSeries(this.series) as uPlot.AlignedData, false);
    plot.setScale('x', { min, max });
  }

  private rebuild(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.zoomed = false;
    const spec = this.spec;
    if (!spec || this.series.length === 0) {
      this.element.dataset.state = 'empty';
      return;
    }
    this.element.dataset.state = 'drawing';
    const started = performance.now();
    const points = this.series.reduce((n, s) => n + s.values.length, 0);
    let first = true;
    const options = this.options(spec, readTheme());
    options.hooks = {
      draw: [
        () => {
          if (first) {
            first = false;
            const ms = Math.round((performance.now() - started) * 10) / 10;
            window.__pulseRender = { points, series: this.series.length, ms };
          }
          this.element.dataset.state = 'ready';
        },
      ],
      setScale: [(u, key) => this.scaled(u, key)],
    };
    const data = alignSeries(this.series) as uPlot.AlignedData;
    this.width = this.element.clientWidth;
    this.plot = new uPlot(options, data, this.element);
  }

  private scaled(u: uPlot, key: string): void {
    if (key !== 'x' || !this.spec) return;
    this.zoomed = u.scales.x.min !== this.spec.from || u.scales.x.max !== this.spec.to;
    this.element.dataset.zoomed = String(this.zoomed);
  }

  private options(spec: ChartSpec, theme: ChartTheme): uPlot.Options {
    const axis = {
      stroke: theme.text,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { stroke: theme.grid, width: 1 },
    };
    return {
      ...this.size(),
      ms: 1,
      tzDate: (ms) => uPlot.tzDate(new Date(ms), spec.zone),
      series: [
        { value: (_u, ms) => (ms === null ? '' : formatStamp(ms, spec.zone)) },
        ...this.series.map((s, i) => ({
          label: s.id,
          stroke: theme.series[i % theme.series.length],
          width: 1.5,
          spanGaps: true,
          value: (_u: uPlot, v: number | null) => formatAggregate(spec.op, v),
        })),
      ],
      scales: {
        x: { time: true, auto: false, min: spec.from, max: spec.to },
        y: { range: (_u, min, max) => yRange(min, max, spec.limit) },
      },
      axes: [
        // Ticks at least 90 px apart: an `HH:mm:ss.SSS` label is about 85 px wide (uPlot's
        // default of 50 px ran second labels into each other).
        { ...axis, space: 90, values: timeLabels(spec.zone) },
        { ...axis, size: 56, values: (_u, splits) => splits.map(yLabel.format) },
      ],
      cursor: { drag: { x: true, y: false }, bind: { dblclick: () => () => this.onDoubleClick() } },
      legend: { live: true },
      plugins: spec.limit === null ? [] : [limitLine(spec.limit, theme.limit)],
    };
  }

  private onDoubleClick(): null {
    this.resetZoom();
    return null;
  }

  private size(): { width: number; height: number } {
    const width = Math.max(this.element.clientWidth, 200);
    return { width, height: Math.min(Math.max(Math.round(width * 0.45), 200), 420) };
  }

  private resize(): void {
    if (!this.plot || this.element.clientWidth === this.width) return;
    this.width = this.element.clientWidth;
    this.plot.setSize(this.size());
  }
}

/**
 * x tick labels in the zone, 24-hour: `HH:mm` (`HH:mm:ss`, `HH:mm:ss.SSS` when zoomed in), with
 * the date below the first tick of each day; days alone when ticks are days apart.
 */
function timeLabels(zone: string) {
  return (_u: uPlot, splits: number[], _axis: number, _space: number, incr: number) => {
    let lastDate = '';
    return splits.map((ms) => {
      const stamp = formatStamp(ms, zone); // YYYY-MM-DD HH:mm:ss.SSS
      const date = stamp.slice(5, 10);
      if (incr >= 86_400_000) return date;
      const time = stamp.slice(11, incr < 1000 ? 23 : incr < 60_000 ? 19 : 16);
      const label = date === lastDate ? time : `${time}\n${date}`;
      lastDate = date;
      return label;
    });
  };
}

/** The y extent: the data's, widened to hold the limit line, with uPlot's usual padding. */
function yRange(min: number | null, max: number | null, limit: number | null): uPlot.Range.MinMax {
  let lo = min;
  let hi = max;
  if (limit !== null) {
    lo = lo === null ? limit : Math.min(lo, limit);
    hi = hi === null ? limit : Math.max(hi, limit);
  }
  if (lo === null || hi === null) return [0, 1];
  return uPlot.rangeNum(lo, hi, 0.1, true);
}
