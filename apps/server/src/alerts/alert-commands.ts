import type { StoredAlertRule } from '@app/persistence';

/**
 * NEW-ALERT runs in, one reply per command out; and the rules for the HTTP API (list, remove):
 * the node's rules log or the cluster's bucket.
 */
export interface AlertCommands {
  register(commands: readonly (readonly string[])[]): Promise<string[]>;
  /** Every rule with its checkpoint and state. */
  listRules(): Promise<StoredAlertRule[]>;
  /** Removes the rule with this key (ruleKey), journaled as deleted; false if there is none. */
  removeRule(key: string): Promise<boolean>;
}

/** Provided by AlertMonitor on a single node, by ClusterService in cluster mode. */
export const ALERT_COMMANDS = Symbol('ALERT_COMMANDS');
