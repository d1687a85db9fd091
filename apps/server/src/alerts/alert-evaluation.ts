import { formatCount, formatFloat } from '@app/protocol';
import type { JournalEntry } from '@app/protocol';
import type { RuleCheckpoint, StoredAlertRule } from '@app/persistence';

/** What one check did, for logs and tests. */
export interface AlertCheckReport {
  upTo: number;
  checked: number;
  fired: string[];
  resolved: string[];
  abandoned: boolean;
}

/**
 * One line of alerts.jsonl (README, Alerts: journal fields): the HTTP API's journal entry, every
 * field present as the server writes it (`deleted`: the rule was removed; its alert ends).
 */
export type AlertJournalEntry = Required<JournalEntry>;

/** One rule's check: where its checkpoint moves, and its journal entry if its state changed. */
export interface RuleOutcome {
  checkpoint: RuleCheckpoint;
  entry?: AlertJournalEntry;
  /** The log lines that report it (a warning each when firing, info when resolved). */
  lines: string[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Pure: evaluates a rule over the aggregates of the values stamped after its checkpoint up to
 * `upTo`. It fires if any aggregate is strictly over the limit; a rule that fired and no longer
 * does is resolved. Nothing changes until the store commits the outcome.
 */
export function evaluateRule(
  rule: StoredAlertRule,
  aggregates: readonly number[],
  upTo: number,
  now: number,
): RuleOutcome {
  const over = aggregates.filter((a) => a > rule.limit);
  const firing = over.length > 0;
  const checkpoint = { rule, checkedUpTo: upTo, firing };
  if (!firing && !rule.firing) return { checkpoint, lines: [] };
  const { id, op, secs, limit } = rule;
  const entry: AlertJournalEntry = {
    time: iso(now),
    state: firing ? 'firing' : 'resolved',
    ...{ id, op, secs, limit, from: iso(rule.checkedUpTo), to: iso(upTo) },
    aggregates: over,
  };
  if (!firing) {
    return {
      checkpoint,
      entry,
      lines: [`alert resolved: ${id} ${op} is no longer over ${formatFloat(limit)}`],
    };
  }
  const format = op === 'COUNT' ? formatCount : formatFloat;
  const lines = [
    `ALERT ${id}: ${op} is over ${formatFloat(limit)}`,
    `  ${op} over windows of ${secs} s: [${over.map(format).join(', ')}] ` +
      `for values stamped after ${entry.from} up to ${entry.to}`,
  ];
  return { checkpoint, entry, lines };
}
