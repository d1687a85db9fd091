import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './free-ports';
import { sleep } from './timing';

/** One alert as Alertmanager's GET /api/v2/alerts returns it. */
export interface ReceivedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

/**
 * A real Alertmanager (Debian's `prometheus-alertmanager`) on a loopback port kept across
 * stop() and start() (a test takes it down and brings it back), clustering off, one receiver
 * that sends nowhere: the tests read what it holds through its API.
 */
export class Alertmanager {
  private child: ChildProcess | undefined;
  private log = '';

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  static unavailableReason(): string | undefined {
    const probe = spawnSync('prometheus-alertmanager', ['--version'], { encoding: 'utf8' });
    return probe.error || probe.status !== 0
      ? 'prometheus-alertmanager is not installed (npm test installs it)'
      : undefined;
  }

  /** Creates it (not started) on a free port. */
  static async create(): Promise<Alertmanager> {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-alertmanager-'));
    await writeFile(
      join(dir, 'alertmanager.yml'),
      ['route:', '  receiver: nowhere', 'receivers:', '  - name: nowhere', ''].join('\n'),
    );
    const [port] = await freePorts(1);
    return new Alertmanager(dir, port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get output(): string {
    return this.log;
  }

  async start(): Promise<void> {
    const child = spawn(
      'prometheus-alertmanager',
      [
        `--config.file=${join(this.dir, 'alertmanager.yml')}`,
        `--storage.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--cluster.listen-address=',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.child = child;
    for (let waited = 0; waited < 30_000; waited += 100) {
      const ready = await fetch(`${this.url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      if (child.exitCode !== null) break;
      await sleep(100);
    }
    throw new Error(`alertmanager did not become ready:\n${this.log.slice(-2000)}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    child.kill('SIGKILL');
  }

  async remove(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Every alert it holds, resolved ones included. */
  async alerts(): Promise<ReceivedAlert[]> {
    const response = await fetch(`${this.url}/api/v2/alerts?active=true&unprocessed=true`);
    return (await response.json()) as ReceivedAlert[];
  }

  /** Polls until an alert with these labels matches `accept`; resolves to it or undefined. */
  async until(
    labels: Record<string, string>,
    accept: (alert: ReceivedAlert) => boolean,
    timeoutMs = 20_000,
  ): Promise<ReceivedAlert | undefined> {
    for (let waited = 0; waited <= timeoutMs; waited += 200) {
      const found = (await this.alerts().catch(() => [])).find(
        (a) => Object.entries(labels).every(([k, v]) => a.labels[k] === v) && accept(a),
      );
      if (found) return found;
      await sleep(200);
    }
    return undefined;
  }
}
