import type { QueryWindows } from '@app/metrics';

/**
 * LOG and QUERY runs in, one reply per command out: the node's storage or the cluster's; and a
 * QUERY answered with its window starts (the HTTP API).
 */
export interface MetricsCommands {
  log(commands: readonly (readonly string[])[]): Promise<string[]>;
  query(commands: readonly (readonly string[])[]): Promise<string[]>;
  queryWindows(tokens: readonly string[]): Promise<QueryWindows>;
}

/** Provided by MetricsService on a single node, by ClusterService in cluster mode. */
export const METRICS_COMMANDS = Symbol('METRICS_COMMANDS');
