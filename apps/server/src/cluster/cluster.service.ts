import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { MetricsService, splitLogCommands } from '@app/metrics';
import type { QueryWindows } from '@app/metrics';
import { join } from 'node:path';
import {
  AlertJournal,
  CLOCK,
  FileManager,
  nodeStorageFs,
  STORAGE_FS,
  systemClock,
} from '@app/persistence';
import type { Clock, StorageFs, StoredAlertRule } from '@app/persistence';
import { Replies } from '@app/protocol';
import { SERVER_CONFIG } from '../config/server-config';
import type { ClusterConfig, ServerConfig } from '../config/server-config';
import type { AlertCommands } from '../alerts/alert-commands';
import type { MetricsCommands } from '../metrics/metrics-commands';
import { ClusterAlerts } from './cluster-alerts';
import { ClusterDeletions } from './cluster-deletions';
import { ClusterListing } from './cluster-listing';
import type { ClusterMetricPage } from './cluster-listing';
import { ClusterQueries } from './cluster-queries';
import { connectNats } from './connect-nats';
import { openClusterResources } from './cluster-resources';
import { PartitionApplier } from './partition-applier';
import { PartitionLeases } from './partition-leases';
import { partitionOf } from './partition-of';
import { ValuePublisher } from './value-publisher';

/**
 * - new: constructed, not connected.
 * - running: connected, leases ticking, LOG and QUERY served through the cluster.
 * - closed: leases released and the connection drained (shutdown).
 */
type ClusterState = 'new' | 'running' | 'closed';

/**
 * Cluster mode (PULSE_NATS_SERVERS set): LOG publishes to the JetStream values stream, QUERY is
 * answered by the metric's partition owner, and this node owns and materialises some of the
 * partitions into its local storage. Wires the parts: ValuePublisher, PartitionLeases, one
 * PartitionApplier per owned partition, ClusterQueries. Without NATS this provider is absent
 * and the node is the single-node server. Over 200 lines: it is the cluster's one entry point
 * (every command, the API's calls, readiness, shutdown), each a few lines delegating to a part.
 */
