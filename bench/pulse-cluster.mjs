// pulse-cluster.mjs - what the `cluster` scenario runs: three nats-servers (nats-cluster.mjs),
// Pulse nodes in cluster mode on them (dist/apps/server/main.js with PULSE_NATS_SERVERS, one
// fresh data dir each), the partition owners as the nodes log them, and a NATS connection of
// the benchmark's own for stream figures and the floor's stream. Every process and directory is
// also registered with the Bench, so an interrupt cleans them up (Pulse nodes before NATS).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NatsCluster } from './nats-cluster.mjs';
import { log } from './report.mjs';
import { alive, killServer, startPulse, stopServer } from './servers.mjs';

export const PARTITIONS = 32; // Pulse's default, set explicitly: partitionOf() below must agree
export const REPLICAS = 3;
export const LEASE_S = 2; // every node of the scenario: takeover is measured with it
export const VALUES_STREAM = 'PULSE_VALUES'; // apps/server/src/cluster/cluster-resources.ts
const STABLE_TIMEOUT_S = 30;
const OWNS = /\bowns partition (\d+)\b/;
const GONE = /\b(?:handed over|lost) partition (\d+)\b/;

/** apps/server/src/cluster/partition-of.ts: 32-bit FNV-1a of the id, modulo the partitions. */
export function partitionOf(id, partitions = PARTITIONS) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/** The same file's rendezvous choice of a partition's preferred owner among live node ids. */
export function preferredOwner(partition, nodeIds) {
  let best;
  let bestScore = -1;
  for (const node of nodeIds) {
    const score = partitionOf(`${partition}/${node}`, 0x7fffffff);
    if (score > bestScore || (score === bestScore && best !== undefined && node < best)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}

export class PulseCluster {
  constructor(bench) {
    this.bench = bench;
    this.nats = null; // NatsCluster
    this.nc = null; // the benchmark's own connection
    this.jsm = null;
    this.nodes = []; // { nodeId, dir, srv }, by index
    this.owner = new Map(); // partition -> node id, from the nodes' `owns partition` lines
    this.onNodeLine = null; // (nodeId, line) for scenario-specific log lines
    this.expected = new Map(); // metric id -> values acknowledged by the nodes (all `201`s)
    this.barrierFailed = false; // an owner did not apply a load in time (see cluster-ingest)
  }

  async startNats() {
    this.nats = await NatsCluster.start(3);
    for (const s of this.nats.servers) this.bench.extraServers.add(s);
    this.bench.extraDirs.add(this.nats.dir);
    this.nc = await connect({ servers: this.nats.urls.split(','), name: 'pulse-bench' });
    this.jsm = await jetstreamManager(this.nc);
    log(`NATS cluster: ${this.nats.servers.map((s) => `${s.url} (pid ${s.pid})`).join(', ')}`);
  }

  /** Node ids of the Pulse nodes running now. */
  get liveIds() {
    return this.nodes.filter((n) => alive(n.srv)).map((n) => n.nodeId);
  }

  get livePulse() {
    return this.nodes.filter((n) => alive(n.srv)).map((n) => n.srv);
  }

  /** The nodes, each with its index, whose Pulse is running. */
  running() {
    return this.nodes.flatMap((n, index) => (alive(n.srv) ? [{ ...n, index }] : []));
  }

  /**
   * Starts node `index` (id `bench-<index>`, or `nodeId`) on its data dir, a fresh one with
   * `fresh` (the old one is removed). Resolves to the server; throws when it did not start.
   */
  async startNode(index, { fresh = false, nodeId = `bench-${index}` } = {}) {
    const old = this.nodes[index];
    let dir = old?.dir;
    if (!dir || fresh) {
      if (dir) await fs.promises.rm(dir, { recursive: true, force: true });
      dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pulse-bench-node-'));
      this.bench.extraDirs.add(dir);
    }
    const env = {
      PULSE_NATS_SERVERS: this.nats.urls,
      PULSE_NODE_ID: nodeId,
      PULSE_CLUSTER_PARTITIONS: String(PARTITIONS),
      PULSE_CLUSTER_REPLICAS: String(REPLICAS),
      PULSE_CLUSTER_LEASE_SECONDS: String(LEASE_S),
    };
    const srv = await startPulse(`Pulse node ${nodeId}`, dir, env, (line) =>
      this.onLine(nodeId, line),
    );
    this.nodes[index] = { nodeId, dir, srv };
    this.bench.extraServers.add(srv);
    // stopped in insertion order on an interrupt: NATS after every Pulse node
    for (const s of this.nats.servers) {
      this.bench.extraServers.delete(s);
      this.bench.extraServers.add(s);
    }
    if (srv.startError) {
      this.bench.startFailed(srv, `Pulse node ${nodeId}`);
      throw new Error(`Pulse node ${nodeId} did not start: ${srv.startError}`);
    }
    log(`Pulse node ${nodeId} (pid ${srv.pid}) on port ${srv.port}, data in ${dir}`);
    return srv;
  }

  onLine(nodeId, line) {
    const owns = OWNS.exec(line);
    if (owns) this.owner.set(Number(owns[1]), nodeId);
    const gone = GONE.exec(line);
    if (gone && this.owner.get(Number(gone[1])) === nodeId) this.owner.delete(Number(gone[1]));
    this.onNodeLine?.(nodeId, line);
  }

  /** The node (with index) that owns `partition` now, as far as the logs tell. */
  ownerNode(partition) {
    const id = this.owner.get(partition);
    return this.running().find((n) => n.nodeId === id);
  }

  /**
   * Waits until every partition is owned by its preferred owner among the running nodes (the
   * state the leases settle in). Resolves to the seconds it took, or NaN after the timeout.
   */
  async waitStable(timeoutS = STABLE_TIMEOUT_S) {
    const t0 = performance.now();
    while ((performance.now() - t0) / 1000 < timeoutS) {
      const live = this.liveIds;
      let settled = live.length > 0;
      for (let p = 0; p < PARTITIONS && settled; p++)
        settled = this.owner.get(p) === preferredOwner(p, live);
      if (settled) return (performance.now() - t0) / 1000;
      await sleep(50);
    }
    return NaN;
  }

  /** Counts `n` more acknowledged values of `id`. */
  acked(id, n) {
    this.expected.set(id, (this.expected.get(id) ?? 0) + n);
  }

  /** Forgets what a node owned (it was killed or stopped). */
  forget(nodeId) {
    for (const [p, id] of this.owner) if (id === nodeId) this.owner.delete(p);
  }

  async kill(index) {
    const n = this.nodes[index];
    const ok = await killServer(n.srv);
    this.forget(n.nodeId);
    return ok;
  }

  /** SIGTERM to every running node at once; resolves once all exited (notes of forced ones). */
  async stopNodes() {
    const notes = await Promise.all(this.nodes.map((n) => stopServer(n?.srv)));
    for (const n of this.nodes) if (n) this.forget(n.nodeId);
    return notes.filter(Boolean);
  }

  /** Messages and bytes of the values stream (or of `stream`). */
  async streamState(stream = VALUES_STREAM) {
    const info = await this.jsm.streams.info(stream);
    return { messages: info.state.messages, bytes: info.state.bytes };
  }

  /** Stops the nodes, the connection and NATS; removes every directory. Returns forced notes. */
  async stop() {
    const notes = await this.stopNodes();
    await this.nc?.close().catch(() => undefined);
    this.nc = null;
    if (this.nats) notes.push(...(await this.nats.stop()));
    for (const s of this.nats?.servers ?? []) this.bench.extraServers.delete(s);
    for (const n of this.nodes) {
      if (!n) continue;
      this.bench.extraServers.delete(n.srv);
      await fs.promises.rm(n.dir, { recursive: true, force: true });
      this.bench.extraDirs.delete(n.dir);
    }
    if (this.nats) this.bench.extraDirs.delete(this.nats.dir);
    return notes;
  }
}
