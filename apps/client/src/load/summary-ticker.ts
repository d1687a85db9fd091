import { Clock, TimerHandle } from './clock';
import { LoadStats } from './load-stats';
import { ackRate, formatSummary } from './summary-format';

/**
 * Prints the summary line every period, with the acknowledgement rate over that period (what
 * the server sustains now, not an average that hides a stall), and a final line with the rate
 * over the whole run.
 */
export class SummaryTicker {
  private timer: TimerHandle | undefined;
  private startedAt = 0;
  private last = { at: 0, acked: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly everyMs: number,
    private readonly stats: () => LoadStats,
    private readonly print: (line: string) => void,
  ) {}

  start(): void {
    this.startedAt = this.clock.now();
    this.last = { at: this.startedAt, acked: 0 };
    this.schedule();
  }

  /** Stops the periodic lines and prints `final ...`. */
  finish(): void {
    this.clock.clearTimeout(this.timer);
    const stats = this.stats();
    const rate = ackRate(stats.acked, this.clock.now() - this.startedAt);
    this.print(`final ${formatSummary(stats, rate)}`);
  }

  private schedule(): void {
    if (this.everyMs <= 0) return;
    this.timer = this.clock.setTimeout(() => {
      this.tick();
      this.schedule();
    }, this.everyMs);
  }

  private tick(): void {
    const stats = this.stats();
    const now = this.clock.now();
    const rate = ackRate(stats.acked - this.last.acked, now - this.last.at);
    this.last = { at: now, acked: stats.acked };
    this.print(formatSummary(stats, rate));
  }
}
