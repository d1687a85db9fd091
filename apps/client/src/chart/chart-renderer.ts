import { plot } from 'asciichart';
import { ChartQuery, queryCommand } from './chart-query';
import { downsample } from './downsample';
import { ChartTime, renderTimeAxis, timeRange } from './time-axis';

export interface ChartLayout {
  /** Rows of the plot area. */
  height: number;
  /** Columns of the whole chart, labels included. */
  width: number;
}

/** Width of the y-axis labels asciichart prints left of the plot (label plus ` ┤`). */
const LABEL_WIDTH = 10;
const AXIS_WIDTH = LABEL_WIDTH + 2;

/** Four significant digits: enough to read a chart, short enough for the axis. */
function axisLabel(value: number): string {
  return String(Number(value.toPrecision(4))).padStart(LABEL_WIDTH);
}

/**
 * A QUERY result as a terminal line chart, oldest window on the left (the order QUERY returns),
 * under a title naming the query and the range of the values, over the times it covers. Series
 * wider than the terminal are downsampled, and the title says so.
 */
export function renderChart(
  query: ChartQuery,
  values: readonly number[],
  layout: ChartLayout,
  time: ChartTime,
): string {
  const title = `${queryCommand(query)}: ${values.length} window${values.length === 1 ? '' : 's'}`;
  if (values.length === 0) return `${title} (no values selected)\n`;
  const columns = Math.max(layout.width - AXIS_WIDTH, 2);
  const points = downsample(values, columns, query.op);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const scaled =
    points.length < values.length ? `, ${points.length} columns (${query.op} of each run)` : '';
  const chart = plot(points, { height: Math.max(layout.height - 1, 1), format: axisLabel });
  // asciichart draws the first point on the y axis' column, the others one column each after.
  const axis = renderTimeAxis(
    timeRange(query, values.length, time),
    time.zone,
    AXIS_WIDTH - 1,
    AXIS_WIDTH - 2 + points.length,
  );
  return `${title}${scaled}, min ${min}, max ${max}, oldest on the left\n${chart}\n${axis}`;
}
