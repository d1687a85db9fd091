import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';

/** The built client (run `npx nest build client` first), started as the container starts it. */
export const CLIENT_ENTRY = resolve(join(process.cwd(), 'dist/apps/client/main.js'));

const DEFAULT_TIMEOUT_MS = 10_000;

export interface ClientExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ClientOptions {
  /** Environment on top of the caller's, whose PULSE_* variables are dropped. */
  env?: Record<string, string>;
}

/**
 * One client process with stdout and stderr collected apart (replies and summaries go to
 * stdout, notices to stderr). Every process is tracked so a suite can kill leftovers in
 * afterEach; waits are bounded and fail with both streams in the message.
 */
export class ClientProcess {
  private static readonly running = new Set<ClientProcess>();

  stdout = '';
  stderr = '';
  readonly exited: Promise<ClientExit>;
  private exitInfo?: ClientExit;
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly child: ChildProcess) {
    ClientProcess.running.add(this);
    child.stdout
      ?.setEncoding('utf8')
      .on('data', (text: string) => this.onOutput(() => (this.stdout += text)));
    child.stderr
      ?.setEncoding('utf8')
      .on('data', (text: string) => this.onOutput(() => (this.stderr += text)));
    this.exited = new Promise((resolveExit) => {
      child.once('close', (code, signal) => {
        ClientProcess.running.delete(this);
        this.exitInfo = { code, signal };
        this.notify();
        resolveExit(this.exitInfo);
      });
    });
  }

  static start(args: string[], options: ClientOptions = {}): ClientProcess {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('PULSE_')),
    );
    const child = spawn(process.execPath, [CLIENT_ENTRY, ...args], {
      cwd: process.cwd(),
      env: { ...inherited, PULSE_SERVER_HOST: '127.0.0.1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new ClientProcess(child);
  }

  /** SIGKILLs every client still running (for afterEach/afterAll). */
  static async killAll(): Promise<void> {
    await Promise.all([...ClientProcess.running].map((client) => client.kill()));
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Writes to the client's stdin. */
  write(text: string): void {
    this.child.stdin?.write(text);
  }

  /** Closes stdin (Ctrl-D / end of a pipe). */
  endInput(): void {
    this.child.stdin?.end();
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async kill(): Promise<ClientExit> {
    if (this.exitInfo) return this.exitInfo;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Resolves with the match once `stream` matches `pattern`; rejects on exit or timeout. */
  async waitFor(
    stream: 'stdout' | 'stderr',
    pattern: RegExp,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this[stream].match(pattern);
      if (match) return match;
      if (this.exitInfo) throw this.failure(`exited before ${stream} matched ${pattern}`);
      if (Date.now() >= deadline)
        throw this.failure(`${stream} did not match ${pattern} in ${timeoutMs} ms`);
      await this.nextEvent(deadline - Date.now());
    }
  }

  /** Resolves once `stream` holds at least `count` matches of the global `pattern`. */
  async waitForCount(
    stream: 'stdout' | 'stderr',
    pattern: RegExp,
    count: number,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const found = () => [...this[stream].matchAll(pattern)].length;
    while (found() < count) {
      const what = `${count} matches of ${pattern} in ${stream}`;
      if (this.exitInfo) throw this.failure(`exited before ${what}`);
      if (Date.now() >= deadline) throw this.failure(`no ${what} in ${timeoutMs} ms`);
      await this.nextEvent(deadline - Date.now());
    }
  }

  /** Waits for the exit; SIGKILLs the process and rejects after the timeout. */
  async waitForExit(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ClientExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(this.failure(`still running after ${timeoutMs} ms; killed`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** An error carrying what the client printed, for readable failures. */
  failure(message: string): Error {
    return new Error(
      `client (pid ${this.child.pid}) ${message}\n--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`,
    );
  }

  private onOutput(append: () => void): void {
    append();
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private nextEvent(timeoutMs: number): Promise<void> {
    return new Promise((resolveWait) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        resolveWait();
      };
      const timer = setTimeout(done, Math.max(timeoutMs, 0));
      this.listeners.add(done);
    });
  }
}

/** Runs the client to completion (bounded), feeding `input` on stdin, and returns its output. */
export async function runClient(
  args: string[],
  options: ClientOptions & { input?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const client = ClientProcess.start(args, options);
  if (options.input !== undefined) client.write(options.input);
  client.endInput();
  const { code } = await client.waitForExit(options.timeoutMs);
  return { code, stdout: client.stdout, stderr: client.stderr };
}

/** A TCP port nothing listens on (bound, then released), for "server down" cases. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolvePort(port));
    });
  });
}

/** The counters of the last summary line: the final one, or with prefix '' a periodic one. */
export function lastSummary(stdout: string, prefix = 'final'): Record<string, number> {
  const start = prefix ? `${prefix} sent=` : 'sent=';
  const lines = stdout.split('\n').filter((line) => line.startsWith(start));
  const line = lines.at(-1);
  if (!line) throw new Error(`no "${prefix}" summary in:\n${stdout}`);
  const counters: Record<string, number> = {};
  for (const [, key, value] of line.matchAll(/(\w+)=([\d.]+)/g)) counters[key] = Number(value);
  return counters;
}
