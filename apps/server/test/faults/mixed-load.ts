import { LineClient } from '../support/line-client';
import { LogLoad, type LoadOutcome } from '../support/log-load';
import { parseResults, REPLY } from '../support/replies';
import { nextBase } from './crash-audit';
import { SeededRandom } from './seeded-random';

/** An alert rule as sent in NEW-ALERT. */
export interface RuleTuple {
  id: string;
  op: string;
  secs: number;
  limit: number;
}
let ruleSeq = 0;

export const ruleKey = (rule: RuleTuple): string =>
  `${rule.id} ${rule.op} ${rule.secs} ${rule.limit}`;

/** Everything the clients were told over a server's lifetimes, accumulated across rounds. */
export class ClientLedger {
  readonly senders = new Map<string, LoadOutcome[]>();
  readonly rulesSent = new Set<string>();
  readonly rulesAcked = new Set<string>();
  /** What clients saw wrong while the load ran (read-your-acks, monotonic counts, bad replies). */
  readonly anomalies: string[] = [];

  constructor(readonly metrics: readonly string[]) {
    for (const metric of metrics) this.senders.set(metric, []);
  }

  add(outcome: LoadOutcome): void {
    this.senders.get(outcome.metric)!.push(outcome);
  }

  ackedOf(metric: string, live: readonly LogLoad[] = []): number {
    let acked = 0;
    for (const outcome of this.senders.get(metric)!) acked += outcome.acked.length;
    return acked + live.reduce((sum, load) => sum + load.ackCount, 0);
  }

  anomaly(text: string): void {
    if (this.anomalies.length < 20) this.anomalies.push(text);
  }
}

export interface MixedLoadOptions {
  pipelines: number;
  /** Caps per pipelined connection (each one is bounded in lines and time). */
  maxLines: number;
  window: number;
  maxMs: number;
}

/**
 * One server lifetime of mixed load: pipelined LOG connections, one-shot LOGs (connect, LOG,
 * close), a QUERY connection checking read-your-acks and monotonic counts, and a NEW-ALERT
 * connection registering rules with distinct limits. Every loop is bounded and ends when the
 * server goes away; `finish()` records every outcome in the ledger.
 */
export class MixedLoad {
  private stopped = false;
  private readonly loads: LogLoad[] = [];
  private readonly runs: Array<Promise<unknown>> = [];
  private readonly pipelineMetric = new Map<LogLoad, string>();
  private readonly finished = new Set<LogLoad>();

  constructor(
    private readonly port: number,
    private readonly ledger: ClientLedger,
    private readonly random: SeededRandom,
    private readonly options: MixedLoadOptions,
  ) {}

  /** Starts every loop; resolves once each pipelined connection has had one LOG acknowledged. */
  async start(): Promise<void> {
    const { metrics } = this.ledger;
    for (let i = 0; i < this.options.pipelines; i += 1) {
      const metric = metrics[i % metrics.length];
      const client = await LineClient.connect(this.port);
      const load = new LogLoad(client, {
        metric,
        base: nextBase(),
        window: this.random.int(8, this.options.window),
        maxLines: this.options.maxLines,
        maxMs: this.options.maxMs,
      });
      this.loads.push(load);
      this.pipelineMetric.set(load, metric);
      this.runs.push(
        load.run().then((outcome) => {
          this.finished.add(load);
          this.ledger.add(outcome);
        }),
      );
    }
    this.runs.push(this.oneShots(), this.queries(), this.alerts());
    await Promise.all(this.loads.map((load) => load.acknowledged));
  }

  /** Stops the loops (they also stop by themselves when the server dies) and records outcomes. */
  async finish(): Promise<void> {
    this.stopped = true;
    for (const load of this.loads) load.stop();
    await Promise.all(this.runs);
  }

  private async oneShots(): Promise<void> {
    const metric = this.ledger.metrics[this.ledger.metrics.length - 1];
    for (let i = 0; i < 2000 && !this.stopped; i += 1) {
      const outcome: LoadOutcome = { metric, base: nextBase(), sent: 0, acked: [], rejected: [] };
      let client: LineClient;
      try {
        client = await LineClient.connect(this.port);
      } catch {
        return; // the server is gone
      }
      outcome.sent = 1;
      this.ledger.add(outcome);
      try {
        const reply = await client.request(`LOG ${metric} ${outcome.base + 1}`);
        if (reply === REPLY.inserted) outcome.acked.push(1);
        else outcome.rejected.push(1);
      } catch {
        return; // unanswered: the server died mid-request
      } finally {
        client.destroy();
      }
    }
  }

  private async queries(): Promise<void> {
    let client: LineClient;
    try {
      client = await LineClient.connect(this.port);
    } catch {
      return;
    }
    const last = new Map<string, number>();
    for (let i = 0; i < 5000 && !this.stopped; i += 1) {
      const metric = this.random.pick(this.ledger.metrics);
      const live = this.loads.filter(
        (load) => this.pipelineMetric.get(load) === metric && !this.finished.has(load),
      );
      const ackedBefore = this.ledger.ackedOf(metric, live);
      let reply: string;
      try {
        reply = await client.request(`QUERY ${metric} COUNT 1e9`);
      } catch {
        return;
      }
      if (reply === REPLY.notFound && ackedBefore === 0) continue;
      let count: number;
      try {
        count = parseResults(reply).reduce((a, b) => a + b, 0);
      } catch {
        this.ledger.anomaly(`QUERY ${metric} COUNT 1e9 answered ${JSON.stringify(reply)}`);
        continue;
      }
      if (count < ackedBefore)
        this.ledger.anomaly(`${metric}: count ${count} below ${ackedBefore} already acknowledged`);
      if (count < (last.get(metric) ?? 0))
        this.ledger.anomaly(`${metric}: count went back from ${last.get(metric)} to ${count}`);
      last.set(metric, count);
    }
    client.destroy();
  }

  private async alerts(): Promise<void> {
    let client: LineClient;
    try {
      client = await LineClient.connect(this.port);
    } catch {
      return;
    }
    const id = this.ledger.metrics[0];
    for (let i = 0; i < 500 && !this.stopped; i += 1) {
      // High limits: the rules are checked every period but never fire (no log flood).
      const rule = { id, op: 'MAX', secs: 60, limit: 1e15 + ++ruleSeq };
      this.ledger.rulesSent.add(ruleKey(rule));
      let reply: string;
      try {
        reply = await client.request(`NEW-ALERT ${id} MAX 60 ${rule.limit}`);
      } catch {
        return;
      }
      if (reply === REPLY.alertRegistered) this.ledger.rulesAcked.add(ruleKey(rule));
      else if (reply !== REPLY.notFound && reply !== REPLY.busy)
        this.ledger.anomaly(`NEW-ALERT answered ${JSON.stringify(reply)}`);
    }
    client.destroy();
  }
}
