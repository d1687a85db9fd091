import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { MetricsService } from '@app/metrics';
import { Replies, parseAlertArgs } from '@app/protocol';
import { AlertRuleStore, CLOCK } from '@app/persistence';
import type { Clock, StoredAlertRule } from '@app/persistence';
import { SERVER_CONFIG } from '../config/server-config';
import type { ServerConfig } from '../config/server-config';
import { AlertChecker } from './alert-checker';
import type { AlertCommands } from './alert-commands';
import type { AlertCheckReport } from './alert-evaluation';

export type { AlertCheckReport } from './alert-evaluation';
export const ALERT_CHECK_JOB = 'alert-check';
const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Registers alert rules (NEW-ALERT) and runs a check (alert-checker.ts) every
 * PULSE_ALERT_PERIOD_SECONDS, one at a time; on shutdown it stops scheduling, lets a running
 * check stop after its slice, and saves the checkpoints. Checkpoints are stored with the rules,
 * so after a restart the first check covers the downtime.
 */
@Injectable()
export class AlertMonitor
  implements AlertCommands, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(AlertMonitor.name);
  private readonly checker: AlertChecker;
  private running: Promise<AlertCheckReport> | undefined;
  /** For /metrics: checks done, the last one's duration and the rules it found firing. */
  readonly stats = { checks: 0, lastCheckSeconds: 0, lastFiring: 0 };

  /** Rules registered on this node. */
  get ruleCount(): number {
    return this.store.all().length;
  }
  private stopping = false;

  constructor(
    private readonly metrics: MetricsService,
    private readonly store: AlertRuleStore,
    private readonly scheduler: SchedulerRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {
    this.checker = new AlertChecker(metrics, store, clock);
  }

  /**
   * The period comes from configuration, so the interval is registered here, not by decorator.
   * In cluster mode rules live in the cluster and ClusterAlerts checks them: nothing to schedule.
   */
  onApplicationBootstrap(): void {
    if (this.config.cluster) return;
    const periodMs = this.config.alertPeriodSeconds * 1000;
    const timer = setInterval(() => void this.scheduledCheck(), periodMs);
    this.scheduler.addInterval(ALERT_CHECK_JOB, timer);
    this.logger.log(
      `checking ${this.store.all().length} alert rules every ${this.config.alertPeriodSeconds} s`,
    );
  }

  listRules(): Promise<StoredAlertRule[]> {
    return Promise.resolve(this.store.all());
  }

  async removeRule(key: string): Promise<boolean> {
    const removed = await this.store.remove(key, this.clock.now());
    if (removed) this.logger.log(`deleted alert rule ${key}`);
    return removed !== undefined;
  }

  /**
   * NEW-ALERT: one reply per command; 200 only once the rule is stored. The commands come
   * batched (every connection's in one event-loop turn), and the store group-commits whatever
   * is registered meanwhile: one append to the rules log for all of them.
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
    let failures: (Error | undefined)[];
    try {
      failures = await this.store.registerAll(
        valid.map((v) => v.rule),
        this.clock.now(),
      );
    } catch (error) {
      failures = valid.map(() => error as Error); // not expected: registerAll answers per rule
    }
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
    const started = performance.now();
    const running = this.checker
      .run(() => this.stopping)
      .then((report) => {
        this.stats.checks++;
        this.stats.lastCheckSeconds = (performance.now() - started) / 1000;
        this.stats.lastFiring = report?.fired.length ?? 0;
        return report;
      })
      .finally(() => (this.running = undefined));
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
}
