import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './free-ports';
import { sleep } from './timing';

/**
 * A real Prometheus (Debian's `prometheus`) on a loopback port of its own, scraping one target
 * every second, with its data in a temporary directory removed by stop().
 */
export class Prometheus {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
    private log: { text: string },
  ) {}

  /** Why the tests cannot run here, or undefined. */
  static unavailableReason(): string | undefined {
    const probe = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
    return probe.error || probe.status !== 0
      ? 'prometheus is not installed (npm test installs it: scripts/install-system-deps.sh)'
      : undefined;
  }

  static async start(target: string, job = 'pulse'): Promise<Prometheus> {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        `  - job_name: ${job}`,
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    const [port] = await freePorts(1);
    const child = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const log = { text: '' };
    child.stdout?.on('data', (chunk: Buffer) => (log.text += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (log.text += chunk.toString()));
    const prometheus = new Prometheus(child, dir, port, log);
    for (let waited = 0; ; waited += 100) {
      const ready = await fetch(`http://127.0.0.1:${port}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return prometheus;
      if (waited > 30_000 || child.exitCode !== null) {
        await prometheus.stop();
        throw new Error(`prometheus did not become ready:\n${log.text.slice(-2000)}`);
      }
      await sleep(100);
    }
  }

  /** The value of an instant query's first series, or undefined when it has none. */
  async query(promql: string): Promise<number | undefined> {
    const url = `http://127.0.0.1:${this.port}/api/v1/query?query=${encodeURIComponent(promql)}`;
    const body = (await (await fetch(url)).json()) as {
      data?: { result?: { value: [number, string] }[] };
    };
    const first = body.data?.result?.[0];
    return first ? Number(first.value[1]) : undefined;
  }

  /** Polls `promql` until `accept(value)`, at most `timeoutMs`; resolves to the last value. */
  async until(
    promql: string,
    accept: (value: number | undefined) => boolean,
    timeoutMs = 20_000,
  ): Promise<number | undefined> {
    let value: number | undefined;
    for (let waited = 0; waited <= timeoutMs; waited += 250) {
      value = await this.query(promql);
      if (accept(value)) return value;
      await sleep(250);
    }
    return value;
  }

  get output(): string {
    return this.log.text;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      this.child.kill('SIGKILL');
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
