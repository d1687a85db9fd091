import { LineClient } from './line-client';
import { REPLY } from './replies';

/** Sequence numbers of one load connection, by what the server answered. */
export interface LoadOutcome {
  metric: string;
  /** Value of sequence number n is `base + n` (n from 1): distinct across connections. */
  base: number;
  /** LOG lines handed to the socket (an upper bound of what the server may have stored). */
  sent: number;
  /** Sequence numbers answered `201` (each must be stored). */
  acked: number[];
  /** Sequence numbers answered anything else, e.g. `503` (none may be stored). */
  rejected: number[];
}

export interface LoadOptions {
  metric: string;
  base: number;
  /** Most LOG lines sent and not yet answered (keeps in-flight commands under the limit). */
  window?: number;
  /** Hard caps: the loop never sends more, nor runs longer. */
  maxLines?: number;
  maxMs?: number;
}

/**
 * One connection pipelining `LOG <metric> <base + n>` as fast as the server answers, keeping
 * track of what was sent and what was acknowledged. Runs until stopped, the caps are hit, or
 * the connection dies (the server being killed).
 */
export class LogLoad {
  private readonly outcome: LoadOutcome;
  private stopped = false;
  private firstAck?: () => void;
  readonly acknowledged: Promise<void>;

  constructor(
    private readonly client: LineClient,
    private readonly options: LoadOptions,
  ) {
    this.outcome = { metric: options.metric, base: options.base, sent: 0, acked: [], rejected: [] };
    this.acknowledged = new Promise((resolve) => (this.firstAck = resolve));
  }

  /** Acknowledged so far. */
  get ackCount(): number {
    return this.outcome.acked.length;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Sends and reads until stopped or the connection closes; resolves with the outcome. */
  async run(): Promise<LoadOutcome> {
    const { window = 500, maxLines = 500000, maxMs = 20000 } = this.options;
    const deadline = Date.now() + maxMs;
    let answered = 0;
    while (!this.stopped && !this.client.isClosed && Date.now() < deadline) {
      const room = Math.min(window - (this.outcome.sent - answered), maxLines - this.outcome.sent);
      if (room > 0) this.send(Math.min(room, 100));
      if (answered === this.outcome.sent) break;
      try {
        await this.client.waitForLines(1, Math.max(deadline - Date.now(), 1));
      } catch {
        break; // the connection died: the server was killed
      }
      answered = this.record(answered, this.client.takeBuffered());
    }
    this.record(answered, this.client.takeBuffered());
    return this.outcome;
  }

  private send(count: number): void {
    const { metric, base } = this.outcome;
    let text = '';
    for (let i = 0; i < count; i += 1) {
      this.outcome.sent += 1;
      text += `LOG ${metric} ${base + this.outcome.sent}\n`;
    }
    this.client.socket.write(text);
  }

  private record(answered: number, replies: string[]): number {
    for (const reply of replies) {
      answered += 1;
      if (reply === REPLY.inserted) {
        this.outcome.acked.push(answered);
        this.firstAck?.();
      } else {
        this.outcome.rejected.push(answered);
      }
    }
    return answered;
  }
}

/**
 * Checks what a metric holds after a crash against what its load connections were told.
 * `stored` is the per-value listing (`QUERY <id> MIN 0`) in stored order. Returns a list of
 * violations (empty when consistent):
 * - only values that were sent, from connections of this metric;
 * - each connection's values in the order sent;
 * - every acknowledged value present, no rejected value present;
 * - besides those, only a prefix of the unanswered ones (a torn tail, never a hole).
 */
export function crashViolations(stored: number[], loads: LoadOutcome[]): string[] {
  const violations: string[] = [];
  const byLoad = new Map<LoadOutcome, number[]>(loads.map((load) => [load, []]));
  for (const value of stored) {
    const load = loads.find((l) => value > l.base && value <= l.base + l.sent);
    if (!load) violations.push(`stored value ${value} was never sent`);
    else byLoad.get(load)!.push(value - load.base);
  }
  for (const [load, seqs] of byLoad) {
    const label = `${load.metric} (values ${load.base}+n)`;
    const rejected = new Set(load.rejected);
    const highest = seqs.length ? Math.max(...seqs) : 0;
    const lastAck = load.acked.length ? load.acked[load.acked.length - 1] : 0;
    const expected: number[] = [];
    for (let n = 1; n <= Math.max(highest, lastAck); n += 1) if (!rejected.has(n)) expected.push(n);
    if (seqs.join(',') !== expected.join(',')) {
      let at = 0;
      while (at < Math.max(seqs.length, expected.length) && seqs[at] === expected[at]) at += 1;
      violations.push(
        `${label}: stored ${seqs.length} values, expected ${expected.length} (1..${Math.max(highest, lastAck)}` +
          ` minus ${rejected.size} rejected, ${load.acked.length} acknowledged);` +
          ` first difference at #${at}: expected n=${expected[at]}, stored n=${seqs[at]}`,
      );
    }
  }
  return violations;
}
