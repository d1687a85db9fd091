import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The built server, started exactly as the container starts it. Overridable to test another build. */
export const SERVER_ENTRY = resolve(
  process.env.PULSE_E2E_ENTRY ?? join(process.cwd(), 'dist/apps/server/main.js'),
);

/**
 * The node options the server runs with, wherever it is started (Dockerfile CMD, npm scripts,
 * scripts/run-local.mjs, the benchmark). V8 reads flags when it starts; setting them later with
 * v8.setFlagsFromString is documented as unpredictable. --heap-growing-percent=50: the old
 * generation may grow 50 % past the live set between major collections (V8's default is up to
 * 4x on a fast collector, and every flush releases the heads it wrote: peak RSS 348 -> ~207 MB
 * over the benchmark, throughput unchanged within the noise).
 */
export const SERVER_NODE_ARGS = ['--heap-growing-percent=50'];

const READY_LINE = /listening on [^\s:]+:(\d+)/;
const READY_TIMEOUT_MS = 15000;
const STOP_TIMEOUT_MS = 10000;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  /** Data directory to reuse (a restart); a fresh temporary one by default. */
  dataDir?: string;
  /** PULSE_* overrides, e.g. { PULSE_MAX_CONNECTIONS: '2' }. */
  env?: Record<string, string>;
}

const dataDirs = new Set<string>();

/** A fresh, empty data directory, removed by removeDataDirs(). */
export async function freshDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-e2e-'));
  dataDirs.add(dir);
  return dir;
}

export async function removeDataDirs(): Promise<void> {
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  dataDirs.clear();
}

/** This process's environment without any PULSE_*: a test's server sees only what it is given. */
export function environmentWithoutPulse(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('PULSE_')),
  );
}

/** The environment the container gives the server, without any PULSE_* from the caller's shell. */
function serverEnv(dataDir: string, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = environmentWithoutPulse();
  return {
    ...inherited,
    PULSE_HOST: '127.0.0.1',
    PULSE_PORT: '0',
    PULSE_HTTP_HOST: '127.0.0.1',
    PULSE_HTTP_PORT: '0',
    PULSE_DATA_DIR: dataDir,
    ...overrides,
  };
}

/**
 * One server process. stdout and stderr are collected together (in arrival order) for
 * assertions on log lines and for failure messages. Every process is tracked so a suite can
 * kill leftovers in afterEach/afterAll.
 */
export class PulseServer {
  private static readonly running = new Set<PulseServer>();

  private log = '';
  private exitInfo?: ExitInfo;
  readonly exited: Promise<ExitInfo>;
  port = 0;

  private constructor(
    private readonly child: ChildProcess,
    readonly dataDir: string,
  ) {
    PulseServer.running.add(this);
    child.stdout?.setEncoding('utf8').on('data', (text: string) => (this.log += text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (this.log += text));
    this.exited = new Promise((resolveExit) => {
      // 'close' (not 'exit'): fires after stdout/stderr are drained, so `output` is complete.
      child.once('close', (code, signal) => {
        PulseServer.running.delete(this);
        this.exitInfo = { code, signal };
        resolveExit(this.exitInfo);
      });
    });
  }

  /** Spawns the server and resolves once it logs its ready line (with the bound port). */
  static async start(options: StartOptions = {}): Promise<PulseServer> {
    const server = PulseServer.spawn(options);
    await server.waitForReady();
    return server;
  }

  /** Spawns the server without waiting for readiness (for start-up failures). */
  static spawn(options: StartOptions = {}): PulseServer {
    const dataDir = options.dataDir ?? '';
    if (!dataDir) throw new Error('PulseServer.spawn: pass a dataDir (see freshDataDir())');
    const child = spawn(process.execPath, [...SERVER_NODE_ARGS, SERVER_ENTRY], {
      cwd: process.cwd(),
      env: serverEnv(dataDir, options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new PulseServer(child, dataDir);
  }

  /** SIGKILLs every server still running and waits for the exits (for afterEach/afterAll). */
  static async killAll(): Promise<void> {
    await Promise.all([...PulseServer.running].map((server) => server.kill()));
  }

  /** Everything the process wrote to stdout and stderr so far. */
  get output(): string {
    return this.log;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The HTTP listener's port, from its start-up line (logged before the server is ready). */
  get httpPort(): number {
    const match = /HTTP on [^\s:]+:(\d+)/.exec(this.log);
    if (!match) throw new Error(`no "HTTP on" line (PULSE_HTTP_PORT=off?) in:\n${this.tail()}`);
    return Number(match[1]);
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Resolves when the output matches `pattern`; rejects if the process exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs = READY_TIMEOUT_MS): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.log.match(pattern);
      if (match) return match;
      if (this.exitInfo) {
        throw new Error(`server exited (${describeExit(this.exitInfo)}) before logging ${pattern}`);
      }
      if (Date.now() > deadline)
        throw new Error(`server did not log ${pattern} in ${timeoutMs} ms`);
      await this.nextOutputOrExit(deadline - Date.now());
    }
  }

  /** Sends SIGTERM and waits for the exit (SIGKILL if it hangs, failing the caller's check). */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.child.kill('SIGTERM');
    return this.waitForExit(timeoutMs);
  }

  /** SIGKILL: the crash case. */
  async kill(): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Waits for the process to exit on its own; SIGKILLs it after the timeout and rejects. */
  async waitForExit(timeoutMs = STOP_TIMEOUT_MS): Promise<ExitInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`server still running after ${timeoutMs} ms; killed.\n${this.tail()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last part of the output, for failure messages. */
  tail(chars = 4000): string {
    const text = this.log.length > chars ? `...${this.log.slice(-chars)}` : this.log;
    return `--- server output (pid ${this.pid}) ---\n${text}\n--- end of server output ---`;
  }

  private async waitForReady(): Promise<void> {
    try {
      const match = await this.waitForOutput(READY_LINE);
      this.port = Number(match[1]);
    } catch (error) {
      await this.kill();
      throw new Error(`${(error as Error).message}\n${this.tail()}`, { cause: error });
    }
  }

  private nextOutputOrExit(timeoutMs: number): Promise<void> {
    return new Promise((resolveWait) => {
      const done = () => {
        clearTimeout(timer);
        this.child.stdout?.off('data', done);
        this.child.stderr?.off('data', done);
        this.child.off('close', done);
        resolveWait();
      };
      const timer = setTimeout(done, Math.max(timeoutMs, 0));
      this.child.stdout?.on('data', done);
      this.child.stderr?.on('data', done);
      this.child.once('close', done);
    });
  }
}

export function describeExit({ code, signal }: ExitInfo): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

/**
 * Runs `fn`; if it throws, appends the servers' output to the error, so a failing test shows
 * what the server logged.
 */
export function withServerOutput<Args extends unknown[]>(
  servers: () => Array<Pick<PulseServer, 'tail'> | undefined>,
  fn: (...args: Args) => Promise<void>,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      await fn(...args);
    } catch (error) {
      const tails = servers()
        .filter((server): server is Pick<PulseServer, 'tail'> => server !== undefined)
        .map((server) => server.tail())
        .join('\n');
      if (error instanceof Error && tails) error.message = `${error.message}\n${tails}`;
      throw error;
    }
  };
}
