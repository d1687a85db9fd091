import { Logger } from '@nestjs/common';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { createHash } from 'node:crypto';
import { MetricsService } from '@app/metrics';
import { AlertJournal, deletedRuleLine, ruleKey } from '@app/persistence';
import type { Clock, StoredAlertRule } from '@app/persistence';
import { parseAlertArgs, Replies } from '@app/protocol';
import { evaluateRule } from '../alerts/alert-evaluation';
import { ALERTS_SUBJECT } from './cluster-resources';
import { ClusterQueries } from './cluster-queries';
import { partitionOf } from './partition-of';

/**
 * A check covers values stamped up to this long ago: a LOG stamped earlier is acknowledged, or
 * answered 500, within the publish deadline (5 s), so by then its message is in the stream and
 * the owner's catch-up before the check applies it. (Clock skew between nodes adds to it.)
 */
export const CHECK_LAG_MS = 6000;

/** The KV key of a rule: a digest, since metric ids may hold characters KV keys may not. */
const bucketKeyOf = (key: string): string =>
  `r.${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
const ruleBucketKey = (rule: Parameters<typeof ruleKey>[0]): string => bucketKeyOf(ruleKey(rule));

/**
 * Alerts in cluster mode. Rules live in a replicated KV bucket; NEW-ALERT is answered 200 once
 * the put is acknowledged (the same rule twice is one key). Every alert period each node checks
 * the rules whose metric's partition it owns, after catching up with the stream, over the
 * values stamped after the rule's checkpoint up to CHECK_LAG_MS ago. The outcome's journal line
 * goes to the alerts stream (message id: rule and interval, so a repeat is stored once) and to
 * this node's alerts.jsonl, and only then does the checkpoint move in KV, by compare-and-set on
 * the revision the check read: a node that lost the partition meanwhile cannot move it, and the
 * new owner goes on from the checkpoint: no interval is skipped, none is checked twice.
 */
export class ClusterAlerts {
  private readonly logger = new Logger('AlertMonitor');
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  /**
   * For /metrics, as AlertMonitor's: the cluster's rules (as of this node's last check), this
   * node's checks, the last one's duration and the rules it found firing (of those it owns).
   */
  readonly stats = { rules: 0, checks: 0, lastCheckSeconds: 0, lastFiring: 0 };

  constructor(
    private readonly rules: KV,
    private readonly js: JetStreamClient,
    private readonly queries: ClusterQueries,
    private readonly metrics: MetricsService,
    private readonly journal: AlertJournal,
    private readonly clock: Clock,
    private readonly partitions: number,
    private readonly periodMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.periodMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
  }

  /** NEW-ALERT: usage, then 404 from the metric's owner, then 200 once the rule is in KV. */
  async register(commands: readonly (readonly string[])[]): Promise<string[]> {
    return Promise.all(commands.map((tokens) => this.registerOne(tokens)));
  }

  /** One check of the rules this node owns; a check still running makes the next one skip. */
  check(): Promise<void> {
    if (this.checking) {
      this.logger.warn('alert check skipped: the previous check is still running');
      return this.checking;
    }
    this.checking = this.checkOwned()
      .catch((error: Error) => this.logger.error(`alert check failed: ${error.message}`))
      .finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** Every rule in the bucket (GET /api/alerts). */
  async listRules(): Promise<StoredAlertRule[]> {
    const rules: StoredAlertRule[] = [];
    for await (const key of await this.rules.keys()) {
      const entry = await this.rules.get(key);
      if (entry?.operation === 'PUT') rules.push(entry.json<StoredAlertRule>());
    }
    return rules;
  }

  /**
   * Removes a rule from the bucket (DELETE /api/alerts/{rule}) and journals it as deleted, in
   * the alerts stream and this node's journal (its notifications resolve the rule's alert).
   */
  async removeRule(key: string): Promise<boolean> {
    const bucketKey = bucketKeyOf(key);
    const entry = await this.rules.get(bucketKey);
    if (entry?.operation !== 'PUT') return false;
    const rule = entry.json<StoredAlertRule>();
    await this.rules.delete(bucketKey, { previousSeq: entry.revision });
    const line = deletedRuleLine(rule, this.clock.now());
    await this.js.publish(ALERTS_SUBJECT, JSON.stringify(line));
    await this.journal.append([line]);
    this.logger.log(`deleted alert rule ${key}`);
    return true;
  }

  private async registerOne(tokens: readonly string[]): Promise<string> {
    const rule = parseAlertArgs(tokens);
    if (!rule) return Replies.alertUsage;
    // A range in the year 2000 costs the owner nothing to answer: 200 [] if the metric exists.
    const [exists] = await this.queries.query([
      [rule.id, 'COUNT', '1', '2000-01-01', '2000-01-01'],
    ]);
    if (exists === Replies.metricNotFound || exists === Replies.busy) return exists;
    if (!exists.startsWith('200 ')) return Replies.internalError;
    const now = this.clock.now();
    const stored: StoredAlertRule = {
      ...rule,
      registeredAt: now,
      checkedUpTo: now - CHECK_LAG_MS,
      firing: false,
    };
    try {
      await this.rules.create(ruleBucketKey(rule), JSON.stringify(stored));
    } catch (error) {
      // Already registered (create refuses an existing key): the same rule is stored once.
      const existing = await this.rules.get(ruleBucketKey(rule)).catch(() => null);
      if (existing?.operation !== 'PUT') {
        this.logger.error(
          `could not store alert rule ${ruleKey(rule)}: ${(error as Error).message}`,
        );
        return Replies.internalError;
      }
    }
    return Replies.alertRegistered;
  }

  private async checkOwned(): Promise<void> {
    const started = performance.now();
    const upTo = this.clock.now() - CHECK_LAG_MS;
    let rules = 0;
    let checked = 0;
    let fired = 0;
    for await (const key of await this.rules.keys()) {
      const entry = await this.rules.get(key);
      if (entry?.operation !== 'PUT') continue;
      rules++;
      const rule = entry.json<StoredAlertRule>();
      const partition = partitionOf(rule.id, this.partitions);
      if (rule.checkedUpTo >= upTo) continue;
      // Only the owner, caught up with the stream, checks (false: not the owner, or lagging).
      if (!(await this.queries.catchUpAsOwner(partition))) continue;
      const aggregates =
        (await this.metrics.aggregate(rule.id, rule.op, rule.secs, rule.checkedUpTo, upTo)) ?? [];
      const outcome = evaluateRule(rule, aggregates, upTo, this.clock.now());
      if (outcome.entry) {
        const level = outcome.entry.state === 'firing' ? 'warn' : 'log';
        for (const line of outcome.lines) this.logger[level](line);
        const ack = await this.js.publish(ALERTS_SUBJECT, JSON.stringify(outcome.entry), {
          msgID: `${key}-${rule.checkedUpTo}`,
        });
        // A duplicate: another owner journaled this very interval (it took over while this
        // node was paused between journal and checkpoint): it is journaled once.
        if (!ack.duplicate) await this.journal.append([outcome.entry]);
        if (outcome.entry.state === 'firing') fired++;
      }
      const next: StoredAlertRule = {
        ...rule,
        checkedUpTo: upTo,
        firing: outcome.checkpoint.firing,
      };
      try {
        await this.rules.update(key, JSON.stringify(next), entry.revision);
      } catch (error) {
        this.logger.warn(
          `alert rule ${ruleKey(rule)}: checkpoint not moved: ${(error as Error).message}`,
        );
      }
      checked++;
    }
    const seconds = (performance.now() - started) / 1000;
    Object.assign(this.stats, {
      rules,
      checks: this.stats.checks + 1,
      lastCheckSeconds: seconds,
      lastFiring: fired,
    });
    if (checked > 0) {
      this.logger.log(
        `alert check: ${checked} rules in ${Math.round(seconds * 1000)} ms (${fired} firing)`,
      );
    }
  }
}
