/** NEW-ALERT runs in, one reply per command out: the node's rules file or the cluster's bucket. */
export interface AlertCommands {
  register(commands: readonly (readonly string[])[]): Promise<string[]>;
}

/** Provided by AlertMonitor on a single node, by ClusterService in cluster mode. */
export const ALERT_COMMANDS = Symbol('ALERT_COMMANDS');
