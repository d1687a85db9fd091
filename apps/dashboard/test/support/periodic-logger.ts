import { LineClient } from '../../../server/test/support/line-client';
import { REPLY } from '../../../server/test/support/replies';
import { sleep } from '../../../server/test/support/timing';

/**
 * LOG lines sent every `everyMs` on a connection of its own, in the background, so a metric
 * has values spread over time (the server stamps values with its own clock) while other tests
 * run. Every reply must be `201 Metric Inserted`; `stop()` says otherwise.
 */
export class PeriodicLogger {
  /** When the first batch was sent and the last one acknowledged (ms since the epoch). */
  firstSent = 0;
  lastAcked = 0;
  private running = true;
  private readonly finished: Promise<void>;

  private constructor(
    private readonly client: LineClient,
    private readonly everyMs: number,
    private readonly lines: (tick: number) => string[],
    private readonly ticks: number,
  ) {
    this.finished = this.run();
    this.finished.catch(() => undefined); // reported by done()/stop(), not as unhandled
  }

  /** Sends `lines(tick)` every `everyMs`, `ticks` times (or until stop()). */
  static async start(
    port: number,
    everyMs: number,
    lines: (tick: number) => string[],
    ticks = Infinity,
  ): Promise<PeriodicLogger> {
    return new PeriodicLogger(await LineClient.connect(port), everyMs, lines, ticks);
  }

  /** Resolves when every tick was sent and acknowledged; rejects on any other reply. */
  done(): Promise<void> {
    return this.finished;
  }

  /** Stops after the batch in flight; rejects if a reply was not 201. */
  async stop(): Promise<void> {
    this.running = false;
    await this.finished;
  }

  private async run(): Promise<void> {
    try {
      for (let tick = 0; tick < this.ticks && this.running; tick++) {
        const started = Date.now();
        if (tick === 0) this.firstSent = started;
        const batch = this.lines(tick);
        const replies = await this.client.pipeline(batch, 10_000);
        const refused = replies.findIndex((reply) => reply !== REPLY.inserted);
        if (refused !== -1)
          throw new Error(`${batch[refused]} answered ${JSON.stringify(replies[refused])}`);
        this.lastAcked = Date.now();
        await sleep(Math.max(this.everyMs - (Date.now() - started), 0));
      }
    } finally {
      this.client.destroy();
    }
  }
}
