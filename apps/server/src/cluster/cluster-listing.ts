import { Logger } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { FileManager } from '@app/persistence';
import type { MetricSummary } from '@app/persistence';
import { listSubject } from './cluster-resources';
import { partitionOf } from './partition-of';
import { PartitionLeases } from './partition-leases';

/** A node waits this long for each other node's page. */
const ASK_TIMEOUT_MS = 2000;

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
}

/** A page of the whole cluster's metrics (GET /api/metrics). */
export interface ClusterMetricPage {
  metrics: MetricSummary[];
  total: number;
  /** The last id of the page when more follow. */
  lastId: string | null;
  /** Nodes that did not answer in time: their partitions' metrics are missing from the page. */
  missing: string[];
}

/**
 * The metric listing in cluster mode. Every node stores the partitions it owns, so a page is the
 * merge of every live node's page of its own partitions' metrics (asked over NATS, in id order
 * after the cursor), cut to the limit. What a partition that is changing owners holds may be
 * missing for that moment: a listing is a view, not a QUERY (which waits for the owner).
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
    const missing: string[] = [];
    const answers = await Promise.all(
      this.leases.liveNodes.map(async (node) => {
        if (node === this.nodeId) return this.ownPage(request);
        try {
          const response = await this.nc.request(listSubject(node), JSON.stringify(request), {
            timeout: ASK_TIMEOUT_MS,
          });
          return response.json<ListAnswer>();
        } catch {
          missing.push(node);
          return { metrics: [], total: 0, more: false };
        }
      }),
    );
    const merged = answers
      .flatMap((answer) => answer.metrics)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const page = merged.slice(0, limit);
    const more = merged.length > limit || answers.some((answer) => answer.more);
    return {
      metrics: page,
      total: answers.reduce((sum, answer) => sum + answer.total, 0),
      lastId: more && page.length > 0 ? page[page.length - 1].id : null,
      missing,
    };
  }

  /** This node's page: metrics of the partitions it holds now, with their summaries. */
  private async ownPage({ search, limit, after }: ListRequest): Promise<ListAnswer> {
    const owned = (id: string) => this.leases.holds(partitionOf(id, this.partitions));
    const page = await this.files.metricPage(search, limit, after, owned);
    return { metrics: page.metrics, total: page.total, more: page.lastId !== null };
  }
}
