import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { describeExit, type ExitInfo } from '../../support/spawn-server';
import { freePorts } from '../../support/free-ports';
import { sleep, within } from '../../support/timing';

const HOST = '127.0.0.1';
const CLUSTER_NAME = 'pulse-test';
const READY_LINE = /\[INF\] Server is ready/;
const PORT_TAKEN = /address already in use/;
/** Whole start-up attempts (fresh ports each time) when a port was taken between probe and bind. */
const START_ATTEMPTS = 3;
const READY_TIMEOUT_MS = 30000;
/**
 * After quorum was lost, the metadata group needs an election once a server is back: up to ~16 s
 * seen with nats-server 2.9 when two candidates split their votes (each retry waits 4-9 s).
 */
const RESTART_TIMEOUT_MS = 45000;
const STOP_TIMEOUT_MS = 10000;
const POLL_INTERVAL_MS = 250;
/** Bounds each probe request, so a poll never outlives its deadline by much. */
const REQUEST_TIMEOUT_MS = 2000;

export interface NatsClusterOptions {
  /** Number of servers, 3 by default. JetStream replicas go up to this number. */
  size?: number;
  /** More top-level lines for every server's config: `tls { ... }`, `authorization { ... }`. */
  configLines?: string[];
  /** What the harness's own probe connections need to get in (TLS, credentials). */
  clientOptions?: Partial<ConnectionOptions>;
}

/**
 * One server slot: its ports, config file and output survive restarts; the process does not.
 * Output of every run is kept (a restart is marked in it) for failure messages.
 */
class NatsNode {
  private log = '';
  private runStart = 0;
  private child?: ChildProcess;
  private exitInfo?: ExitInfo;
  private exited: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });

  constructor(
    readonly name: string,
    readonly clientPort: number,
    readonly clusterPort: number,
    readonly configPath: string,
  ) {}

  get url(): string {
    return `nats://${HOST}:${this.clientPort}`;
  }

  get routeUrl(): string {
    return `nats://${HOST}:${this.clusterPort}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  /** True if this run died because one of its ports was taken (a race with another process). */
  get lostPortRace(): boolean {
    return this.exitInfo !== undefined && PORT_TAKEN.test(this.log.slice(this.runStart));
  }

  spawn(): void {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.child?.pid})`);
    if (this.child) this.log += `--- ${this.name} restarted ---\n`;
    this.runStart = this.log.length;
    this.exitInfo = undefined;
    const child = spawn('nats-server', ['-c', this.configPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.setEncoding('utf8').on('data', (text: string) => (this.log += text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (this.log += text));
    // Without a listener, a spawn failure (ENOENT) would be an uncaught error; 'close' follows.
    child.once('error', (error) => (this.log += `spawn failed: ${error.message}\n`));
    this.exited = new Promise((resolveExit) => {
      // 'close' (not 'exit'): fires after stdout/stderr are drained, so the log is complete.
      child.once('close', (code, signal) => {
        this.exitInfo = { code, signal };
        resolveExit(this.exitInfo);
      });
    });
  }

  /** Resolves once this run logs that it accepts clients; rejects if it exits or the deadline passes. */
  async waitForReady(deadline: number): Promise<void> {
    while (!READY_LINE.test(this.log.slice(this.runStart))) {
      if (this.exitInfo) {
        throw new Error(`${this.name} exited (${describeExit(this.exitInfo)}) before it was ready`);
      }
      if (Date.now() > deadline) throw new Error(`${this.name} did not log that it is ready`);
      await Promise.race([this.exited, sleep(50)]);
    }
  }

  /** Signals the process and waits for its exit; SIGKILLs it after the timeout and rejects. */
  async kill(signal: NodeJS.Signals, timeoutMs = STOP_TIMEOUT_MS): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    this.child?.kill(signal);
    try {
      return await within(this.exited, timeoutMs, `${this.name} exit after ${signal}`);
    } catch (error) {
      this.child?.kill('SIGKILL');
      await this.exited;
      throw error;
    }
  }

  /**
   * The last part of the output, for failure messages. The header says how the process ended:
   * an exit the test did not cause points at something else on the machine (a `pkill`).
   */
  tail(chars = 3000): string {
    const text = this.log.length > chars ? `...${this.log.slice(-chars)}` : this.log;
    const state = this.exitInfo ? `exited with ${describeExit(this.exitInfo)}` : 'running';
    return `--- ${this.name} output (pid ${this.child?.pid}, ${state}) ---\n${text}\n--- end of ${this.name} output ---`;
  }
}

