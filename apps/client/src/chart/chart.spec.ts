import { chartQueryFromWords, queryCommand } from './chart-query';
import { renderChart } from './chart-renderer';
import { downsample } from './downsample';
import { parseQueryResults } from './query-results';

describe('parseQueryResults', () => {
  it('reads the aggregates of a 200 reply, oldest first', () => {
    expect(parseQueryResults('200 [1.0, 0.5, 1e-05, 3]')).toEqual([1, 0.5, 0.00001, 3]);
    expect(parseQueryResults('200 []')).toEqual([]);
  });

  it('returns undefined for any other reply', () => {
    expect(parseQueryResults('404 Metric Not Found')).toBeUndefined();
    expect(parseQueryResults('200 Alert Registered')).toBeUndefined();
    expect(parseQueryResults('200 [1.0, x]')).toBeUndefined();
  });
});

describe('chart query', () => {
  it('builds the QUERY from 3 to 5 words', () => {
    const query = chartQueryFromWords(['cpu', 'AVG', '60', '2022-04-26']);
    expect(query && queryCommand(query)).toBe('QUERY cpu AVG 60 2022-04-26');
    expect(chartQueryFromWords(['cpu', 'AVG'])).toBeUndefined();
    expect(chartQueryFromWords(['a', 'b', 'c', 'd', 'e', 'f'])).toBeUndefined();
  });
});

describe('downsample', () => {
  it('leaves a series that fits', () => {
    expect(downsample([1, 2, 3], 3, 'AVG')).toEqual([1, 2, 3]);
  });

  it('combines runs the way the aggregate means', () => {
    const values = [1, 9, 2, 8, 3, 7];
    expect(downsample(values, 3, 'MAX')).toEqual([9, 8, 7]);
    expect(downsample(values, 3, 'MIN')).toEqual([1, 2, 3]);
    expect(downsample(values, 3, 'AVG')).toEqual([5, 5, 5]);
    expect(downsample(values, 2, 'COUNT')).toEqual([4, 6]);
  });
});

describe('renderChart', () => {
  const query = { id: 'cpu', op: 'MAX', secs: '0' };
  const time = { answeredAt: Date.UTC(2026, 0, 2, 10, 0, 0), zone: 'UTC' };

  it('draws the oldest window on the left, under a title with the range', () => {
    const text = renderChart(query, [1, 5, 3], { height: 5, width: 40 }, time);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('QUERY cpu MAX 0: 3 windows, min 1, max 5, oldest on the left');
    expect(lines).toHaveLength(1 + 5 + 2); // title, plot, time labels and their note
    // Top row holds the maximum (second point); bottom row starts at the first point.
    expect(lines[1]).toMatch(/^\s+5 ┤╭╮/);
    expect(lines[5]).toMatch(/^\s+1 ┼╯/);
  });

  it('says when nothing was selected', () => {
    expect(renderChart(query, [], { height: 5, width: 40 }, time)).toBe(
      'QUERY cpu MAX 0: 0 windows (no values selected)\n',
    );
  });

  it('fits a long series into the width and says how', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i % 10);
    const text = renderChart(query, values, { height: 4, width: 62 }, time);
    expect(text.split('\n')[0]).toContain('1000 windows, 50 columns (MAX of each run)');
    for (const line of text.trimEnd().split('\n').slice(1)) {
      expect(line.trimEnd().length).toBeLessThanOrEqual(62);
    }
  });
});

describe('the time axis of renderChart', () => {
  const layout = { height: 3, width: 80 };
  const time = { answeredAt: Date.UTC(2026, 0, 2, 10, 0, 0), zone: 'UTC' };
  const values = (count: number) => Array.from({ length: count }, (_, i) => i % 7);
  /** The two lines under the plot. */
  const axis = (text: string) => text.trimEnd().split('\n').slice(-2);

  it('labels start, middle and end under the first, middle and last points', () => {
    const query = {
      id: 'cpu',
      op: 'AVG',
      secs: '60',
      from: '2026-01-02T09:00',
      to: '2026-01-02T10:00',
    };
    const [labels, note] = axis(renderChart(query, values(60), layout, time));
    // The first point is drawn on the y axis' column (11), the 60th 59 columns later.
    expect(labels).toBe(
      `${' '.repeat(11)}09:00:00${' '.repeat(18)}09:30:00${' '.repeat(18)}10:00:00`,
    );
    expect(labels.length).toBe(11 + 60);
    expect(note).toBe(`${' '.repeat(11)}time in UTC, 2026-01-02`);
  });

  it('ends at the moment of the reply without `to`, and counts back without `from`', () => {
    const query = { id: 'cpu', op: 'AVG', secs: '60' };
    const [labels, note] = axis(renderChart(query, values(40), layout, time));
    expect(labels.trim().split(/ +/)).toEqual(['~09:20:00', '09:40:00', '10:00:00']);
    expect(note).toContain('~ estimated, assuming no empty window');
  });

  it('shows dates when the range spans days, in the given zone', () => {
    const query = { id: 'cpu', op: 'MAX', secs: '3600', from: '2026-01-01', to: '2026-01-03' };
    const madrid = { ...time, zone: 'Europe/Madrid' };
    const [labels, note] = axis(renderChart(query, values(66), layout, madrid));
    expect(labels.trim().split(/  +/)).toEqual([
      '2026-01-01 00:00',
      '2026-01-02 00:00',
      '2026-01-03 00:00',
    ]);
    expect(note.trim()).toBe('time in Europe/Madrid');
  });

  it('says the start is unknown for single values without `from`', () => {
    const [labels] = axis(
      renderChart({ id: 'cpu', op: 'MAX', secs: '0' }, values(5), layout, time),
    );
    expect(labels.trim().split(/  +/)).toEqual(['first value', '2026-01-02 10:00']);
  });

  it('keeps labels apart when the plot is narrower than they are', () => {
    const query = { id: 'cpu', op: 'MAX', secs: '1', from: '2026-01-02T09:59:57' };
    const [labels] = axis(renderChart(query, [1, 2, 3], layout, time));
    expect(labels.trim()).toBe('09:59:57  10:00:00');
  });
});
