import { LineClient } from '../../support/line-client';
import { REPLY } from '../../support/replies';
import { sleep } from '../../support/timing';

/** What happened to each value sent: acknowledged (201), refused (500), or no answer. */
export class AckLedger {
  readonly acked = new Map<string, number[]>();
  readonly refused = new Map<string, number[]>();
  /** Replies no command of the load may get (anything but 201/500 to a LOG, say). */
  readonly unexpected: string[] = [];

  record(id: string, value: number, reply: string): void {
    const into =
      reply === REPLY.inserted
        ? this.acked
        : reply === REPLY.internalError
          ? this.refused
          : undefined;
    if (!into) {
      this.unexpected.push(`LOG ${id} ${value} -> ${JSON.stringify(reply)}`);
      return;
    }
    let values = into.get(id);
    if (!values) into.set(id, (values = []));
    values.push(value);
  }

  get ackedCount(): number {
    let count = 0;
    for (const values of this.acked.values()) count += values.length;
    return count;
  }
}

export interface LoadOptions {
  /** The ports to spread the load over, asked again before each burst (nodes come and go). */
  ports: () => number[];
  /** Metric ids the LOGs go to (values are 1, 2, 3... per id, so each is recognisable). */
  ids: readonly string[];
  /** Stops when this returns true, or after `maxMs`. */
  done: () => boolean;
  maxMs: number;
  ledger: AckLedger;
  /** Also sends a QUERY and a NEW-ALERT with every burst (answers checked against `allowed`). */
  mixed?: boolean;
}

const BURST = 20;
const QUERY_OR_ALERT = /^(200 |404 |503 )/;

/**
 * A bounded load loop: bursts of pipelined LOGs (and, mixed, a QUERY and a NEW-ALERT) to each
 * port in turn, recording every LOG's reply in the ledger. A connection that breaks (its node
 * was killed) leaves the values of its burst unanswered: neither acknowledged nor refused.
 */
export async function runLoad(options: LoadOptions): Promise<void> {
  const next = new Map<string, number>();
  const deadline = Date.now() + options.maxMs;
  let turn = 0;
  while (!options.done() && Date.now() < deadline) {
    const ports = options.ports();
    if (ports.length === 0) {
      await sleep(50);
      continue;
    }
    const port = ports[turn++ % ports.length];
    const id = options.ids[turn % options.ids.length];
    const values = Array.from({ length: BURST }, () => {
      const value = (next.get(id) ?? 0) + 1;
      next.set(id, value);
      return value;
    });
    const lines = values.map((value) => `LOG ${id} ${value}`);
    if (options.mixed) lines.push(`QUERY ${id} COUNT 60`, `NEW-ALERT ${id} MAX 60 1000000`);
    let client: LineClient | undefined;
    try {
      client = await LineClient.connect(port);
      const replies = await client.pipeline(lines, 15_000);
      values.forEach((value, k) => options.ledger.record(id, value, replies[k]));
      for (const reply of replies.slice(values.length)) {
        if (!QUERY_OR_ALERT.test(reply))
          options.ledger.unexpected.push(`mixed -> ${JSON.stringify(reply)}`);
      }
    } catch {
      // The node went away mid-burst: these values have no answer.
    } finally {
      client?.destroy();
    }
  }
}