/**
 * A real JetStream cluster of `nats-server` processes on loopback, each with its own store under
 * one temporary directory. Every cluster is tracked so that afterAll can stop leftovers
 * (stopAll), or Jest would wait for the servers forever.
 */
export class NatsCluster {
  private static readonly running = new Set<NatsCluster>();

  /** One `nats://127.0.0.1:<port>` per server, in index order. */
  readonly urls: string[];

  private constructor(
    /** The temporary directory holding the config files and stores; removed by stop(). */
    readonly dir: string,
    private readonly nodes: NatsNode[],
    private readonly clientOptions: Partial<ConnectionOptions>,
  ) {
    this.urls = nodes.map((node) => node.url);
    NatsCluster.running.add(this);
  }

  /** Why a cluster cannot be started here (no `nats-server` on PATH), or undefined if it can. */
  static unavailableReason(): string | undefined {
    const probe = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
    if (probe.error) return `nats-server: ${probe.error.message} (scripts/install-system-deps.sh)`;
    return probe.status === 0 ? undefined : `nats-server --version exited ${probe.status}`;
  }

  /** Starts `size` servers and resolves once an R`size` stream takes a publish through each. */
  static async start(options: NatsClusterOptions = {}): Promise<NatsCluster> {
    const size = options.size ?? 3;
    if (!Number.isInteger(size) || size < 1) throw new Error(`NatsCluster: bad size ${size}`);
    for (let attempt = 1; ; attempt += 1) {
      const cluster = await NatsCluster.launch(size, options);
      try {
        await cluster.waitUntilUsable(Date.now() + READY_TIMEOUT_MS);
        return cluster;
      } catch (error) {
        const tails = cluster.tails();
        await cluster.stop().catch(() => undefined);
        const portRace = cluster.nodes.some((node) => node.lostPortRace);
        if (portRace && attempt < START_ATTEMPTS) continue;
        const message = `NatsCluster.start: ${(error as Error).message}`;
        throw new Error(`${message}\n${tails}`, { cause: error });
      }
    }
  }

  /** Stops every cluster still running (for afterAll); rejects after all are stopped if one failed. */
  static async stopAll(): Promise<void> {
    const results = await Promise.allSettled([...NatsCluster.running].map((c) => c.stop()));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** The value for PULSE_NATS_SERVERS: the client URLs, comma-separated. */
  get serversSetting(): string {
    return this.urls.join(',');
  }

  get size(): number {
    return this.nodes.length;
  }

  isRunning(index: number): boolean {
    return this.node(index).running;
  }

  /** Signals server `index` (SIGKILL: the crash case) and waits for it to exit. */
  async kill(index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    return this.node(index).kill(signal);
  }

  /**
   * Starts server `index` again on the same ports and store; resolves once it accepts clients and
   * answers a JetStream request (which needs a metadata leader, so a quorum of servers running).
   */
  async restart(index: number): Promise<void> {
    const node = this.node(index);
    node.spawn();
    const deadline = Date.now() + RESTART_TIMEOUT_MS;
    try {
      await node.waitForReady(deadline);
      await poll(deadline, () => this.probeAccount(node));
    } catch (error) {
      const message = `NatsCluster.restart(${index}): ${(error as Error).message}`;
      throw new Error(`${message}\n${this.tails()}`, { cause: error });
    }
  }

  /** SIGTERMs every server (SIGKILL after a timeout), waits for the exits, removes the stores. */
  async stop(): Promise<void> {
    NatsCluster.running.delete(this);
    const results = await Promise.allSettled(this.nodes.map((node) => node.kill('SIGTERM')));
    await rm(this.dir, { recursive: true, force: true });
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw new Error(`${(failure.reason as Error).message}\n${this.tails()}`);
  }

  /** The output tails of every server, for failure messages. */
  tails(): string {
    return this.nodes.map((node) => node.tail()).join('\n');
  }

  private static async launch(size: number, options: NatsClusterOptions): Promise<NatsCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-nats-'));
    const ports = await freePorts(size * 2);
    const nodes = Array.from(
      { length: size },
      (_, i) => new NatsNode(`n${i}`, ports[i * 2], ports[i * 2 + 1], join(dir, `n${i}.conf`)),
    );
    for (const node of nodes) {
      const storeDir = join(dir, node.name);
      await mkdir(storeDir);
      const routes = nodes.filter((other) => other !== node).map((other) => other.routeUrl);
      const lines = [...serverConfig(node, storeDir, routes), ...(options.configLines ?? [])];
      await writeFile(node.configPath, `${lines.join('\n')}\n`);
    }
    const cluster = new NatsCluster(dir, nodes, options.clientOptions ?? {});
    for (const node of nodes) node.spawn();
    return cluster;
  }

