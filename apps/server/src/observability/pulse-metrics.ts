import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BucketCounts, StorageStats } from '@app/persistence';
import { bucketHistogram } from './bucket-histogram';
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
  const { commands, connections, storage, alerts } = sources;

  const counters: [string, string, () => number][] = [
    [
      'pulse_values_acknowledged_total',
      'LOG commands answered 201: values stored',
      () => commands.valuesAcknowledged,
    ],
    [
      'pulse_connections_refused_total',
      'Connections answered 503 at accept (PULSE_MAX_CONNECTIONS)',
      () => commands.connectionsRefused,
    ],
    [
      'pulse_commands_busy_total',
      'Commands answered 503 because PULSE_MAX_IN_FLIGHT commands were in flight',
      () => commands.commandsRefusedBusy,
    ],
    [
      'pulse_compactions_total',
      'Compaction jobs done (merges, splits, retention rewrites, deletions)',
      () => storage().compactions,
    ],
    ['pulse_alert_checks_total', 'Alert checks completed', () => alerts().checks],
  ];
  for (const [name, help, read] of counters) {
    new Counter({ name, help, registers, collect: setCounter(read) });
  }
  const gauges: [string, string, () => number][] = [
    ['pulse_connections_open', 'Open protocol connections', () => connections().open],
    [
      'pulse_commands_in_flight',
      'Commands read and not yet answered',
      () => connections().inFlight,
    ],
    ['pulse_metrics', 'Metrics known to storage', () => storage().metrics],
    [
      'pulse_storage_head_values',
      'Values in memory heads (not yet in a block)',
      () => storage().headValues,
    ],
    ['pulse_storage_blocks', 'Block files in place', () => storage().blocks],
    ['pulse_storage_block_bytes', 'Bytes of the block files in place', () => storage().blockBytes],
    ['pulse_storage_open_block_files', 'Block files held open', () => storage().openBlockFiles],
    [
      'pulse_alert_rules',
      "Alert rules registered (in cluster mode, the cluster's)",
      () => alerts().rules,
    ],
    [
      'pulse_alert_check_seconds',
      'Duration of the last alert check',
      () => alerts().lastCheckSeconds,
    ],
    [
      'pulse_alert_rules_firing',
      'Rules that fired in the last alert check',
      () => alerts().lastFiring,
    ],
  ];
  for (const [name, help, read] of gauges) {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  }

  new Counter({
    name: 'pulse_commands_total',
    help: 'Commands answered, by verb and reply class',
    labelNames: ['verb', 'class'],
    registers,
    collect() {
      this.reset();
      for (const verb of COUNTED_VERBS) {
        const counts = commands.replies.get(verb) as Float64Array;
        REPLY_CLASSES.forEach((cls, i) => this.inc({ verb, class: cls }, counts[i]));
      }
    },
  });
  registry.registerMetric(
    bucketHistogram(
      'pulse_commit_seconds',
      'Duration of a group commit (WAL write to visible)',
      () => [[{}, storage().commits?.seconds]],
    ),
  );
  registry.registerMetric(
    bucketHistogram('pulse_commit_values', 'Values per group commit', () => [
      [{}, storage().commits?.values],
    ]),
  );
  registry.registerMetric(
    bucketHistogram('pulse_query_seconds', 'Duration of a QUERY, by op', () =>
      Object.entries(sources.queries()).map(([op, buckets]) => [{ op }, buckets] as const),
    ),
  );
  notificationMetrics(registers, sources.notifications);
  return registry;
}

/** A counter's collect(): it is set to what the server counted (prom-client only adds). */
function setCounter(read: () => number) {
  return function (this: Counter) {
    this.reset();
    this.inc(read());
  };
}

/** Per endpoint: notifications waiting, delivered, failed and dropped. */
function notificationMetrics(registers: Registry[], read: MetricSources['notifications']): void {
  new Gauge({
    name: 'pulse_notifications_pending',
    help: 'Alert notifications written and not yet acknowledged, by endpoint (estimated)',
    labelNames: ['endpoint'],
    registers,
    collect() {
      for (const n of read()) this.set({ endpoint: n.endpoint }, n.pending);
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
        for (const n of read()) this.inc({ endpoint: n.endpoint }, n[field]);
      },
    });
  }
}
