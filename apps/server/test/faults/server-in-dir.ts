import { spawn, type ChildProcess } from 'node:child_process';
import {
  environmentWithoutPulse,
  SERVER_ENTRY,
  SERVER_NODE_ARGS,
  type ExitInfo,
} from '../support/spawn-server';

const READY_LINE = /listening on [^\s:]+:(\d+)/;

/**
 * The built server started in a working directory of the test's choosing (PulseServer always
 * uses the test runner's), so a test can check that nothing is created next to it. The data
 * directory may be relative to `cwd`.
 */
export class ServerInDir {
  private static readonly running = new Set<ServerInDir>();
  private log = '';
  readonly exited: Promise<ExitInfo>;
  port = 0;

  private constructor(private readonly child: ChildProcess) {
    ServerInDir.running.add(this);
    child.stdout?.setEncoding('utf8').on('data', (text: string) => (this.log += text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (this.log += text));
    this.exited = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        ServerInDir.running.delete(this);
        resolve({ code, signal });
      }),
    );
  }

  static async start(
    cwd: string,
    dataDir: string,
    env: Record<string, string> = {},
  ): Promise<ServerInDir> {
    const inherited = environmentWithoutPulse();
    const child = spawn(process.execPath, [...SERVER_NODE_ARGS, SERVER_ENTRY], {
      cwd,
      env: {
        ...inherited,
        PULSE_HOST: '127.0.0.1',
        PULSE_PORT: '0',
        PULSE_HTTP_PORT: '0',
        PULSE_DATA_DIR: dataDir,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerInDir(child);
    const deadline = Date.now() + 15000;
    for (;;) {
      const match = READY_LINE.exec(server.log);
      if (match) {
        server.port = Number(match[1]);
        return server;
      }
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`server in ${cwd} did not start:\n${server.log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  static async killAll(): Promise<void> {
    await Promise.all(
      [...ServerInDir.running].map((server) => {
        server.child.kill('SIGKILL');
        return server.exited;
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get output(): string {
    return this.log;
  }

  /** SIGKILL: the crash case. */
  async kill(): Promise<ExitInfo> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM, then the exit (SIGKILL after 10 s). */
  async stop(): Promise<ExitInfo> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
