import { Logger } from '@nestjs/common';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { MetricsService } from '@app/metrics';
import type { QueryWindows } from '@app/metrics';
import { parseQueryArgs, Replies } from '@app/protocol';
import { querySubject, VALUES_STREAM, valuesSubject } from './cluster-resources';
import { partitionOf } from './partition-of';
import { PartitionApplier } from './partition-applier';
import { PartitionLeases } from './partition-leases';

/** How long a QUERY may wait for a partition to have an owner (a takeover) before its 503. */
const EXTRA_WAIT_MS = 2000;
const RETRY_PAUSE_MS = 100;
/**
 * One forwarded QUERY waits at most this long for its answer (the owner answers `retry` before):
 * an owner that stopped answering (paused, or dead without its lease expiring yet) costs one
 * such wait, then the QUERY looks the owner up again.
 */
const FORWARD_TIMEOUT_MS = 1000;

/**
 * What the asker wants: QUERY's reply line, the numbers with window starts (HTTP API), or the
 * metric deleted by its owner (DELETE /api/metrics/{id}; tokens: the id alone).
 */
type AnswerForm = 'reply' | 'windows' | 'delete';

interface ForwardedQuery {
  partition: number;
  tokens: string[];
  /** How long the asking node waits: the owner answers `retry` before that. */
  waitMs: number;
  /** Absent from nodes of a build before the HTTP API: a reply. */
  form?: AnswerForm;
}
/** The owner's answer, or `retry`: it is not (or no longer) the owner, or could not catch up. */
type ForwardedAnswer = { reply: string } | { windows: QueryWindows } | { retry: true };

/**
 * QUERY in cluster mode. A QUERY is answered by its metric's partition owner, from its local
 * storage, once that storage has applied every message the stream held for the partition when
 * the owner received the QUERY: every LOG acknowledged before (on any node) is then visible.
 * Another node forwards it to the owner over NATS (request/reply on the owner's subject). While a
 * partition has no owner that answers (a takeover), the QUERY waits and tries again, at most
 * the lease time plus two seconds, then gets 503: a late answer or a busy one, never a wrong one.
 */
export class ClusterQueries {
  private readonly logger = new Logger('Cluster');
  private subscription: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly metrics: MetricsService,
    private readonly leases: PartitionLeases,
    private readonly appliers: ReadonlyMap<number, PartitionApplier>,
    private readonly nodeId: string,
    private readonly partitions: number,
    private readonly leaseMs: number,
    private readonly timeZone: string,
    /** Deletes a metric as its owner, caught up: the reply (see ClusterDeletions). */
    private readonly deleteAsOwner: (id: string) => Promise<string> = async () =>
      Replies.internalError,
  ) {}

  /** Answers the QUERYs other nodes forward to this one. */
  listen(): void {
    this.subscription = this.nc.subscribe(querySubject(this.nodeId), {
      callback: (error, message) => {
        if (error) return;
        const { partition, tokens, waitMs, form } = message.json<ForwardedQuery>();
        const wait = Math.max(waitMs - 100, 0);
        void this.answerAsOwner(partition, tokens, wait, form ?? 'reply').then((answer) =>
          message.respond(JSON.stringify(answer)),
        );
      },
    });
  }

  async close(): Promise<void> {
    await this.subscription?.drain().catch(() => undefined);
  }

  async query(commands: readonly (readonly string[])[]): Promise<string[]> {
    return Promise.all(commands.map((tokens) => this.queryOne([...tokens])));
  }

  private async queryOne(tokens: string[]): Promise<string> {
    const query = parseQueryArgs(tokens, this.timeZone);
    // A usage error does not depend on any value: answered here, as the single node does.
    if (!query) return (await this.metrics.query([tokens]))[0];
    const answer = await this.askUntilAnswered(query.id, tokens, 'reply');
    return answer && 'reply' in answer ? answer.reply : Replies.busy;
  }

  /** QUERY's numbers with their window starts (GET /api/query), from the metric's owner. */
  async queryWindows(tokens: readonly string[]): Promise<QueryWindows> {
    const query = parseQueryArgs(tokens, this.timeZone);
    if (!query) return this.metrics.queryWindows(tokens);
    const answer = await this.askUntilAnswered(query.id, [...tokens], 'windows');
    return answer && 'windows' in answer ? answer.windows : { ok: false, reply: Replies.busy };
  }

  /** Has the metric's owner delete it: its reply (`204 Deleted`, 404), or 503 past the deadline. */
  async deleteMetric(id: string): Promise<string> {
    const answer = await this.askUntilAnswered(id, [id], 'delete');
    return answer && 'reply' in answer ? answer.reply : Replies.busy;
  }

  /** Asks the partition's owner until one answers, or undefined past the deadline (503). */
  private async askUntilAnswered(
    id: string,
    tokens: string[],
    form: AnswerForm,
  ): Promise<ForwardedAnswer | undefined> {
    const partition = partitionOf(id, this.partitions);
    const deadline = performance.now() + this.leaseMs + EXTRA_WAIT_MS;
    for (;;) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      const answer = await this.ask(partition, tokens, remaining, form);
      if (!('retry' in answer)) return answer;
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
    this.logger.warn(`QUERY ${id}: partition ${partition} had no owner that answered: 503`);
    return undefined;
  }

  private async ask(
    partition: number,
    tokens: string[],
    waitMs: number,
    form: AnswerForm,
  ): Promise<ForwardedAnswer> {
    if (this.leases.holds(partition)) return this.answerAsOwner(partition, tokens, waitMs, form);
    const owner = this.leases.ownerOf(partition) ?? (await this.leases.refresh(partition));
    if (!owner || owner === this.nodeId) return { retry: true };
    const timeout = Math.max(Math.min(waitMs, FORWARD_TIMEOUT_MS), 1);
    try {
      const response = await this.nc.request(
        querySubject(owner),
        JSON.stringify({ partition, tokens, waitMs: timeout, form } satisfies ForwardedQuery),
        { timeout },
      );
      const answer = response.json<ForwardedAnswer>();
      if ('retry' in answer) await this.leases.refresh(partition);
      return answer;
    } catch {
      // No responder (the owner died) or no answer in time: look the owner up again.
      await this.leases.refresh(partition).catch(() => undefined);
      return { retry: true };
    }
  }

  /**
   * For an alert check: whether this node owns the partition and has applied everything the
   * stream holds for it now (waiting at most a lease time).
   */
  async catchUpAsOwner(partition: number, waitMs = this.leaseMs): Promise<boolean> {
    const applier = this.appliers.get(partition);
    if (!applier || !this.leases.holds(partition)) return false;
    const last = await this.jsm.streams.getMessage(VALUES_STREAM, {
      last_by_subj: valuesSubject(partition),
    });
    // Fenced: a node paused past its lease must not act on what it had then.
    return (await applier.waitApplied(last?.seq ?? 0, waitMs)) && this.leases.holds(partition);
  }

  /** Read-your-writes: answers once the partition's last stored message is applied here. */
  private async answerAsOwner(
    partition: number,
    tokens: string[],
    waitMs: number,
    form: AnswerForm,
  ): Promise<ForwardedAnswer> {
    try {
      if (!(await this.catchUpAsOwner(partition, waitMs))) return { retry: true };
    } catch {
      return { retry: true };
    }
    if (form === 'windows') return { windows: await this.metrics.queryWindows(tokens) };
    if (form === 'delete') return { reply: await this.deleteAsOwner(tokens[0]) };
    return { reply: (await this.metrics.query([tokens]))[0] };
  }
}
