/**
 * Fits a series into `width` points, each point standing for a run of consecutive windows
 * combined the way the aggregate means it: a MAX chart keeps each run's peak and a MIN chart its
 * trough (averaging them would hide exactly what the user asked for); AVG and COUNT average.
 */
export function downsample(values: readonly number[], width: number, op: string): number[] {
  if (values.length <= width || width < 1) return [...values];
  const combine =
    op === 'MAX'
      ? (run: number[]) => Math.max(...run)
      : op === 'MIN'
        ? (run: number[]) => Math.min(...run)
        : (run: number[]) => run.reduce((sum, value) => sum + value, 0) / run.length;
  const points: number[] = [];
  for (let column = 0; column < width; column += 1) {
    const start = Math.floor((column * values.length) / width);
    const end = Math.floor(((column + 1) * values.length) / width);
    points.push(combine(values.slice(start, end)));
  }
  return points;
}
