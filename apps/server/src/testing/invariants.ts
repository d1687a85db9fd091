import { Replies } from '@app/protocol';
import { ruleKey } from '@app/persistence';
import type { PulseHarness } from './pulse-harness';
import type { AlertJournalEntry } from '../alerts/alert-evaluation';
import { METRIC_IDS, MetricId, PulseModel } from './pulse-model';

/** A window longer than any run: COUNT then answers one total, from block summaries if it can. */
const WHOLE_RUN_SECS = '100000000';

/** The values of `200 [a, b]` (or undefined for another reply). */
function listed(reply: string): number[] | undefined {
  const match = /^200 \[(.*)\]$/.exec(reply);
  if (!match) return undefined;
  return match[1] === '' ? [] : match[1].split(', ').map(Number);
}

const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);

/**
 * Every value answered 201 is visible exactly once, and no value answered 500 is: checked through
 * QUERY as a client sees it, both value by value (MIN over windows of 0 s: each value on its own)
 * and as one COUNT. With a fault still armed a QUERY may answer 500 (a block read failed);
 * otherwise it must answer.
 */
export async function checkValues(h: PulseHarness, model: PulseModel, id: MetricId): Promise<void> {
  const mayFail = h.faultArmed(); // before the QUERY: it may use up the fault
  const [values, count] = await h.step(
    h.metrics.query([
      [id, 'MIN', '0'],
      [id, 'COUNT', WHOLE_RUN_SECS],
    ]),
    `QUERY ${id}`,
  );
  const acked = model.acked.get(id) ?? [];
  for (const reply of [values, count]) {
    if (reply === Replies.internalError && mayFail) return;
    if (reply === Replies.metricNotFound && acked.length === 0) return;
    if (listed(reply) === undefined) throw new Error(`QUERY ${id} answered "${reply}"`);
  }
  const seen = listed(values) as number[];
  const visibleFailed = seen.filter((v) => model.failed.has(v));
  if (visibleFailed.length > 0) {
    throw new Error(`${id}: values answered 500 became visible: ${visibleFailed.join(', ')}`);
  }
  const missing = acked.filter((v) => !seen.includes(v));
  const extra = seen.filter((v, i) => seen.indexOf(v) !== i || !acked.includes(v));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `${id}: ${acked.length} values answered 201, ${seen.length} visible; ` +
        `missing [${missing.join(', ')}], duplicated or unknown [${extra.join(', ')}] ` +
        `(visible: ${sorted(seen).join(', ')})`,
    );
  }
  const total = listed(count) as number[];
  const expected = acked.length === 0 ? [] : [acked.length];
  if (total.join() !== expected.join()) {
    throw new Error(`${id}: COUNT over the whole run is [${total.join()}], expected [${expected}]`);
  }
}

export async function checkAllValues(h: PulseHarness, model: PulseModel): Promise<void> {
  for (const id of METRIC_IDS) await checkValues(h, model, id);
}

/** After a restart: exactly the rules answered 200 are active (none answered only 500). */
export function checkRules(h: PulseHarness, model: PulseModel): void {
  const active = new Set(h.activeRules().map(ruleKey));
  const lost = [...model.rules.keys()].filter((key) => !active.has(key));
  const revived = [...active].filter((key) => !model.rules.has(key));
  if (lost.length > 0) throw new Error(`rules answered 200 are gone: ${lost.join('; ')}`);
  if (revived.length > 0) {
    throw new Error(`rules answered 500 are active after a restart: ${revived.join('; ')}`);
  }
}

/**
 * The journal is readable and no rule answered 200 has a `resolved` line before any `firing`
 * line (an orphan: its firing was lost). With `complete` (after a final check that covered every
 * value): every value over a rule's limit, stamped after the rule was registered, is in a
 * `firing` line of that rule whose interval holds its stamp (at least once).
 */
export async function checkJournal(
  h: PulseHarness,
  model: PulseModel,
  complete: boolean,
): Promise<void> {
  const lines = (await h.journal()) as unknown as AlertJournalEntry[];
  const fired = new Set<string>();
  for (const line of lines) {
    const key = ruleKey(line);
    if (line.state === 'firing') fired.add(key);
    else if (line.state === 'resolved' && model.rules.has(key) && !fired.has(key)) {
      throw new Error(`orphan "resolved" for ${key} (no "firing" journaled before it)`);
    }
  }
  if (!complete) return;
  for (const [key, rule] of model.rules) {
    const firings = lines.filter((l) => l.state === 'firing' && ruleKey(l) === key);
    for (const value of model.acked.get(rule.id) ?? []) {
      const stamp = model.stamps.get(value) as number;
      if (value <= rule.limit || stamp <= rule.registeredAt) continue;
      const covered = firings.some(
        (l) =>
          Date.parse(l.from) < stamp &&
          stamp <= Date.parse(l.to) &&
          (rule.secs !== 0 || l.aggregates.includes(value)),
      );
      if (!covered) {
        throw new Error(
          `${key}: value ${value} stamped ${new Date(stamp).toISOString()} is over the limit ` +
            `but no "firing" line covers it (${firings.length} firing lines)`,
        );
      }
    }
  }
}
