import { Logger } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { preferredOwner } from './partition-of';

/** What the owner of partitions does when it gains or loses one. */
export interface OwnershipListener {
  acquired(partition: number): void;
  lost(partition: number): Promise<void>;
}

interface HeldLease {
  revision: number;
  /** Which acquisition by this process it is (1, 2, ...): tells one holding from the next. */
  acquisition: number;
  /** performance.now() when the last successful put was sent: the lease runs from there. */
  renewedAt: number;
}

const leaseKey = (partition: number): string => `p.${partition}`;

/**
 * Partition ownership as leases in a JetStream KV bucket whose keys expire one lease time after
 * their last put (the NATS servers keep the time, not the nodes' clocks). Each tick, every lease
 * third: the node puts its heartbeat in the nodes bucket, renews its leases by compare-and-set
 * on their revisions (a failed compare means another node owns it now: lost), hands over the
 * partitions whose rendezvous-preferred owner among the live nodes is another node, and creates
 * the free leases it is preferred for (or any lease free for a whole lease time, so a partition
 * never stays unowned). Create and compare-and-set are atomic in the bucket: one owner at a time.
 * Fencing: holds() is true only while the last renewal is younger than the lease minus a margin
 * by this process's monotonic clock, so a node paused past its lease (SIGSTOP, a long GC) stops
 * answering for its partitions before another node can have taken them. Over 200 lines:
 * renewal, hand-over, acquisition, fencing and what it knows of the other owners all read and
 * write the same held leases.
 */
export class PartitionLeases {
  private readonly logger = new Logger('Cluster');
  private readonly held = new Map<number, HeldLease>();
  private readonly owners = new Map<number, string>();
  private readonly freeSince = new Map<number, number>();
  /** Partitions some node was seen owning since this one started (see unownedCount). */
  private readonly seenOwned = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private acquisitions = 0;
  /** The nodes whose heartbeat was in the bucket at the last tick (this one included). */
  private live: readonly string[] = [];

  constructor(
    private readonly leases: KV,
    private readonly nodes: KV,
    private readonly nodeId: string,
    private readonly partitions: number,
    private readonly leaseMs: number,
    private readonly listener: OwnershipListener,
  ) {}

