/** LOG and QUERY runs in, one reply per command out: the node's storage or the cluster's. */
export interface MetricsCommands {
  log(commands: readonly (readonly string[])[]): Promise<string[]>;
  query(commands: readonly (readonly string[])[]): Promise<string[]>;
}

/** Provided by MetricsService on a single node, by ClusterService in cluster mode. */
export const METRICS_COMMANDS = Symbol('METRICS_COMMANDS');
