import { connect, type Socket } from 'node:net';

/** How a connection ended, as seen by the client. */
export interface CloseInfo {
  /** The server's FIN was received ('end' fired): a graceful close. */
  ended: boolean;
  /** The socket error, if any (ECONNRESET, EPIPE...). */
  error?: Error;
}

interface LineWaiter {
  count: number;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_TIMEOUT_MS = 5000;

/**
 * A raw TCP client for the line protocol. Reply lines are kept whole, including their '\n',
 * so tests compare byte-exact text. Every client is tracked so a suite can destroy them all
 * in afterEach: a forgotten socket keeps Jest from exiting.
 */
export class LineClient {
  private static readonly open = new Set<LineClient>();

  private readonly queue: string[] = [];
  private head = 0;
  private pending: Buffer = Buffer.alloc(0);
  private waiter?: LineWaiter;
  private closeInfo?: CloseInfo;
  private readonly closeWaiters: Array<(info: CloseInfo) => void> = [];
  private ended = false;
  private error?: Error;

  private constructor(readonly socket: Socket) {
    LineClient.open.add(this);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => {
      this.ended = true;
      this.failWaiter('connection ended by the server');
    });
    socket.on('error', (error) => {
      this.error = error;
      this.failWaiter(`socket error ${error.message}`);
    });
    socket.on('close', () => {
      LineClient.open.delete(this);
      this.closeInfo = { ended: this.ended, error: this.error };
      this.failWaiter('connection closed');
      for (const notify of this.closeWaiters.splice(0)) notify(this.closeInfo);
    });
  }

  /** Opens a connection to 127.0.0.1:port; resolves once TCP is established. */
  static connect(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      const onError = (error: Error) => reject(error);
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new LineClient(socket));
      });
    });
  }

  /** Destroys every client still open (for afterEach/afterAll). */
  static destroyAll(): void {
    for (const client of LineClient.open) client.destroy();
  }

  /** Number of complete reply lines received and not yet taken. */
  get buffered(): number {
    return this.queue.length - this.head;
  }

  /** Bytes received after the last '\n' (an unterminated reply). */
  get partial(): string {
    return this.pending.toString('utf8');
  }

  /** Writes raw text or bytes; resolves when handed to the kernel. */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(data, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Sends one command line and returns its reply line (with '\n'). */
  async request(line: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    this.socket.write(`${line}\n`);
    return this.nextLine(timeoutMs);
  }

  /** Sends several command lines in one write and returns their replies, in order. */
  async pipeline(lines: string[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string[]> {
    this.socket.write(lines.map((line) => `${line}\n`).join(''));
    return this.nextLines(lines.length, timeoutMs);
  }

  /** The next reply line (with '\n'). */
  async nextLine(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    const [line] = await this.nextLines(1, timeoutMs);
    return line;
  }

  /** The next `count` reply lines. */
  async nextLines(count: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string[]> {
    await this.waitForLines(count, timeoutMs);
    return this.take(count);
  }

  /** Takes every complete reply line received so far (possibly none). */
  takeBuffered(): string[] {
    return this.take(this.buffered);
  }

  /** Resolves once `count` lines are buffered, without taking them. */
  waitForLines(count: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    if (this.buffered >= count) return Promise.resolve();
    if (this.closeInfo || this.ended) {
      return Promise.reject(this.shortfall(count, 'connection already closed'));
    }
    if (this.waiter) return Promise.reject(new Error('LineClient: only one reader at a time'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.failWaiter(`no reply within ${timeoutMs} ms`), timeoutMs);
      this.waiter = { count, resolve, reject, timer };
    });
  }

  /** Resolves when the socket is fully closed, telling whether the close was graceful. */
  closed(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CloseInfo> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`connection still open after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.closeWaiters.push((info) => {
        clearTimeout(timer);
        resolve(info);
      });
    });
  }

  /** Whether the socket has closed (either side). */
  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** Half-closes (sends FIN); the server may still reply. */
  end(data?: string | Buffer): void {
    if (data === undefined) this.socket.end();
    else this.socket.end(data);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let newline = data.indexOf(0x0a);
    while (newline !== -1) {
      this.queue.push(data.toString('utf8', 0, newline + 1));
      data = data.subarray(newline + 1);
      newline = data.indexOf(0x0a);
    }
    this.pending = Buffer.from(data);
    if (this.waiter && this.buffered >= this.waiter.count) {
      const { resolve, timer } = this.waiter;
      clearTimeout(timer);
      this.waiter = undefined;
      resolve();
    }
  }

  private take(count: number): string[] {
    const lines = this.queue.slice(this.head, this.head + count);
    this.head += count;
    if (this.head > 10000 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return lines;
  }

  private failWaiter(reason: string): void {
    if (!this.waiter) return;
    const { count, reject, timer } = this.waiter;
    clearTimeout(timer);
    this.waiter = undefined;
    reject(this.shortfall(count, reason));
  }

  private shortfall(count: number, reason: string): Error {
    const got = this.queue.slice(this.head, this.head + 5);
    return new Error(
      `expected ${count} reply line(s), ${reason}; got ${this.buffered}` +
        ` (first: ${JSON.stringify(got)}, unterminated: ${JSON.stringify(this.partial)})`,
    );
  }
}