  private node(index: number): NatsNode {
    const node = this.nodes[index];
    if (!node) throw new Error(`NatsCluster: no server ${index} (size ${this.nodes.length})`);
    return node;
  }

  private async waitUntilUsable(deadline: number): Promise<void> {
    for (const node of this.nodes) await node.waitForReady(deadline);
    await poll(deadline, () => this.probeReplicatedStream());
  }

  /** Creates an R`size` stream, publishes to it through every server, and deletes it. */
  private async probeReplicatedStream(): Promise<void> {
    const connections: NatsConnection[] = [];
    try {
      for (const url of this.urls) connections.push(await connectOnce(url, this.clientOptions));
      const jsm = await jetstreamManager(connections[0], { timeout: REQUEST_TIMEOUT_MS });
      const name = 'PULSE_HARNESS_PROBE';
      await jsm.streams.add({ name, subjects: [`${name}.>`], num_replicas: this.size });
      for (const [i, nc] of connections.entries()) {
        const js = jetstream(nc, { timeout: REQUEST_TIMEOUT_MS });
        await js.publish(`${name}.n${i}`, `probe through n${i}`);
      }
      await jsm.streams.delete(name);
    } finally {
      await Promise.all(connections.map((nc) => nc.close()));
    }
  }

  /** A JetStream account-info request through `node` alone. */
  private async probeAccount(node: NatsNode): Promise<void> {
    const nc = await connectOnce(node.url, this.clientOptions);
    try {
      const jsm = await jetstreamManager(nc, { timeout: REQUEST_TIMEOUT_MS, checkAPI: false });
      await jsm.getAccountInfo();
    } finally {
      await nc.close();
    }
  }
}

/** nats-server's config: the command-line flags cannot set the JetStream limits. */
function serverConfig(node: NatsNode, storeDir: string, routes: string[]): string[] {
  const q = (text: string) => JSON.stringify(text);
  return [
    `server_name: ${q(node.name)}`,
    `listen: ${q(`${HOST}:${node.clientPort}`)}`,
    // Small limits: the default reserves a share of the machine's memory and disk per server.
    `jetstream { store_dir: ${q(storeDir)}, max_mem: 256M, max_file: 1G }`,
    // One server runs standalone, as a user's single nats-server would (and nats-server
    // refuses a JetStream cluster without routes once accounts or users are configured).
    ...(routes.length === 0
      ? []
      : [
          `cluster {`,
          `  name: ${q(CLUSTER_NAME)}`,
          `  listen: ${q(`${HOST}:${node.clusterPort}`)}`,
          `  routes: [${routes.map(q).join(', ')}]`,
          `}`,
        ]),
  ];
}

/** A connection to one server that neither reconnects nor learns the others (a probe). */
function connectOnce(url: string, options: Partial<ConnectionOptions>): Promise<NatsConnection> {
  return connect({
    servers: url,
    reconnect: false,
    ignoreClusterUpdates: true,
    timeout: REQUEST_TIMEOUT_MS,
    ...options,
  });
}

/** Runs `attempt` until it resolves; past the deadline, rejects with its last error. */
async function poll(deadline: number, attempt: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() + POLL_INTERVAL_MS > deadline) {
        throw new Error(`JetStream not usable in time: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    await sleep(POLL_INTERVAL_MS);
  }
}
