import type { NatsConnection } from '@nats-io/transport-node';
import type { FileManager, MetricSummary } from '@app/persistence';
import { ClusterListing } from './cluster-listing';
import { partitionOf } from './partition-of';
import type { PartitionLeases } from './partition-leases';

const PARTITIONS = 4;

/** Ids spread over the partitions: two in each. */
const IDS = Array.from({ length: 40 }, (_, i) => `m${i}`);
const byPartition = (p: number) =>
  IDS.filter((id) => partitionOf(id, PARTITIONS) === p).slice(0, 2);
const summary = (id: string): MetricSummary => ({
  id,
  count: 1,
  firstStamp: 0,
  lastStamp: 0,
  lastValue: 1,
});

/**
 * A node as the listing sees it: the partitions it holds, answering pages of the metrics stored
 * in them. `holding` may change between asks (a hand-over); `answers` false: it never answers.
 */
interface FakeNode {
  id: string;
  holding: () => number[];
  answers: boolean;
  asked: number;
}

function page(partitions: number[]) {
  const ids = partitions.flatMap(byPartition).sort();
  return {
    metrics: ids.map(summary),
    total: ids.length,
    more: false,
    partitions,
  };
}

function listingOf(self: FakeNode, others: FakeNode[]): ClusterListing {
  const nodes = [self, ...others];
  const nc = {
    request: (subject: string) => {
      const node = nodes.find((n) => subject.includes(`.${n.id}.`));
      if (!node) return Promise.reject(new Error(`no node for ${subject}`));
      node.asked++;
      if (!node.answers) return Promise.reject(new Error('timeout'));
      const answer = page(node.holding());
      return Promise.resolve({ json: () => answer });
    },
  } as unknown as NatsConnection;
  const files = {
    metricPage: (_s: string, _l: number, _a: string | null, include: (id: string) => boolean) => {
      self.asked++;
      const ids = IDS.filter(include)
        .filter((id) => byPartition(partitionOf(id, PARTITIONS)).includes(id))
        .sort();
      return Promise.resolve({ metrics: ids.map(summary), total: ids.length, lastId: null });
    },
  } as unknown as FileManager;
  const leases = {
    liveNodes: nodes.map((n) => n.id),
    holds: (p: number) => self.holding().includes(p),
  } as unknown as PartitionLeases;
  return new ClusterListing(nc, files, leases, self.id, PARTITIONS);
}

const node = (id: string, holding: () => number[], answers = true): FakeNode => ({
  id,
  holding,
  answers,
  asked: 0,
});

describe('ClusterListing', () => {
  it("merges every node's page of its own partitions, in id order", async () => {
    const a = node('a', () => [0, 1]);
    const b = node('b', () => [2, 3]);
    const result = await listingOf(a, [b]).list('', 100, null);
    const expected = [0, 1, 2, 3].flatMap(byPartition).sort();
    expect(result.metrics.map((m) => m.id)).toEqual(expected);
    expect(result.unlisted).toEqual([]);
    expect([a.asked, b.asked]).toEqual([1, 1]);
  });

  it('asks again while a partition is between owners, and lists it once it has one', async () => {
    const a = node('a', () => [0, 1]);
    let handedOver = false;
    // b takes partition 3 over only after the first ask: at first nobody covers it.
    const b = node('b', () => (handedOver ? [2, 3] : [2]));
    const listing = listingOf(a, [b]);
    const first = listing.list('', 100, null);
    setTimeout(() => (handedOver = true), 50);
    const result = await first;
    expect(result.unlisted).toEqual([]);
    expect(result.metrics.map((m) => m.id)).toEqual(expect.arrayContaining(byPartition(3)));
    expect(b.asked).toBeGreaterThan(1);
  });

  it('asks again while two nodes both answer for a partition, and lists each metric once', async () => {
    let released = false;
    const a = node('a', () => (released ? [0, 1] : [0, 1, 2]));
    const b = node('b', () => [2, 3]);
    setTimeout(() => (released = true), 50);
    const result = await listingOf(a, [b]).list('', 100, null);
    const ids = result.metrics.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(result.unlisted).toEqual([]);
    expect(result.total).toBe(ids.length);
  });

  it('says which partitions stayed unlisted when a node never answers', async () => {
    const a = node('a', () => [0, 1]);
    const silent = node('b', () => [2, 3], false);
    const result = await listingOf(a, [silent]).list('', 100, null);
    expect(result.unlisted).toEqual([2, 3]);
    expect(result.metrics.map((m) => m.id)).toEqual([0, 1].flatMap(byPartition).sort());
    expect(silent.asked).toBeGreaterThan(1);
  });
});
