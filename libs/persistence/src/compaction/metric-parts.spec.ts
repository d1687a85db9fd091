import type { OpenedBlock } from '../block/block-reader';
import type { BlockRun } from '../block/block-run';
import { MetricParts } from './metric-parts';

/** An input block as far as MetricParts reads it: its runs and its chunks' first stamps. */
const block = (runs: BlockRun[], minStamp: number[]): OpenedBlock =>
  ({ runs, table: { minStamp: Float64Array.from(minStamp) } }) as unknown as OpenedBlock;

/** Metric m's ranges as [input, first, end]. */
const partsOf = (metrics: MetricParts, m: number): number[][] => {
  const parts: number[][] = [];
  for (let p = metrics.partsFrom(m); p < metrics.partsEnd(m); p++)
    parts.push([metrics.partBlock[p], metrics.partFirst[p], metrics.partEnd[p]]);
  return parts;
};

describe('MetricParts', () => {
  it('lists every metric once in id order, with its last stamp and its ranges in data order', () => {
    const early = block(
      [
        { id: 'cpu', first: 0, end: 2, lastStamp: 250 },
        { id: 'b.quiet', first: 2, end: 2, lastStamp: 90 }, // no chunk left here
        { id: 'a', first: 2, end: 3, lastStamp: 300 },
      ],
      [100, 200, 300],
    );
    const late = block(
      [
        { id: 'a', first: 0, end: 1, lastStamp: 900 },
        { id: 'cpu', first: 1, end: 3, lastStamp: 800 },
      ],
      [900, 700, 800],
    );
    // `late` comes first in the arguments but its data lies after `early`'s (order 2 > 1).
    const metrics = new MetricParts([late, early], [2, 1]);
    expect(metrics.ids).toEqual(['a', 'b.quiet', 'cpu']);
    expect(Array.from(metrics.lastStamps)).toEqual([900, 90, 800]);
    expect(partsOf(metrics, 0)).toEqual([
      [1, 2, 3],
      [0, 0, 1],
    ]);
    expect(partsOf(metrics, 1)).toEqual([]);
    expect(partsOf(metrics, 2)).toEqual([
      [1, 0, 2],
      [0, 1, 3],
    ]);
  });

  it('orders ranges of inputs of the same order by their first stamp', () => {
    const one = block([{ id: 'x', first: 0, end: 1, lastStamp: 500 }], [400]);
    const two = block([{ id: 'x', first: 0, end: 1, lastStamp: 300 }], [100]);
    const three = block([{ id: 'x', first: 0, end: 1, lastStamp: 700 }], [600]);
    const metrics = new MetricParts([one, two, three], [5, 5, 5]);
    expect(partsOf(metrics, 0).map(([input]) => input)).toEqual([1, 0, 2]);
    expect(metrics.lastStamps[0]).toBe(700);
  });
});
