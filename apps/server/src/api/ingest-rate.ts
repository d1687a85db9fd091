/** Seconds the ingest rate is averaged over. */
const WINDOW_SECONDS = 10;

/**
 * Values acknowledged per second over the last WINDOW_SECONDS: a sample of the counter every
 * second (a timer that keeps nothing alive), the rate from the oldest sample kept to now.
 */
export class IngestRate {
  private readonly samples: { at: number; count: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly acknowledged: () => number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000).unref();
  }

  perSecond(): number {
    const oldest = this.samples[0];
    const seconds = (performance.now() - oldest.at) / 1000;
    return seconds > 0 ? (this.acknowledged() - oldest.count) / seconds : 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    this.samples.push({ at: performance.now(), count: this.acknowledged() });
    if (this.samples.length > WINDOW_SECONDS + 1) this.samples.shift();
  }
}
