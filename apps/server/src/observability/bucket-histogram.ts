import type { BucketCounts } from '@app/persistence';

/**
 * A histogram whose buckets the server already counts (BucketCounts), one series per label set:
 * prom-client's own Histogram would cost a label lookup per observation on the command path.
 */
export function bucketHistogram(
  name: string,
  help: string,
  read: () => readonly [Record<string, string>, BucketCounts | undefined][],
) {
  return {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    reset: () => undefined,
    get: async () => {
      const values: {
        value: number;
        labels: Record<string, string | number>;
        metricName: string;
      }[] = [];
      for (const [labels, buckets] of read()) {
        let cumulative = 0;
        const bounds = buckets?.bounds ?? [];
        for (let i = 0; i <= bounds.length; i++) {
          cumulative += buckets?.counts[i] ?? 0;
          const le = i < bounds.length ? bounds[i] : '+Inf';
          values.push({
            value: cumulative,
            labels: { ...labels, le },
            metricName: `${name}_bucket`,
          });
        }
        values.push({ value: buckets?.sum ?? 0, labels, metricName: `${name}_sum` });
        values.push({ value: buckets?.count ?? 0, labels, metricName: `${name}_count` });
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },
  } as never;
}
