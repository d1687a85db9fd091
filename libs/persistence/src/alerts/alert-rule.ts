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

/** Two registrations of the same rule (same id, op, secs and limit) are one rule. */
export const ruleKey = (r: { id: string; op: string; secs: number; limit: number }): string =>
  `${r.id} ${r.op} ${r.secs} ${r.limit}`;
