// nats-cluster.mjs - a three-server NATS JetStream cluster on free loopback ports for the `cluster`
// scenario (the .mjs counterpart of apps/server/test/cluster/support/nats-cluster.ts): one config
// file and one store per server under a temporary directory, started together, usable once an R3
// stream takes a publish through each server. Its processes look like servers.mjs's servers
// (`child`, `pid`, `exit`, `exited`, `tail`), so stopServer(), alive() and noteDeaths() apply.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { stopServer } from './servers.mjs';

const HOST = '127.0.0.1';
const CLUSTER_NAME = 'pulse-bench';
const READY = /\[INF\] Server is ready/;
const PORT_TAKEN = /address already in use/;
const START_ATTEMPTS = 3; // fresh ports each time, when one was taken between probe and bind
const READY_TIMEOUT_S = 30;
const REQUEST_TIMEOUT_MS = 2000; // bounds each probe request
const PROBE_STREAM = 'PULSE_BENCH_PROBE';
const TAIL_LINES = 40;

/** Why no cluster can be started here ('' when it can), and nats-server's version line. */
export function natsServerVersion() {
  const probe = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  if (probe.error) return { error: `nats-server: ${probe.error.message}` };
  if (probe.status !== 0) return { error: `nats-server --version exited ${probe.status}` };
  return { error: '', version: probe.stdout.trim() };
}

export class NatsCluster {
  /** `dir`: the temporary directory of configs and stores (removed by stop()). */
  constructor(dir, servers) {
    this.dir = dir;
    this.servers = servers; // [{ name, url, clientPort, clusterPort, configPath, ...process }]
  }

  /** The value for PULSE_NATS_SERVERS. */
  get urls() {
    return this.servers.map((s) => s.url).join(',');
  }

  /** Starts `size` servers; resolves once usable, or rejects (nothing left running) with tails. */
  static async start(size = 3) {
    for (let attempt = 1; ; attempt++) {
      const cluster = await NatsCluster.launch(size);
      try {
        await cluster.waitUntilUsable(Date.now() + READY_TIMEOUT_S * 1000);
        return cluster;
      } catch (error) {
        const tails = cluster.tails();
        await cluster.stop();
        const portRace = cluster.servers.some((s) => PORT_TAKEN.test(s.tail.join('\n')));
        if (portRace && attempt < START_ATTEMPTS) continue;
        throw new Error(`NATS cluster not usable: ${error.message}\n${tails}`, { cause: error });
      }
    }
  }

  static async launch(size) {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pulse-bench-nats-'));
    const ports = await freePorts(size * 2);
    const servers = Array.from({ length: size }, (_, i) => ({
      name: `nats-server n${i}`,
      url: `nats://${HOST}:${ports[2 * i]}`,
      clientPort: ports[2 * i],
      clusterPort: ports[2 * i + 1],
      configPath: path.join(dir, `n${i}.conf`),
      storeDir: path.join(dir, `n${i}`),
    }));
    for (const [i, s] of servers.entries()) {
      await fs.promises.mkdir(s.storeDir);
      const routes = servers.filter((o) => o !== s).map((o) => `nats://${HOST}:${o.clusterPort}`);
      await fs.promises.writeFile(s.configPath, serverConfig(`n${i}`, s, routes));
    }
    for (const s of servers) spawnServer(s);
    return new NatsCluster(dir, servers);
  }

  /** SIGTERM to every server still running (SIGKILL after 10 s), then removes the directory. */
  async stop() {
    const notes = await Promise.all(this.servers.map((s) => stopServer(s)));
    await fs.promises.rm(this.dir, { recursive: true, force: true });
    return notes.filter(Boolean);
  }

  tails() {
    return this.servers
      .map((s) => `--- ${s.name} (pid ${s.pid}, ${s.exit ?? 'running'}) ---\n${s.tail.join('\n')}`)
      .join('\n');
  }

  async waitUntilUsable(deadline) {
    for (const s of this.servers) {
      while (!s.ready) {
        if (s.exit) throw new Error(`${s.name} exited (${s.exit}) before it was ready`);
        if (Date.now() > deadline) throw new Error(`${s.name} not ready in ${READY_TIMEOUT_S} s`);
        await sleep(50);
      }
    }
    let lastError;
    while (Date.now() < deadline) {
      try {
        return await this.probeReplicatedStream();
      } catch (error) {
        lastError = error;
        await sleep(250);
      }
    }
    throw new Error(`no R${this.servers.length} stream in time: ${lastError?.message}`);
  }

  /** Creates an R<size> stream, publishes to it through every server, deletes it. */
  async probeReplicatedStream() {
    const connections = [];
    try {
      for (const s of this.servers) connections.push(await connectOnce(s.url));
      const jsm = await jetstreamManager(connections[0], { timeout: REQUEST_TIMEOUT_MS });
      await jsm.streams.add({
        name: PROBE_STREAM,
        subjects: [`${PROBE_STREAM}.>`],
        num_replicas: this.servers.length,
      });
      for (const [i, nc] of connections.entries())
        await jetstream(nc, { timeout: REQUEST_TIMEOUT_MS }).publish(`${PROBE_STREAM}.n${i}`, 'x');
      await jsm.streams.delete(PROBE_STREAM);
    } finally {
      await Promise.all(connections.map((nc) => nc.close()));
    }
  }
}

/** Spawns nats-server for slot `s` and makes `s` a servers.mjs-style server. */
function spawnServer(s) {
  const child = spawn('nats-server', ['-c', s.configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  Object.assign(s, { child, pid: child.pid, tail: [], exit: null, stopping: false, ready: false });
  s.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      s.exit = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    });
    child.once('error', (e) => {
      s.exit = `spawn failed: ${e.message}`;
      resolve();
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        s.tail.push(line);
        if (s.tail.length > TAIL_LINES) s.tail.shift();
        if (READY.test(line)) s.ready = true;
      }
    });
  }
}

/** nats-server's config: the command-line flags cannot set the JetStream limits. */
function serverConfig(name, s, routes) {
  const q = (text) => JSON.stringify(text);
  return [
    `server_name: ${q(name)}`,
    `listen: ${q(`${HOST}:${s.clientPort}`)}`,
    // Small limits: the default reserves a share of the machine's memory and disk per server.
    `jetstream { store_dir: ${q(s.storeDir)}, max_mem: 256M, max_file: 2G }`,
    'cluster {',
    `  name: ${q(CLUSTER_NAME)}`,
    `  listen: ${q(`${HOST}:${s.clusterPort}`)}`,
    `  routes: [${routes.map(q).join(', ')}]`,
    '}',
    '',
  ].join('\n');
}

/** A connection to one server that neither reconnects nor learns the others (a probe). */
function connectOnce(url) {
  return connect({
    servers: url,
    reconnect: false,
    ignoreClusterUpdates: true,
    timeout: REQUEST_TIMEOUT_MS,
  });
}

/** `count` distinct free loopback ports: all bound at once (port 0), then released. */
async function freePorts(count) {
  const listeners = [];
  try {
    for (let i = 0; i < count; i++) {
      const srv = net.createServer();
      await new Promise((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, HOST, resolve);
      });
      listeners.push(srv);
    }
    return listeners.map((srv) => srv.address().port);
  } finally {
    await Promise.all(listeners.map((srv) => new Promise((resolve) => srv.close(resolve))));
  }
}
