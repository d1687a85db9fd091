import { alignSeries } from './series-data';

describe('alignSeries', () => {
  it('passes a single series through', () => {
    const times = [1, 2, 3];
    const values = [0.5, 1, 1.5];
    const [xs, ys] = alignSeries([{ times, values }]);
    expect(xs).toBe(times);
    expect(ys).toBe(values);
  });

  it('aligns several series on the union of their times, null where one has no value', () => {
    expect(
      alignSeries([
        { times: [10, 20, 40], values: [1, 2, 4] },
        { times: [20, 30], values: [-2, -3] },
        { times: [], values: [] },
      ]),
    ).toEqual([
      [10, 20, 30, 40],
      [1, 2, null, 4],
      [null, -2, -3, null],
      [null, null, null, null],
    ]);
  });

  it('keeps a zero value (it is not a gap)', () => {
    expect(
      alignSeries([
        { times: [1], values: [0] },
        { times: [2], values: [0] },
      ]),
    ).toEqual([
      [1, 2],
      [0, null],
      [null, 0],
    ]);
  });
});
