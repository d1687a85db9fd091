import type { AggregateOp } from '@app/protocol';

/** A registered rule and its checking state, as stored in alerts/rules.json. */
export interface StoredAlertRule {
  id: string;
  op: AggregateOp;
  secs: number;
  limit: number;
  /** When the rule was registered (ms since the epoch). */
  registeredAt: number;
  /** Values stamped after this instant (ms) have not been checked yet. */
  checkedUpTo: number;
  /** Whether the last check fired (to report when the rule stops firing). */
  firing: boolean;
}

/** What NEW-ALERT registers: the rule without its checking state. */
export type NewAlertRule = Pick<StoredAlertRule, 'id' | 'op' | 'secs' | 'limit'>;

/** Where one checked rule's checkpoint moves to once the check's journal lines are durable. */
export interface RuleCheckpoint {
  /** The rule as the check read it (a copy from `AlertRuleStore.all()`). */
  rule: StoredAlertRule;
  checkedUpTo: number;
  firing: boolean;
}

/**
 * What one alert check computed, for the store to commit in this order: the journal lines are
 * appended and synced, and only then do the checkpoints move and get saved.
 */
export interface AlertCheckResult {
  /** One JSON object per journal line. */
  journal: readonly object[];
  checkpoints: readonly RuleCheckpoint[];
}

/** Two registrations of the same rule (same id, op, secs and limit) are one rule. */
export const ruleKey = (r: { id: string; op: string; secs: number; limit: number }): string =>
  `${r.id} ${r.op} ${r.secs} ${r.limit}`;

/**
 * The journal line of a removed rule (DELETE /api/alerts/{rule}): state `deleted`, its last
 * checked interval, no aggregates. One shape for the node's journal and the cluster's stream.
 */
export function deletedRuleLine(rule: StoredAlertRule, now: number) {
  const at = new Date(now).toISOString();
  const { id, op, secs, limit } = rule;
  return {
    ...{ time: at, state: 'deleted' as const, id, op, secs, limit },
    ...{ from: new Date(rule.checkedUpTo).toISOString(), to: at, aggregates: [] as number[] },
  };
}
