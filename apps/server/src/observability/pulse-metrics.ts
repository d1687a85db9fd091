import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BucketCounts, StorageStats } from '@app/persistence';
import { COUNTED_VERBS, REPLY_CLASSES } from './command-stats';
import type { CommandStats } from './command-stats';

/** What the metrics are read from, each at scrape time. */
export interface MetricSources {
  commands: CommandStats;
  connections: () => { open: number; inFlight: number };
  storage: () => StorageStats;
  alerts: () => { rules: number; checks: number; lastCheckSeconds: number; lastFiring: number };
  /** QUERY latency by op, where a QUERY is answered (in cluster mode: by the metric's owner). */
  queries: () => Record<string, BucketCounts>;
  notifications: () => {
    endpoint: string;
    pending: number;
    delivered: number;
    failures: number;
    dropped: number;
  }[];
}

/**
 * Pulse's Prometheus metrics (prom-client): the default process metrics plus Pulse's own, every
 * one computed in a `collect` callback from counters the server keeps anyway, so that the
 * command path pays no more than an increment (README, Observability, lists them all).
 */
export function pulseMetrics(sources: MetricSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  new Counter({
    name: 'pulse_values_acknowledged_total',
    help: 'LOG commands answered 201: values stored',
    registers,
    collect() {
      this.reset();
      this.inc(sources.commands.valuesAcknowledged);
    },
  });
  new Counter({
    name: 'pulse_commands_total',
    help: 'Commands answered, by verb and reply class',
    labelNames: ['verb', 'class'],
    registers,
    collect() {
      this.reset();
      for (const verb of COUNTED_VERBS) {
        const counts = sources.commands.replies.get(verb) as Float64Array;
        REPLY_CLASSES.forEach((cls, i) => this.inc({ verb, class: cls }, counts[i]));
      }
    },
  });
  new Counter({
    name: 'pulse_connections_refused_total',
    help: 'Connections answered 503 at accept (PULSE_MAX_CONNECTIONS)',
    registers,
    collect() {
      this.reset();
      this.inc(sources.commands.connectionsRefused);
    },
  });
  new Counter({
    name: 'pulse_commands_busy_total',
    help: 'Commands answered 503 because PULSE_MAX_IN_FLIGHT commands were in flight',
    registers,
    collect() {
      this.reset();
      this.inc(sources.commands.commandsRefusedBusy);
    },
  });
  gauge(
    registers,
    'pulse_connections_open',
    'Open protocol connections',
    () => sources.connections().open,
  );
  gauge(
    registers,
    'pulse_commands_in_flight',
    'Commands read and not yet answered',
    () => sources.connections().inFlight,
  );
  gauge(registers, 'pulse_metrics', 'Metrics known to storage', () => sources.storage().metrics);
  gauge(
    registers,
    'pulse_storage_head_values',
    'Values in memory heads (not yet in a block)',
    () => sources.storage().headValues,
  );
  gauge(registers, 'pulse_storage_blocks', 'Block files in place', () => sources.storage().blocks);
  gauge(
    registers,
    'pulse_storage_block_bytes',
    'Bytes of the block files in place',
    () => sources.storage().blockBytes,
  );
  gauge(
    registers,
    'pulse_storage_open_block_files',
    'Block files held open',
    () => sources.storage().openBlockFiles,
  );
  new Counter({
    name: 'pulse_compactions_total',
    help: 'Compaction jobs done (merges, splits, retention rewrites, deletions)',
    registers,
    collect() {
      this.reset();
      this.inc(sources.storage().compactions);
    },
  });
  registry.registerMetric(
    bucketHistogram(
      'pulse_commit_seconds',
      'Duration of a group commit (WAL write to visible)',
      () => [[{}, sources.storage().commits?.seconds]],
    ),
  );
  registry.registerMetric(
    bucketHistogram('pulse_commit_values', 'Values per group commit', () => [
      [{}, sources.storage().commits?.values],
    ]),
  );
  registry.registerMetric(
    bucketHistogram('pulse_query_seconds', 'Duration of a QUERY, by op', () =>
      Object.entries(sources.queries()).map(([op, buckets]) => [{ op }, buckets] as const),
    ),
  );
  gauge(
    registers,
    'pulse_alert_rules',
    'Alert rules registered on this node',
    () => sources.alerts().rules,
  );
  new Counter({
    name: 'pulse_alert_checks_total',
    help: 'Alert checks completed',
    registers,
    collect() {
      this.reset();
      this.inc(sources.alerts().checks);
    },
  });
  gauge(
    registers,
    'pulse_alert_check_seconds',
    'Duration of the last alert check',
    () => sources.alerts().lastCheckSeconds,
  );
  gauge(
    registers,
    'pulse_alert_rules_firing',
    'Rules that fired in the last alert check',
    () => sources.alerts().lastFiring,
  );
  new Gauge({
    name: 'pulse_notifications_pending',
    help: 'Alert notifications written and not yet acknowledged, by endpoint (estimated)',
    labelNames: ['endpoint'],
    registers,
    collect() {
      for (const n of sources.notifications()) this.set({ endpoint: n.endpoint }, n.pending);
    },
  });
  for (const [name, help, field] of [
    ['pulse_notifications_delivered_total', 'Alert notifications acknowledged (2xx)', 'delivered'],
    ['pulse_notification_failures_total', 'Failed notification requests (retried)', 'failures'],
    ['pulse_notifications_dropped_total', 'Notifications dropped past the outbox limit', 'dropped'],
  ] as const) {
    new Counter({
      name,
      help,
      labelNames: ['endpoint'],
      registers,
      collect() {
        this.reset();
        for (const n of sources.notifications()) this.inc({ endpoint: n.endpoint }, n[field]);
      },
    });
  }
  return registry;
}

function gauge(registers: Registry[], name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(read());
    },
  });
}

/**
 * A histogram whose buckets the server already counts (BucketCounts), one series per label set:
 * prom-client's own Histogram would cost a label lookup per observation on the command path.
 */
function bucketHistogram(
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