@Injectable()
export class ClusterService
  implements MetricsCommands, AlertCommands, OnModuleInit, OnApplicationShutdown
{
  private readonly logger = new Logger('Cluster');
  private readonly config: ClusterConfig;
  private readonly appliers = new Map<number, PartitionApplier>();
  private state: ClusterState = 'new';
  private nc: NatsConnection | undefined;
  private publisher: ValuePublisher | undefined;
  private leases: PartitionLeases | undefined;
  private queries: ClusterQueries | undefined;
  private alerts: ClusterAlerts | undefined;
  private listing: ClusterListing | undefined;
  private deletions: ClusterDeletions | undefined;

  constructor(
    @Inject(SERVER_CONFIG) private readonly server: ServerConfig,
    private readonly metrics: MetricsService,
    private readonly files: FileManager,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
    @Optional() @Inject(STORAGE_FS) private readonly fs: StorageFs = nodeStorageFs,
  ) {
    if (!server.cluster) throw new Error('ClusterService needs PULSE_NATS_SERVERS');
    this.config = server.cluster;
  }

  async onModuleInit(): Promise<void> {
    const { servers, nodeId, partitions, replicas, leaseMs } = this.config;
    const nc = await connectNats(this.config, this.logger);
    this.nc = nc;
    const resources = await openClusterResources(nc, this.config, this.logger);
    this.publisher = new ValuePublisher(
      resources.js,
      partitions,
      this.clock,
      `${nodeId}-${randomUUID()}`,
    );
    this.leases = new PartitionLeases(
      resources.leases,
      resources.nodes,
      nodeId,
      partitions,
      leaseMs,
      {
        acquired: (partition) => {
          const applier = new PartitionApplier(partition, resources.js, resources.jsm, this.files);
          this.appliers.set(partition, applier);
          applier.start();
        },
        lost: async (partition) => {
          const applier = this.appliers.get(partition);
          this.appliers.delete(partition);
          await applier?.stop();
        },
      },
    );
    const deletions = new ClusterDeletions(resources.deletions, this.files, this.clock);
    this.deletions = deletions;
    await deletions.start();
    this.queries = new ClusterQueries(
      nc,
      resources.jsm,
      this.metrics,
      this.leases,
      this.appliers,
      nodeId,
      partitions,
      leaseMs,
      this.server.timeZone,
      (id) => deletions.deleteAsOwner(id),
    );
    this.queries.listen();
    this.listing = new ClusterListing(nc, this.files, this.leases, nodeId, partitions);
    this.listing.listen();
    this.alerts = new ClusterAlerts(
      resources.rules,
      resources.js,
      this.queries,
      this.metrics,
      new AlertJournal(this.fs, join(this.server.dataDir, 'alerts.jsonl')),
      this.clock,
      partitions,
      this.server.alertPeriodSeconds * 1000,
    );
    await this.leases.start();
    this.alerts.start();
    this.state = 'running';
    this.logger.log(
      `node ${nodeId} joined the cluster at ${servers.join(',')}: ${partitions} partitions, ` +
        `${replicas} replicas, lease ${leaseMs / 1000} s; owns ${this.leases.heldCount} partitions`,
    );
  }

  /** Each LOG is answered 201 once JetStream acknowledged its partition's message, else 500. */
  async log(commands: readonly (readonly string[])[]): Promise<string[]> {
    const split = splitLogCommands(commands);
    if (split.ids.length > 0) {
      const stored = this.publisher
        ? await this.publisher.publish(split.ids, split.values)
        : split.ids.map(() => false);
      stored.forEach((ok, k) => {
        split.replies[split.commands[k]] = ok ? Replies.metricInserted : Replies.internalError;
      });
    }
    return split.replies as string[];
  }

  /** The alert figures for /metrics (ClusterAlerts.stats); undefined until the node joined. */
  get alertStats(): ClusterAlerts['stats'] | undefined {
    return this.alerts?.stats;
  }

  register(commands: readonly (readonly string[])[]): Promise<string[]> {
    if (!this.alerts) return Promise.resolve(commands.map(() => Replies.busy));
    return this.alerts.register(commands);
  }

  /** A page of the whole cluster's metrics (GET /api/metrics), from every live node. */
  listMetrics(search: string, limit: number, after: string | null): Promise<ClusterMetricPage> {
    if (!this.listing) return Promise.reject(new Error('cluster mode is not running'));
    return this.listing.list(search, limit, after);
  }

  /** DELETE /api/metrics/{id}: done by the metric's owner; its reply (`204 Deleted`, 404, 503). */
  deleteMetric(id: string): Promise<string> {
    if (!this.queries) return Promise.resolve(Replies.busy);
    return this.queries.deleteMetric(id);
  }

  queryWindows(tokens: readonly string[]): Promise<QueryWindows> {
    if (!this.queries) return Promise.resolve({ ok: false, reply: Replies.busy });
    return this.queries.queryWindows(tokens);
  }

  listRules(): Promise<StoredAlertRule[]> {
    if (!this.alerts) return Promise.reject(new Error('cluster mode is not running'));
    return this.alerts.listRules();
  }

  removeRule(key: string): Promise<boolean> {
    if (!this.alerts) return Promise.reject(new Error('cluster mode is not running'));
    return this.alerts.removeRule(key);
  }

  query(commands: readonly (readonly string[])[]): Promise<string[]> {
    if (!this.queries) return Promise.resolve(commands.map(() => Replies.busy));
    return this.queries.query(commands);
  }

  /**
   * Why this node cannot serve every command yet (for /readyz), or undefined when it can: a
   * partition without an owner answers its QUERYs 503 (at start, or for a lease time after its
   * owner died).
   */
  notReadyBecause(): string | undefined {
    if (this.state !== 'running') return `cluster mode is ${this.state}`;
    if (!this.nc || this.nc.isClosed()) return 'the NATS connection is closed';
    const unowned = this.leases?.unownedCount ?? this.config.partitions;
    if (unowned > 0) return `${unowned} of ${this.config.partitions} partitions have no owner yet`;
    return undefined;
  }

  /**
   * Whether this node checks the metric's rules now (owns its partition), as the partition's
   * acquisition number (undefined: not now): see AlertScope.
   */
  alertOwnership(metricId: string): number | undefined {
    return this.leases?.holding(partitionOf(metricId, this.config.partitions));
  }

  /**
   * The `instance` label of this cluster's alerts: the same on every node, so that the node that
   * takes a partition over resolves or renews the alerts another node sent. The NATS cluster's
   * name when it has one.
   */
  get alertInstance(): string {
    return this.nc?.info?.cluster ?? 'pulse';
  }

  /**
   * After the transport drained its clients (Nest closes it first) and before storage closes:
   * hand the partitions over, stop applying, close the connection; one line per step.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    await this.alerts?.stop();
    this.logger.log('stopped the cluster alert checks');
    const released = (await this.leases?.releaseAll()) ?? 0;
    this.logger.log(`released ${released} partition leases`);
    await Promise.all([...this.appliers.values()].map((applier) => applier.stop()));
    this.appliers.clear();
    await this.queries?.close();
    await this.listing?.close();
    this.deletions?.stop();
    await this.nc?.drain().catch(() => undefined);
    this.logger.log('closed the NATS connection');
  }
}
