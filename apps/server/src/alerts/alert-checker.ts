import { Logger } from '@nestjs/common';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { MetricsService } from '@app/metrics';
import { AlertRuleStore, ruleKey } from '@app/persistence';
import type { Clock, StoredAlertRule } from '@app/persistence';
import { evaluateRule } from './alert-evaluation';
import type { AlertCheckReport, RuleOutcome } from './alert-evaluation';

/**
 * Rules being checked at once. Their block reads are made on the event loop (see evaluate), so a
 * rule waits only when its scan yields (SeriesScanner does every 131,072 values: a rule not
 * checked for a long time); meanwhile the others go on, where checks used to go slice by slice,
 * each slice waiting for its slowest rule and then for an event-loop turn.
 */
const RULES_IN_FLIGHT = 256;
/**
 * The longest the check runs on the event loop before it lets ingestion have it (ms). Rules whose
 * values are all in memory are checked without any I/O to wait for, so the check yields by time.
 */
const SLICE_MS = 10;

/**
 * Work on the event loop in slices of at most `ms`: once a slice is used up, everyone who asks
 * waits for the same single yield (setImmediate), and the next slice starts after it.
 */
class TimeSlices {
  private start = performance.now();
  private pause: Promise<void> | undefined;

  constructor(private readonly ms: number) {}

  /** The yield to wait for if this slice is used up, else undefined (go on). */
  pauseIfDue(): Promise<void> | undefined {
    if (!this.pause && performance.now() - this.start >= this.ms) {
      this.pause = yieldToEventLoop().then(() => {
        this.pause = undefined;
        this.start = performance.now();
      });
    }
    return this.pause;
  }
}

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
    private readonly sliceMs = SLICE_MS,
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
    const due = this.store.all().filter((rule) => rule.checkedUpTo < upTo);
    const outcomes = await this.evaluateAll(due, upTo, stopping, report);
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

  /**
   * The outcomes of the due rules, in their order (RULES_IN_FLIGHT at a time, yielding every
   * SLICE_MS); a check stopped by shutdown starts no more rules and has the outcomes of those
   * it finished.
   */
  private async evaluateAll(
    due: readonly StoredAlertRule[],
    upTo: number,
    stopping: () => boolean,
    report: AlertCheckReport,
  ): Promise<RuleOutcome[]> {
    const outcomes: (RuleOutcome | undefined)[] = [];
    let next = 0;
    const slices = new TimeSlices(this.sliceMs);
    const evaluateNext = async (): Promise<void> => {
      while (next < due.length && !report.abandoned) {
        const pause = slices.pauseIfDue();
        if (pause) await pause; // then at least one rule, whatever the time
        if (next >= due.length || report.abandoned) break;
        if (stopping()) {
          report.abandoned = true;
          break;
        }
        const at = next++;
        outcomes[at] = await this.evaluate(due[at], upTo);
        report.checked++;
      }
    };
    const lanes = Math.min(RULES_IN_FLIGHT, due.length);
    await Promise.all(Array.from({ length: lanes }, evaluateNext));
    if (report.abandoned)
      this.logger.warn(`alert check abandoned for shutdown after ${report.checked} rules`);
    return outcomes.filter((outcome): outcome is RuleOutcome => outcome !== undefined);
  }

  /** A rule whose values cannot be read (a damaged block) is logged and left for the next check. */
  private async evaluate(rule: StoredAlertRule, upTo: number): Promise<RuleOutcome | undefined> {
    let aggregates: number[];
    try {
      // Blocks read on the event loop: a thread-pool read per rule cost more than the rest of
      // its check together (10,000 rules: ~200 ms of reads alone under ingest), and the check
      // bounds its own time on the loop (SLICE_MS) so that ingestion keeps going.
      const { id, op, secs, checkedUpTo } = rule;
      aggregates = (await this.metrics.aggregate(id, op, secs, checkedUpTo, upTo, true)) ?? [];
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
