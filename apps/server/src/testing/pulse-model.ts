import { Replies } from '@app/protocol';
import { ruleKey } from '@app/persistence';

/** Metric ids the actions use: few, so that runs, flushes and rules meet on the same series. */
export const METRIC_IDS = ['cpu', 'mem', 'disk'] as const;
export type MetricId = (typeof METRIC_IDS)[number];

/** Values are unique (a LOG answered 500 is then recognisable); high ones are over LIMIT. */
export const LIMIT = 500_000;
const HIGH_BASE = 1_000_000;

export interface ModelRule {
  id: MetricId;
  op: 'MAX' | 'MIN' | 'AVG';
  secs: number;
  limit: number;
}

/**
 * What the server promised, from its replies alone: the values answered 201 (with the stamp the
 * test's clock gave them), the values answered 500, the rules answered 200 (with when) and 500.
 */
export class PulseModel {
  private next = 1;
  readonly acked = new Map<MetricId, number[]>(METRIC_IDS.map((id) => [id, []]));
  readonly stamps = new Map<number, number>();
  readonly failed = new Set<number>();
  readonly rules = new Map<string, ModelRule & { registeredAt: number }>();
  readonly failedRules = new Set<string>();

  /** A value never sent before. */
  value(high: boolean): number {
    const n = this.next++;
    return high ? HIGH_BASE + n : n;
  }

  /** Records one LOG's reply; anything but 201 or 500 is a broken promise. */
  logged(id: MetricId, value: number, stamp: number, reply: string): void {
    if (reply === Replies.metricInserted) {
      this.acked.get(id)?.push(value);
      this.stamps.set(value, stamp);
    } else if (reply === Replies.internalError) this.failed.add(value);
    else throw new Error(`LOG ${id} ${value} answered "${reply}"`);
  }

  /** Records one NEW-ALERT's reply. */
  registered(rule: ModelRule, at: number, reply: string): void {
    const key = ruleKey(rule);
    if (reply === Replies.alertRegistered) {
      if (!this.rules.has(key)) this.rules.set(key, { ...rule, registeredAt: at });
    } else if (reply === Replies.internalError) this.failedRules.add(key);
    else if (reply !== Replies.metricNotFound || this.has(rule.id)) {
      throw new Error(`NEW-ALERT ${key} answered "${reply}"`);
    }
  }

  has(id: MetricId): boolean {
    return (this.acked.get(id)?.length ?? 0) > 0;
  }

  lastStamp(): number {
    return Math.max(0, ...this.stamps.values());
  }
}
