/**
 * Query results as uPlot's aligned data: one x array (window starts, ms) and one y array per
 * metric, with null where a metric has no window at that time. Pure, so it is tested without a
 * browser; a single metric (the 100,000-point case) is passed through without copying.
 */

export interface SeriesInput {
  times: readonly number[];
  values: readonly number[];
}

export type AlignedSeries = [xs: number[], ...ys: (number | null)[][]];

export function alignSeries(series: readonly SeriesInput[]): AlignedSeries {
  if (series.length === 1) {
    const [only] = series;
    return [only.times as number[], only.values as number[]];
  }
  const xs = unionOfTimes(series);
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array(xs.length).fill(null);
    let j = 0;
    for (let i = 0; i < s.times.length; i++) {
      while (xs[j] < s.times[i]) j++;
      y[j] = s.values[i];
    }
    return y;
  });
  return [xs, ...ys];
}

/** Every time of any series, ascending, once (each series' times are ascending). */
function unionOfTimes(series: readonly SeriesInput[]): number[] {
  const all = new Float64Array(series.reduce((n, s) => n + s.times.length, 0));
  let k = 0;
  for (const s of series) for (const t of s.times) all[k++] = t;
  all.sort();
  const xs: number[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) xs.push(all[i]);
  return xs;
}
