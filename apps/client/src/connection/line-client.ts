import { Socket, connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { ConnectionLostError } from './connection-lost.error';

export interface LineClientOptions {
  host: string;
  port: number;
  /** Give up connecting after this long (an unreachable host can otherwise hang for minutes). */
  connectTimeoutMs?: number;
  /**
   * With commands in flight, the longest wait for the next reply before the connection is
   * destroyed. Replies are ordered, so one missing reply blocks all later ones: the only safe
   * recovery is a new connection. 0 disables it.
   */
  replyTimeoutMs?: number;
  /** TLS (the server's PULSE_TLS_*): whom to trust, and the client's own pair for mutual TLS. */
  tls?: ClientTls;
}

/** PEM contents; without `ca`, Node's list of well-known CAs. */
export interface ClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

interface Waiter {
  resolve: (line: string) => void;
  reject: (error: Error) => void;
}

type CloseListener = (error: Error | undefined) => void;

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * A reusable Pulse line client: one TCP connection, commands written as they are sent
 * (pipelining), each promise settled with its reply line. Replies come back in the order the
 * commands were sent, so a FIFO of waiters pairs them. When the connection ends, every command
 * still waiting is rejected with ConnectionLostError: its outcome is unknown.
 */
export class LineClient {
  private readonly waiters: Waiter[] = [];
  private readonly closeListeners: CloseListener[] = [];
  private buffered = '';
  private closeError: Error | undefined;
  private closed = false;
  private endedByUs = false;
  /** A line that arrived with no command waiting (a server refusing the connection says why). */
  private unsolicited: string | undefined;
  private replyTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly replyTimeoutMs: number,
  ) {
    socket.setEncoding('utf8'); // a StringDecoder: multi-byte characters split across packets stay whole
    socket.on('data', (text: string) => this.onData(text));
    socket.on('error', (error) => (this.closeError ??= error));
    socket.on('close', () => this.handleClose());
  }

  static connect(options: LineClientOptions): Promise<LineClient> {
    const { host, port, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS } = options;
    const tls = options.tls;
    return new Promise((resolve, reject) => {
      const socket = tls
        ? connectTls({ host, port, minVersion: 'TLSv1.2', ...tls }).setNoDelay(true)
        : connect({ host, port, noDelay: true });
      const fail = (error: Error) => {
        socket.destroy();
        reject(error);
      };
      socket.setTimeout(connectTimeoutMs, () =>
        fail(new Error(`connect to ${host}:${port} timed out after ${connectTimeoutMs} ms`)),
      );
      socket.once('error', fail);
      // Over TLS the connection is usable once the handshake (and the server's check) is done.
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', fail);
        socket.setTimeout(0);
        resolve(new LineClient(socket, options.replyTimeoutMs ?? 0));
      });
    });
  }

  /** Commands sent and not yet answered. */
  get inFlight(): number {
    return this.waiters.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Called once when the connection is gone, with the socket error if there was one. */
  onClose(listener: CloseListener): void {
    if (this.closed) listener(this.closeError);
    else this.closeListeners.push(listener);
  }

  /** Sends one command line (without its `\n`); resolves with the reply line. */
  send(command: string): Promise<string> {
    if (this.closed || this.socket.writableEnded) {
      return Promise.reject(new ConnectionLostError(this.describeClose()));
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (this.waiters.length === 1) this.armReplyTimer();
      this.socket.write(`${command}\n`);
    });
  }

  /**
   * Half-closes: the server still answers what it has read, then closes its side. Resolves when
   * the socket is closed; destroys it if that takes longer than `timeoutMs`.
   */
  close(timeoutMs = 2_000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.destroy(`no close within ${timeoutMs} ms`), timeoutMs);
      this.onClose(() => {
        clearTimeout(timer);
        resolve();
      });
      this.endedByUs = true;
      this.socket.end();
    });
  }

  /** Drops the connection at once; commands in flight are rejected. */
  destroy(reason?: string): void {
    if (reason) this.closeError ??= new Error(reason);
    this.socket.destroy();
  }

  private onData(text: string): void {
    this.buffered += text;
    let newline = this.buffered.indexOf('\n');
    while (newline !== -1) {
      const line = this.buffered.slice(0, newline).replace(/\r$/, '');
      this.buffered = this.buffered.slice(newline + 1);
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(line);
      else this.unsolicited = line;
      newline = this.buffered.indexOf('\n');
    }
    this.armReplyTimer();
  }

  /** (Re)starts the reply watchdog while commands are in flight; stops it otherwise. */
  private armReplyTimer(): void {
    clearTimeout(this.replyTimer);
    this.replyTimer = undefined;
    if (this.replyTimeoutMs <= 0 || this.waiters.length === 0) return;
    const ms = this.replyTimeoutMs;
    this.replyTimer = setTimeout(() => this.destroy(`no reply within ${ms} ms`), ms);
  }

  private handleClose(): void {
    this.closed = true;
    clearTimeout(this.replyTimer);
    const error = new ConnectionLostError(this.describeClose(), { cause: this.closeError });
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    for (const listener of this.closeListeners.splice(0)) listener(this.closeError);
  }

  private describeClose(): string {
    const by = this.endedByUs ? '' : ' by the server';
    const why = this.closeError ? `: ${this.closeError.message}` : by;
    const said = this.unsolicited === undefined ? '' : ` (it said: ${this.unsolicited})`;
    return `connection closed${why}${said}`;
  }
}
