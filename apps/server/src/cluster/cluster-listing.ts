import { Logger } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileManager } from '@app/persistence';
import type { MetricSummary } from '@app/persistence';
import { listSubject } from './cluster-resources';
import { partitionOf } from './partition-of';
import { PartitionLeases } from './partition-leases';

/** A node waits this long for each other node's page. */
const ASK_TIMEOUT_MS = 2000;
/** Asking again while a partition changes owners: this often, this many times. */
const RETRY_MS = 250;
const ATTEMPTS = 8;

interface ListRequest {
  search: string;
  limit: number;
  after: string | null;
}

/** One node's page: the metrics of the partitions it owns, and how many of them match. */
interface ListAnswer {
  metrics: MetricSummary[];
  total: number;
  more: boolean;
  /** The partitions the page covers: those the node held when it read them. */
  partitions: number[];
}

/** A page of the whole cluster's metrics (GET /api/metrics). */
export interface ClusterMetricPage {
  metrics: MetricSummary[];
  total: number;
  /** The last id of the page when more follow. */
  lastId: string | null;
  /**
   * Partitions no answer covered, even after asking again (a node that does not answer, or a
   * partition without an owner for longer than the retries): their metrics are not in the page.
   */
  unlisted: number[];
}

/**
 * The metric listing in cluster mode. Every node stores the partitions it owns, so a page is the
 * merge of every live node's page of its own partitions' metrics (asked over NATS, in id order
 * after the cursor), cut to the limit. Each answer says which partitions it covers: while one is
 * changing owners (covered by no answer, or by two), the nodes are asked again, for up to about
 * two seconds; a page is only complete once every partition is covered exactly once.
 */
export class ClusterListing {
  private readonly logger = new Logger('Cluster');
  private subscription: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly files: FileManager,
    private readonly leases: PartitionLeases,
    private readonly nodeId: string,
    private readonly partitions: number,
  ) {}

  listen(): void {
    this.subscription = this.nc.subscribe(listSubject(this.nodeId), {
      callback: (error, message) => {
        if (error) return;
        void this.ownPage(message.json<ListRequest>()).then(
          (answer) => message.respond(JSON.stringify(answer)),
          (failure: Error) => this.logger.warn(`metric listing failed: ${failure.message}`),
        );
      },
    });
  }

  async close(): Promise<void> {
    await this.subscription?.drain().catch(() => undefined);
  }

  async list(search: string, limit: number, after: string | null): Promise<ClusterMetricPage> {
    const request: ListRequest = { search, limit, after };
    let answers: ListAnswer[] = [];
    let unlisted: number[] = [];
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      if (attempt > 1) await sleep(RETRY_MS);
      answers = await Promise.all(this.leases.liveNodes.map((node) => this.ask(node, request)));
      const covers = new Array<number>(this.partitions).fill(0);
      for (const answer of answers) for (const partition of answer.partitions) covers[partition]++;
      if (covers.every((count) => count === 1)) return merged(answers, limit, []);
      unlisted = covers.flatMap((count, partition) => (count === 0 ? [partition] : []));
    }
    this.logger.warn(`metric listing without partitions ${unlisted.join(', ') || '(none)'}`);
    return merged(answers, limit, unlisted);
  }

  private async ask(node: string, request: ListRequest): Promise<ListAnswer> {
    if (node === this.nodeId) return this.ownPage(request);
    try {
      const response = await this.nc.request(listSubject(node), JSON.stringify(request), {
        timeout: ASK_TIMEOUT_MS,
      });
      return response.json<ListAnswer>();
    } catch {
      return { metrics: [], total: 0, more: false, partitions: [] };
    }
  }

  /** This node's page: metrics of the partitions it holds now, with their summaries. */
  private async ownPage({ search, limit, after }: ListRequest): Promise<ListAnswer> {
    const held = new Set<number>();
    for (let p = 0; p < this.partitions; p++) if (this.leases.holds(p)) held.add(p);
    const owned = (id: string) => held.has(partitionOf(id, this.partitions));
    const page = await this.files.metricPage(search, limit, after, owned);
    return {
      metrics: page.metrics,
      total: page.total,
      more: page.lastId !== null,
      partitions: [...held],
    };
  }
}

/** The answers' pages merged in id order and cut to the limit; an id twice counts once. */
function merged(answers: ListAnswer[], limit: number, unlisted: number[]): ClusterMetricPage {
  const all = answers
    .flatMap((answer) => answer.metrics)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .filter((metric, i, sorted) => i === 0 || sorted[i - 1].id !== metric.id);
  const page = all.slice(0, limit);
  const more = all.length > limit || answers.some((answer) => answer.more);
  return {
    metrics: page,
    total: answers.reduce((sum, answer) => sum + answer.total, 0),
    lastId: more && page.length > 0 ? page[page.length - 1].id : null,
    unlisted,
  };
}
