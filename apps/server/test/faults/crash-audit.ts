import type { LoadOutcome } from '../support/log-load';

/**
 * Every value the fault suite sends is `base + n`, with `base` a multiple of VALUE_STRIDE unique
 * to one sender (a pipelined load or a one-shot LOG) and n from 1 to less than VALUE_STRIDE. So a
 * stored value names its sender and sequence number in O(1), even for a million values.
 */
export const VALUE_STRIDE = 10_000_000;

let nextSender = 0;
export const nextBase = (): number => ++nextSender * VALUE_STRIDE;

/**
 * The violations of a metric's stored listing (`QUERY <id> MIN 0`, in stored order) against what
 * its senders were told (the rules of support/log-load.ts crashViolations, in linear time):
 * only values that were sent; each sender's values in the order sent; every acknowledged one
 * present, no rejected one; besides those, only a prefix of the unanswered ones (never a hole).
 */
export function auditStored(stored: readonly number[], senders: readonly LoadOutcome[]): string[] {
  const violations: string[] = [];
  const bySender = new Map<number, { load: LoadOutcome; seqs: number[] }>();
  for (const load of senders) bySender.set(load.base / VALUE_STRIDE, { load, seqs: [] });
  for (const value of stored) {
    const entry = bySender.get(Math.floor(value / VALUE_STRIDE));
    const n = value % VALUE_STRIDE;
    if (!entry || !Number.isInteger(value) || n < 1 || n > entry.load.sent) {
      if (violations.length < 20) violations.push(`stored value ${value} was never sent`);
      continue;
    }
    entry.seqs.push(n);
  }
  for (const { load, seqs } of bySender.values()) {
    const rejected = new Set(load.rejected);
    const lastAck = load.acked.length ? load.acked[load.acked.length - 1] : 0;
    let highest = 0;
    for (const n of seqs) if (n > highest) highest = n;
    const upTo = Math.max(highest, lastAck);
    let at = 0;
    let problem: string | undefined;
    for (let n = 1; n <= upTo && !problem; n += 1) {
      if (rejected.has(n)) continue;
      if (seqs[at] !== n) problem = `expected n=${n} at #${at}, stored n=${seqs[at]}`;
      at += 1;
    }
    if (!problem && at !== seqs.length) problem = `${seqs.length - at} values after n=${upTo}`;
    if (problem) {
      violations.push(
        `${load.metric} (values ${load.base}+n, sent ${load.sent}, acknowledged ` +
          `${load.acked.length}, rejected ${rejected.size}): ${problem}`,
      );
    }
  }
  return violations;
}

/** Sums of what a metric's senders were told: a stored count must lie between acked and sent. */
export function tally(senders: readonly LoadOutcome[]): { acked: number; sent: number } {
  let acked = 0;
  let sent = 0;
  for (const load of senders) {
    acked += load.acked.length;
    sent += load.sent;
  }
  return { acked, sent };
}
