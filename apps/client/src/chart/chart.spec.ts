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

  it('draws the oldest window on the left, under a title with the range', () => {
    const text = renderChart(query, [1, 5, 3], { height: 5, width: 40 });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('QUERY cpu MAX 0: 3 windows, min 1, max 5, oldest on the left');
    expect(lines).toHaveLength(1 + 5);
    // Top row holds the maximum (second point); bottom row starts at the first point.
    expect(lines[1]).toMatch(/^\s+5 ┤╭╮/);
    expect(lines[5]).toMatch(/^\s+1 ┼╯/);
  });

  it('says when nothing was selected', () => {
    expect(renderChart(query, [], { height: 5, width: 40 })).toBe(
      'QUERY cpu MAX 0: 0 windows (no values selected)\n',
    );
  });

  it('fits a long series into the width and says how', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i % 10);
    const text = renderChart(query, values, { height: 4, width: 62 });
    expect(text.split('\n')[0]).toContain('1000 windows, 50 columns (MAX of each run)');
    for (const line of text.trimEnd().split('\n').slice(1)) {
      expect(line.trimEnd().length).toBeLessThanOrEqual(62);
    }
  });
});
