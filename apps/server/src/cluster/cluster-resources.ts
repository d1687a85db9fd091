import type { Logger } from '@nestjs/common';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ClusterConfig } from '../config/server-config';

/** Every LOG value, one message per partition and event-loop turn: the source of truth. */
export const VALUES_STREAM = 'PULSE_VALUES';
export const valuesSubject = (partition: number): string => `pulse.values.${partition}`;
/** Alert journal lines, one message each, from the node that checked the rule. */
export const ALERTS_STREAM = 'PULSE_ALERTS';
export const ALERTS_SUBJECT = 'pulse.alerts';
/** Where a node answers the QUERYs other nodes forward to it. */
export const querySubject = (nodeId: string): string => `pulse.node.${nodeId}.query`;
/** Where a node answers for the metrics of the partitions it owns (GET /api/metrics). */
export const listSubject = (nodeId: string): string => `pulse.node.${nodeId}.list`;

const META_BUCKET = 'pulse_meta';
const LEASES_BUCKET = 'pulse_leases';
const NODES_BUCKET = 'pulse_nodes';
const RULES_BUCKET = 'pulse_rules';
const DELETIONS_BUCKET = 'pulse_deletions';
/** How long JetStream remembers a publish's message id: a retried publish is stored once. */
const DUPLICATE_WINDOW_NS = 120 * 1e9;

/** The streams and buckets a node works with. */
export interface ClusterResources {
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Partition leases, key `p.<n>`: a key lives one lease time after its last put. */
  leases: KV;
  /** Live nodes, key `<node id>`: each node puts its own every lease third. */
  nodes: KV;
  /** Alert rules and their checkpoints (see ClusterAlerts). */
  rules: KV;
  /** Deleted metrics: the stamp up to which each one's values are gone (see ClusterDeletions). */
  deletions: KV;
}

/** A start-up refusal that names the settings involved (one line, exit 1). */
export class ClusterSetupError extends Error {}

/**
 * Checks the partition count every node must share, then creates the streams and buckets if
 * they are absent (the first node of a cluster does). The streams keep messages for
 * PULSE_RETENTION: a node that rebuilds its store needs nothing older, and a changed retention
 * is applied to them at the next start (the node started last sets it: give every node the same).
 */
export async function openClusterResources(
  nc: NatsConnection,
  config: ClusterConfig,
  logger?: Logger,
): Promise<ClusterResources> {
  const jsm = await jetstreamManager(nc);
  const kvm = new Kvm(nc);
  const meta = await openBucket(kvm, META_BUCKET, { replicas: config.replicas, history: 1 });
  await checkPartitions(meta, config);
  const maxAge = config.retentionMs * 1e6; // nanoseconds; 0: no limit
  // The duplicate window may not exceed max_age (only a retention under 2 minutes meets it).
  const duplicateWindow = maxAge > 0 ? Math.min(DUPLICATE_WINDOW_NS, maxAge) : DUPLICATE_WINDOW_NS;
  for (const [name, subjects] of [
    [VALUES_STREAM, ['pulse.values.*']],
    [ALERTS_STREAM, [ALERTS_SUBJECT]],
  ] as const) {
    const info = await jsm.streams.info(name).catch(() => undefined);
    if (!info) {
      await jsm.streams.add({
        name,
        subjects: [...subjects],
        num_replicas: config.replicas,
        storage: StorageType.File,
        duplicate_window: duplicateWindow,
        max_age: maxAge,
      });
    } else if (info.config.max_age !== maxAge) {
      await jsm.streams.update(name, {
        ...info.config,
        max_age: maxAge,
        duplicate_window: duplicateWindow,
      });
      logger?.log(`stream ${name} now keeps messages for ${describeAge(config.retentionMs)}`);
    }
  }
  const ttl = { replicas: config.replicas, history: 1, ttl: config.leaseMs };
  return {
    js: jetstream(nc),
    jsm,
    leases: await openBucket(kvm, LEASES_BUCKET, ttl),
    nodes: await openBucket(kvm, NODES_BUCKET, ttl),
    rules: await openBucket(kvm, RULES_BUCKET, { replicas: config.replicas, history: 1 }),
    deletions: await openBucket(kvm, DELETIONS_BUCKET, { replicas: config.replicas, history: 1 }),
  };
}

const describeAge = (ms: number): string => (ms > 0 ? `${ms / 1000} s` : 'ever');

/** Creates the bucket, or opens it as the first node made it (its settings then win). */
async function openBucket(
  kvm: Kvm,
  name: string,
  options: { replicas: number; history: number; ttl?: number },
): Promise<KV> {
  try {
    return await kvm.create(name, options);
  } catch {
    return kvm.open(name);
  }
}

async function checkPartitions(meta: KV, config: ClusterConfig): Promise<void> {
  const mine = String(config.partitions);
  try {
    await meta.create('partitions', mine);
    return;
  } catch {
    // Another node created the cluster: its count must be ours.
  }
  const stored = (await meta.get('partitions'))?.string();
  if (stored !== mine) {
    throw new ClusterSetupError(
      `PULSE_CLUSTER_PARTITIONS is ${mine}, but the cluster at ${config.servers.join(',')} ` +
        `was created with ${stored} partitions: start every node with PULSE_CLUSTER_PARTITIONS=${stored}`,
    );
  }
}
