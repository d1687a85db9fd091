import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { MetricsService, Replies, parseAlertArgs } from '@app/metrics';
import { AlertRuleStore, CLOCK, StoredAlertRule } from '@app/persistence';
import type { Clock } from '@app/persistence';
import { SERVER_CONFIG } from '../config/server-config';
import type { ServerConfig } from '../config/server-config';
import { evaluateRule } from './alert-evaluation';
import type { AlertCheckReport, RuleOutcome } from './alert-evaluation';

export type { AlertCheckReport } from './alert-evaluation';
export const ALERT_CHECK_JOB = 'alert-check';
/**
 * Rules checked together, between two yields to the event loop (so a big check never stalls
 * ingestion); a check stopped by shutdown stops after its current slice.
 */
const RULES_PER_SLICE = 64;

const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Registers alert rules (NEW-ALERT) and checks them every PULSE_ALERT_PERIOD_SECONDS: each check
 * aggregates, per rule, the values stamped after the rule's previous check up to this check's
 * start, in windows of the rule's secs anchored at the previous check, evaluates them
 * (alert-evaluation.ts, pure) and hands the result to the store, which journals it and only then
 * moves the checkpoints. Checkpoints are stored with the rules, so after a restart the first
 * check covers the downtime.
 */
@Injectable()
export class AlertMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AlertMonitor.name);
  private running: Promise<AlertCheckReport> | undefined;
  private stopping = false;

  constructor(
    private readonly metrics: MetricsService,
    private readonly store: AlertRuleStore,
    private readonly scheduler: SchedulerRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  /** The period comes from configuration, so the interval is registered here, not by decorator. */
  onApplicationBootstrap(): void {
    const periodMs = this.config.alertPeriodSeconds * 1000;
    const timer = setInterval(() => void this.scheduledCheck(), periodMs);
    this.scheduler.addInterval(ALERT_CHECK_JOB, timer);
    this.logger.log(
      `checking ${this.store.all().length} alert rules every ${this.config.alertPeriodSeconds} s`,
    );
  }

  /**
   * NEW-ALERT: one reply per command; 200 only once the rule is stored. The rules of one run
   * (pipelined NEW-ALERT lines) share one save of the rules file: one by one, every rule waited
   * for a rewrite and fsync of all rules (114 rules/s with 10,000 stored).
   */
  async register(commands: readonly (readonly string[])[]): Promise<string[]> {
    const replies: string[] = [];
    const valid: { at: number; rule: NonNullable<ReturnType<typeof parseAlertArgs>> }[] = [];
    for (const tokens of commands) {
      const rule = parseAlertArgs(tokens);
      if (!rule) replies.push(Replies.alertUsage);
      else if (!this.metrics.hasMetric(rule.id)) replies.push(Replies.metricNotFound);
      else {
        valid.push({ at: replies.length, rule });
        replies.push(Replies.alertRegistered);
      }
    }
    if (valid.length === 0) return replies;
    const failures = await this.store.registerAll(
      valid.map((v) => v.rule),
      this.clock.now(),
    );
    const refused = valid.filter((_, i) => failures[i]);
    for (const { at } of refused) replies[at] = Replies.internalError;
    if (refused.length > 0) {
      this.logger.error(
        `could not store ${refused.length} alert rules: ${message(failures.find(Boolean))}`,
      );
    }
    return replies;
  }

  /**
   * Runs one check, unless one is still running (then this one is skipped, and logged). Rejects
   * if the check could not be committed (see AlertRuleStore.commitCheck).
   */
  check(): Promise<AlertCheckReport | undefined> {
    if (this.stopping) return Promise.resolve(undefined);
    if (this.running) {
      this.logger.warn('alert check skipped: the previous check is still running');
      return Promise.resolve(undefined);
    }
    const running = this.runCheck().finally(() => (this.running = undefined));
    this.running = running;
    return running;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.scheduler.doesExist('interval', ALERT_CHECK_JOB))
      this.scheduler.deleteInterval(ALERT_CHECK_JOB);
    this.logger.log('stopped scheduling alert checks');
    if (this.running) {
      this.logger.log(
        'waiting for the running alert check (it stops after its current slice of rules)',
      );
      // Its failure is reported by whoever started it (scheduledCheck logs it).
      await this.running.catch(() => undefined);
    }
    try {
      await this.store.flush();
      this.logger.log(`saved ${this.store.all().length} alert rules and their checkpoints`);
    } catch (error) {
      this.logger.error(
        `could not save the alert checkpoints at shutdown (${message(error)}); ` +
          'the next start repeats the checks since the last save (journal lines at least once)',
      );
    }
  }

  /** The interval's callback: a failed check is logged, and the next period tries again. */
  private async scheduledCheck(): Promise<void> {
    try {
      await this.check();
    } catch (error) {
      this.logger.error(`alert check failed: ${message(error)}`);
    }
  }

  private async runCheck(): Promise<AlertCheckReport> {
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
      if (this.stopping) {
        report.abandoned = true;
        this.logger.warn(`alert check abandoned for shutdown after ${report.checked} rules`);
        break;
      }
      // The rules of a slice are checked together: a scan that waits for a block read then
      // waits alongside the others instead of one event-loop turn after another (10,000 rules
      // under ingest: 9 s one by one). Between slices, ingestion gets the loop.
      if (at > 0) await yieldToEventLoop();
      const slice = due.slice(at, at + RULES_PER_SLICE);
      outcomes.push(...(await Promise.all(slice.map((rule) => this.evaluate(rule, upTo)))));
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

  private async evaluate(rule: StoredAlertRule, upTo: number): Promise<RuleOutcome> {
    const aggregates =
      (await this.metrics.aggregate(rule.id, rule.op, rule.secs, rule.checkedUpTo, upTo)) ?? [];
    const outcome = evaluateRule(rule, aggregates, upTo, this.clock.now());
    // Logged at once, journaled with the check: an alert is reported even if the journal fails.
    const level = outcome.entry?.state === 'firing' ? 'warn' : 'log';
    for (const line of outcome.lines) this.logger[level](line);
    return outcome;
  }
}