  /** How often leases are renewed: three times a lease. */
  get tickMs(): number {
    return Math.max(Math.floor(this.leaseMs / 3), 200);
  }

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.tickMs);
  }

  /** Whether this node may answer for the partition now (see the fencing note above). */
  holds(partition: number): boolean {
    const lease = this.held.get(partition);
    return lease !== undefined && performance.now() - lease.renewedAt < this.validMs;
  }

  /**
   * Which acquisition of the partition this node holds now (see holds()), or undefined: a
   * number that differs if the node lost the partition and took it again in between.
   */
  holding(partition: number): number | undefined {
    return this.holds(partition) ? this.held.get(partition)?.acquisition : undefined;
  }

  /** The owner last seen in the bucket (refreshed every tick), if any. */
  ownerOf(partition: number): string | undefined {
    return this.held.has(partition) ? this.nodeId : this.owners.get(partition);
  }

  /** Reads the partition's lease now (after a forwarded QUERY found no owner there). */
  async refresh(partition: number): Promise<string | undefined> {
    const entry = await this.leases.get(leaseKey(partition)).catch(() => null);
    const owner = entry?.operation === 'PUT' ? entry.string() : undefined;
    if (owner) this.seenOwner(partition, owner);
    else this.seenFree(partition);
    return this.ownerOf(partition);
  }

  /** The nodes alive at the last tick (their heartbeats had not expired), this one included. */
  get liveNodes(): readonly string[] {
    return this.live.length > 0 ? this.live : [this.nodeId];
  }

  get heldCount(): number {
    return this.held.size;
  }

  /**
   * Partitions without an owner that make this node not ready: never seen owned since it
   * started, or free for longer than two ticks. A hand-over leaves a partition free from the old
   * owner's release to the new owner's create, and the other nodes see it free until their next
   * tick: every node saying "not ready" at once then would take the whole cluster out of a load
   * balancer for a moment, while nothing is wrong.
   */
  get unownedCount(): number {
    const now = performance.now();
    let unowned = 0;
    for (let partition = 0; partition < this.partitions; partition++) {
      if (this.ownerOf(partition) !== undefined) continue;
      const since = this.freeSince.get(partition) ?? -Infinity;
      if (!this.seenOwned.has(partition) || now - since > 2 * this.tickMs) unowned++;
    }
    return unowned;
  }

  /** Stops ticking and deletes every lease held, so other nodes take over at once. */
  async releaseAll(): Promise<number> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    const partitions = [...this.held.keys()];
    for (const partition of partitions) await this.release(partition);
    return partitions.length;
  }

  /** A renewal this old may already have expired in the bucket (margin for a slow put). */
  private get validMs(): number {
    return this.leaseMs - Math.max(this.tickMs, 500);
  }

  private tick(): Promise<void> {
    if (this.stopped || this.ticking) return this.ticking ?? Promise.resolve();
    this.ticking = this.runTick()
      .catch((error: Error) => this.logger.warn(`lease tick failed: ${error.message}`))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async runTick(): Promise<void> {
    await this.nodes.put(this.nodeId, String(Date.now()));
    const live: string[] = [];
    for await (const key of await this.nodes.keys()) live.push(key);
    if (!live.includes(this.nodeId)) live.push(this.nodeId);
    this.live = live;
    for (let partition = 0; partition < this.partitions && !this.stopped; partition++) {
      await this.tickPartition(partition, live);
    }
  }

  private async tickPartition(partition: number, live: readonly string[]): Promise<void> {
    const preferred = preferredOwner(partition, live);
    const mine = this.held.get(partition);
    if (mine) {
      if (preferred !== this.nodeId) {
        await this.release(partition);
        return;
      }
      await this.renew(partition, mine);
      return;
    }
    const entry = await this.leases.get(leaseKey(partition));
    if (entry?.operation === 'PUT') {
      this.seenOwner(partition, entry.string());
      return;
    }
    const since = this.seenFree(partition);
    const freeFor = performance.now() - since;
    if (preferred === this.nodeId || freeFor >= this.leaseMs) await this.acquire(partition);
  }

  private async acquire(partition: number): Promise<void> {
    const sentAt = performance.now();
    try {
      const revision = await this.leases.create(leaseKey(partition), this.nodeId);
      this.held.set(partition, {
        revision,
        renewedAt: sentAt,
        acquisition: ++this.acquisitions,
      });
      this.freeSince.delete(partition);
      this.seenOwned.add(partition);
      this.logger.log(`owns partition ${partition}`);
      this.listener.acquired(partition);
    } catch {
      // Another node created it first: it owns the partition.
    }
  }

  private async renew(partition: number, lease: HeldLease): Promise<void> {
    const sentAt = performance.now();
    try {
      lease.revision = await this.leases.update(leaseKey(partition), this.nodeId, lease.revision);
      lease.renewedAt = sentAt;
    } catch (error) {
      if (!/wrong last sequence/.test((error as Error).message)) {
        // NATS unreachable for now: the lease may still be ours; holds() fences meanwhile.
        if (performance.now() - lease.renewedAt < this.leaseMs) return;
      }
      this.held.delete(partition);
      this.seenFree(partition); // another node's now, most likely: read at the next tick
      this.logger.warn(`lost partition ${partition}: ${(error as Error).message}`);
      await this.listener.lost(partition);
    }
  }

  /** Hands the partition over: stop applying, then delete the lease if it is still ours. */
  private async release(partition: number): Promise<void> {
    const lease = this.held.get(partition);
    if (!lease) return;
    this.held.delete(partition);
    this.seenFree(partition);
    await this.listener.lost(partition);
    await this.leases
      .delete(leaseKey(partition), { previousSeq: lease.revision })
      .catch(() => undefined);
    this.logger.log(`handed over partition ${partition}`);
  }

  private seenOwner(partition: number, owner: string): void {
    this.owners.set(partition, owner);
    this.freeSince.delete(partition);
    this.seenOwned.add(partition);
  }

  /** Records that the partition has no owner; resolves to since when it has had none. */
  private seenFree(partition: number): number {
    this.owners.delete(partition);
    const since = this.freeSince.get(partition) ?? performance.now();
    this.freeSince.set(partition, since);
    return since;
  }
}
