import { rm } from 'node:fs/promises';
import { freshDataDir, PulseServer } from '../../support/spawn-server';

export interface PulseClusterOptions {
  /** How many Pulse nodes (default 3). */
  nodes?: number;
  /** Extra PULSE_* settings for every node. */
  env?: Record<string, string>;
}

/**
 * Pulse nodes in cluster mode on a NATS cluster (PULSE_NATS_SERVERS): each a real server
 * process (PulseServer) with its own data directory and node id. A short lease (2 s) keeps
 * takeover tests quick; replicas follow the NATS cluster's size.
 */
export class PulseCluster {
  readonly nodes: Array<PulseServer | undefined>;

  private constructor(
    readonly servers: string,
    readonly env: Record<string, string>,
    readonly dataDirs: string[],
    nodes: PulseServer[],
  ) {
    this.nodes = nodes;
  }

  static async start(servers: string, options: PulseClusterOptions = {}): Promise<PulseCluster> {
    const count = options.nodes ?? 3;
    const env = {
      PULSE_NATS_SERVERS: servers,
      PULSE_CLUSTER_REPLICAS: String(servers.split(',').length),
      PULSE_CLUSTER_LEASE_SECONDS: '2',
      PULSE_CLUSTER_PARTITIONS: '8',
      ...options.env,
    };
    const dataDirs = await Promise.all(Array.from({ length: count }, () => freshDataDir()));
    const cluster = new PulseCluster(servers, env, dataDirs, []);
    // One after the other: the first creates the streams and buckets.
    for (let i = 0; i < count; i++) cluster.nodes.push(await cluster.startNode(i));
    return cluster;
  }

  /** The node's TCP port (it must be running). */
  port(index: number): number {
    const node = this.nodes[index];
    if (!node || node.hasExited) throw new Error(`node ${index} is not running`);
    return node.port;
  }

  /** Indexes of the nodes running now. */
  get running(): number[] {
    return this.nodes.flatMap((node, i) => (node && !node.hasExited ? [i] : []));
  }

  nodeId(index: number): string {
    return `node-${index}`;
  }

  /**
   * The node whose log last said it owns the partition, if exactly one running node did (one
   * that lost it or handed it over logs so; a killed node's restart has a fresh log).
   */
  ownerOf(partition: number): number | undefined {
    const owners = this.running.filter((index) => this.saysItOwns(index, partition));
    return owners.length === 1 ? owners[0] : undefined;
  }

  /** Whether the node's last word on the partition was that it owns it. */
  saysItOwns(index: number, partition: number): boolean {
    const event = new RegExp(`(owns|lost|handed over) partition ${partition}\\b`, 'g');
    const events = this.nodes[index]?.output.match(event) ?? [];
    return events[events.length - 1]?.startsWith('owns') ?? false;
  }

  async kill(index: number): Promise<void> {
    await this.nodes[index]?.kill();
  }

  /** Starts the node again on its data directory (emptied first with `wipe`). */
  async restart(index: number, wipe = false): Promise<PulseServer> {
    await this.nodes[index]?.kill();
    if (wipe) await rm(this.dataDirs[index], { recursive: true, force: true });
    const node = await this.startNode(index);
    this.nodes[index] = node;
    return node;
  }

  /** Starts one more node (the next index) on a fresh data directory; resolves to its index. */
  async add(): Promise<number> {
    const index = this.nodes.length;
    this.dataDirs.push(await freshDataDir());
    this.nodes.push(await this.startNode(index));
    return index;
  }

  /** SIGTERM to every running node; resolves with their exits. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node?.stop(20_000)));
  }

  /** The running nodes' output tails, for failure messages. */
  tails(): string {
    return this.nodes.map((node) => node?.tail(2000) ?? '').join('\n');
  }

  private startNode(index: number): Promise<PulseServer> {
    return PulseServer.start({
      dataDir: this.dataDirs[index],
      env: { ...this.env, PULSE_NODE_ID: this.nodeId(index) },
    });
  }
}
