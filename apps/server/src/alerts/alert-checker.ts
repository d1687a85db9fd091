import { Logger } from '@nestjs/common';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { MetricsService } from '@app/metrics';
import { AlertRuleStore, ruleKey } from '@app/persistence';
import type { Clock, StoredAlertRule } from '@app/persistence';
import { evaluateRule } from './alert-evaluation';
import type { AlertCheckReport, RuleOutcome } from './alert-evaluation';

/**
 * Rules checked together, between two yields to the event loop (so a big check never stalls
 * ingestion); a check stopped by shutdown stops after its current slice.
 */
const RULES_PER_SLICE = 64;

const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * One alert check: per due rule, the aggregates of the values stamped after its checkpoint up to
 * the check's start, in windows of the rule's secs anchored at the checkpoint, evaluated by
 * alert-evaluation.ts; the result goes to the store, which journals it and only then moves the
 * checkpoints. The AlertMonitor decides when checks run.
 */
export class AlertChecker {
  private readonly logger = new Logger('AlertMonitor');

  constructor(
    private readonly metrics: MetricsService,
    private readonly store: AlertRuleStore,
    private readonly clock: Clock,
  ) {}

  async run(stopping: () => boolean): Promise<AlertCheckReport> {
    const started = performance.now();
    // Values stamped in this very millisecond, or still waiting for their commit, belong to the
    // next check: both bounds keep every value in exactly one check.
    const upTo = Math.min(this.clock.now() - 1, this.metrics.visibleUpTo());
    const report: AlertCheckReport = {
      upTo,
      checked: 0,
      fired: [],
      resolved: [],
      abandoned: false,
    };
    const outcomes: RuleOutcome[] = [];
    const due = this.store.all().filter((rule) => rule.checkedUpTo < upTo);
    for (let at = 0; at < due.length; at += RULES_PER_SLICE) {
      if (stopping()) {
        report.abandoned = true;
        this.logger.warn(`alert check abandoned for shutdown after ${report.checked} rules`);
        break;
      }
      // The rules of a slice are checked together: a scan that waits for a block read then
      // waits alongside the others instead of one event-loop turn after another (10,000 rules
      // under ingest: 9 s one by one). Between slices, ingestion gets the loop.
      if (at > 0) await yieldToEventLoop();
      const slice = due.slice(at, at + RULES_PER_SLICE);
      for (const outcome of await Promise.all(slice.map((rule) => this.evaluate(rule, upTo))))
        if (outcome) outcomes.push(outcome);
      report.checked += slice.length;
    }
    // The store journals first, then moves the checkpoints: a failed journal write leaves them,
    // and a crash in between repeats the check (at least once).
    await this.store.commitCheck({
      journal: outcomes.flatMap((o) => (o.entry ? [o.entry] : [])),
      checkpoints: outcomes.map((o) => o.checkpoint),
    });
    for (const { entry } of outcomes) {
      if (entry?.state === 'firing') report.fired.push(entry.id);
      if (entry?.state === 'resolved') report.resolved.push(entry.id);
    }
    if (report.checked > 0) {
      // Wall time, not CPU: the check yields to ingestion between slices of rules.
      this.logger.log(
        `alert check: ${report.checked} rules in ${Math.round(performance.now() - started)} ms ` +
          `(${report.fired.length} firing, ${report.resolved.length} resolved)`,
      );
    }
    return report;
  }

  /** A rule whose values cannot be read (a damaged block) is logged and left for the next check. */
  private async evaluate(rule: StoredAlertRule, upTo: number): Promise<RuleOutcome | undefined> {
    let aggregates: number[];
    try {
      aggregates =
        (await this.metrics.aggregate(rule.id, rule.op, rule.secs, rule.checkedUpTo, upTo)) ?? [];
    } catch (error) {
      this.logger.error(
        `alert rule ${ruleKey(rule)} not checked: ${message(error)}; its checkpoint stays`,
      );
      return undefined;
    }
    const outcome = evaluateRule(rule, aggregates, upTo, this.clock.now());
    // Logged at once, journaled with the check: an alert is reported even if the journal fails.
    const level = outcome.entry?.state === 'firing' ? 'warn' : 'log';
    for (const line of outcome.lines) this.logger[level](line);
    return outcome;
  }
}
