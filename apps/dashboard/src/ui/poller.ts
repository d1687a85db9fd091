/**
 * Runs a task every few seconds while a view is shown. A tick is skipped while the previous run
 * is still going, so a slow server never gets overlapping requests from one page.
 */
export class Poller {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running = false;
  private seconds = 0;

  constructor(private readonly task: () => Promise<void>) {}

  /** Runs the task every `seconds` (0: stops). A period already in force is left as it is. */
  every(seconds: number): void {
    if (seconds === this.seconds) return;
    this.stop();
    this.seconds = seconds;
    if (seconds > 0) this.timer = setInterval(() => void this.tick(), seconds * 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.seconds = 0;
  }

  private async tick(): Promise<void> {
    if (this.running || document.hidden) return;
    this.running = true;
    try {
      await this.task();
    } finally {
      this.running = false;
    }
  }
}
