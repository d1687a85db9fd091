import { MetricSource, Sample } from './metric-source';
import { RandomWalk, WalkRange } from './random-walk';

/** One random walk per metric id, the ids taken in turn. */
export class RandomMetricSource implements MetricSource {
  private readonly walks: { id: string; walk: RandomWalk }[];
  private turn = 0;

  constructor(ids: readonly string[], range: WalkRange, random: () => number) {
    if (ids.length === 0) throw new Error('RandomMetricSource: no metric ids');
    this.walks = ids.map((id) => ({ id, walk: new RandomWalk(range, random) }));
  }

  next(): Sample {
    const { id, walk } = this.walks[this.turn];
    this.turn = (this.turn + 1) % this.walks.length;
    return { id, value: walk.next() };
  }
}
