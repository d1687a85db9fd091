import type { AggregateOp } from '@app/protocol';

/** A registered rule and its checking state, as stored in alerts/rules.log. */
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

/**
 * A frozen copy of the rule, built field by field: V8 takes ~20 times longer to freeze an object
 * made by spreading (measured 7.7 us against 0.37 us a rule), which 10,000 rules feel.
 */
export function frozenRule(r: StoredAlertRule): Readonly<StoredAlertRule> {
  return Object.freeze(copyRule(r));
}

/** A plain (mutable) copy of the rule, field by field for the same reason. */
export function copyRule(r: Readonly<StoredAlertRule>): StoredAlertRule {
  const { id, op, secs, limit, registeredAt, checkedUpTo, firing } = r;
  return { id, op, secs, limit, registeredAt, checkedUpTo, firing };
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

const OPS = new Set(['AVG', 'MAX', 'MIN', 'COUNT']);

/** Whether a value read from disk is a well-formed stored rule. */
export function isStoredRule(r: unknown): r is StoredAlertRule {
  const rule = r as StoredAlertRule;
  return (
    typeof rule === 'object' &&
    rule !== null &&
    typeof rule.id === 'string' &&
    OPS.has(rule.op) &&
    [rule.secs, rule.limit, rule.registeredAt, rule.checkedUpTo].every(Number.isFinite) &&
    typeof rule.firing === 'boolean'
  );
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
