import { Logger } from '@nestjs/common';
import type { AlertJournalEntry } from '../alerts/alert-evaluation';
import type { DeliveryCursors } from './delivery-cursors';
import { readJournalTail } from './journal-tail';
import type { NotificationEndpoint } from './notification-endpoints';

const POLL_MS = 250;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 60_000;
/** Average bytes of a journal line, to estimate how many lines wait (metrics, the bound). */
const LINE_BYTES_ESTIMATE = 200;

/**
 * - running: sending what the journal holds past the cursor, or waiting for more.
 * - stopped: shutdown; the cursor stays where the endpoint acknowledged.
 */
type DelivererState = 'running' | 'stopped';

/**
 * Sends one endpoint the journal's lines in order, from its cursor on: a batch at a time, the
 * cursor saved after each 2xx, failures retried with exponential back-off and jitter (0.5 s to
 * 60 s). It runs beside the checks and reads the file the checks append to: a slow or dead
 * endpoint holds up nothing else. Past `limit` lines waiting, the oldest are dropped (counted,
 * logged) so that a long outage cannot make the backlog unbounded.
 */
export class NotificationDeliverer {
  private readonly logger = new Logger('Notifications');
  private state: DelivererState = 'running';
  private readonly abort = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private cursor = 0;
  private nextResend = 0;
  readonly stats = { delivered: 0, failures: 0, dropped: 0, pendingBytes: 0 };

  constructor(
    readonly endpoint: NotificationEndpoint,
    private readonly journalPath: string,
    private readonly cursors: DeliveryCursors,
    private readonly limit: number,
    private readonly resendMs: number,
  ) {
    this.nextResend = Date.now() + resendMs;
  }

  /** Lines (estimated) written and not yet acknowledged by the endpoint. */
  get pending(): number {
    return Math.ceil(this.stats.pendingBytes / LINE_BYTES_ESTIMATE);
  }

  start(): void {
    // A new endpoint starts at the end: it gets what happens from now on, not the whole history.
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const saved = this.cursors.get(this.endpoint.key);
    this.cursor = saved ?? (await readJournalTail(this.journalPath, Infinity)).size;
    if (saved === undefined) await this.cursors.set(this.endpoint.key, this.cursor);
    let failures = 0;
    while (this.state === 'running') {
      try {
        const { size, lines } = await readJournalTail(this.journalPath, this.cursor);
        if (size < this.cursor) {
          this.cursor = 0; // the journal was replaced: start it again, now
          continue;
        }
        this.stats.pendingBytes = size - this.cursor;
        if (lines.length === 0) {
          await this.resendIfDue();
          await this.pause(POLL_MS);
          continue;
        }
        await this.dropPastLimit(lines);
        const batch = lines.slice(0, this.endpoint.batch);
        const entries = this.parse(batch);
        if (entries.length > 0) await this.endpoint.send(entries, this.abort.signal);
        this.cursor = batch[batch.length - 1].end;
        await this.cursors.set(this.endpoint.key, this.cursor);
        this.stats.delivered += batch.length;
        if (failures > 0) this.logger.log(`${this.endpoint.key}: delivering again`);
        failures = 0;
      } catch (error) {
        if (this.state !== 'running') return;
        this.stats.failures++;
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** failures);
        if (failures === 0 || Number.isInteger(Math.log2(failures)))
          this.logger.warn(
            `${this.endpoint.key}: ${(error as Error).message}; retrying (backing off up to ${BACKOFF_MAX_MS / 1000} s)`,
          );
        failures++;
        await this.pause(delay * (0.5 + Math.random() / 2)); // jitter: endpoints are not hit in step
      }
    }
  }

  /** Alertmanager: alerts still firing are sent again every resend period (while idle). */
  private async resendIfDue(): Promise<void> {
    if (!this.endpoint.resend || Date.now() < this.nextResend) return;
    this.nextResend = Date.now() + this.resendMs;
    await this.endpoint.resend(this.abort.signal);
  }

  /** Past the limit, the oldest waiting lines are skipped: counted and logged, never silent. */
  private async dropPastLimit(lines: { end: number }[]): Promise<void> {
    if (this.pending <= this.limit) return;
    const drop = Math.min(lines.length - 1, this.pending - this.limit);
    if (drop <= 0) return;
    this.cursor = lines[drop - 1].end;
    lines.splice(0, drop);
    this.stats.dropped += drop;
    await this.cursors.set(this.endpoint.key, this.cursor);
    this.logger.error(
      `${this.endpoint.key}: dropped the ${drop} oldest notifications past the outbox limit ` +
        `(${this.limit}, PULSE_ALERT_OUTBOX_LIMIT)`,
    );
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The batch's entries; a line that is not JSON (a torn write) is skipped, and logged. */
  private parse(lines: readonly { text: string }[]): AlertJournalEntry[] {
    const entries: AlertJournalEntry[] = [];
    for (const { text } of lines) {
      try {
        entries.push(JSON.parse(text) as AlertJournalEntry);
      } catch {
        this.logger.warn(`${this.endpoint.key}: skipped a journal line that is not JSON`);
      }
    }
    return entries;
  }
}
