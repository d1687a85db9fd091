import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { COMMAND_VERBS } from '@app/protocol';
import { AddressInfo, Server as NetServer, Socket, createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { isObservable, lastValueFrom } from 'rxjs';
import { HandlerRoute } from './handler-route';
import { CONNECTION_WINDOW, LineConnection } from './line-connection';
import { LineContext } from './line-context';
import { LinePatternExtras, LineRoute, LineRouter } from './line-route';
import { refuseBusy } from './refuse-busy';
import { CommandStats } from '../observability/command-stats';
import { InFlightCounter } from './run-pipeline';
import { TransportOptions } from './transport-options';

type LineTransportEvents = {
  listening: (address: AddressInfo) => void;
  error: (error: Error) => void;
};
type LineTransportStatus = 'listening' | 'closed';

const PROTOCOL_VERBS: ReadonlySet<string> = new Set(COMMAND_VERBS);
/** After the drain, how long closed connections may linger before the process lets go of them. */
const SHUTDOWN_LINGER_MS = 500;

/**
 * The Nest transport strategy for the Pulse line protocol: owns the TCP listener, applies the
 * connection and in-flight limits, and routes each run of commands to its @MessagePattern handler,
 * batched and scheduled as the handler's pattern extras declare (LinePatternExtras). Framing and
 * reply ordering live in LineConnection. Just over 200 lines: the listener (plain or TLS), its
 * limits and its shutdown share the connection sets, and splitting them would share those sets.
 */
export class LineTransportServer
  extends Server<LineTransportEvents, LineTransportStatus>
  implements CustomTransportStrategy, LineRouter, InFlightCounter
{
  inFlight = 0;
  private readonly log = new Logger(LineTransportServer.name);
  private server: NetServer | undefined;
  /** net.Server#close only stops accepting: open connections are tracked to drain and close them. */
  private readonly connections = new Map<Socket, LineConnection>();
  /** Connections refused with 503, lingering: destroyed at close if still open. */
  private readonly refused = new Set<Socket>();
  /**
   * With TLS: every TCP connection open, in its handshake or encrypted; the connection limit
   * counts these, so connections that never finish a handshake count too.
   */
  private readonly tcpConnections = new Set<Socket>();
  private address = '';
  /** One route per verb with a handler, made on first use from the handler's metadata. */
  private readonly routes = new Map<string, LineRoute>();

  constructor(
    private readonly options: TransportOptions,
    /** Replies and refusals, for /metrics. */
    readonly stats = new CommandStats(),
  ) {
    super();
  }

  refusedBusy(): void {
    this.stats.commandsRefusedBusy++;
  }

  /** Open connections (not counting the refused ones lingering). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Listening for connections (between listen and close). */
  get isListening(): boolean {
    return this.server?.listening ?? false;
  }

  listen(callback: (error?: unknown) => void): void {
    const server = this.createListener();
    this.server = server;
    server.maxConnections = Number.MAX_SAFE_INTEGER; // we answer 503 ourselves instead of resetting
    server.once('error', callback);
    server.listen(this.options.port, this.options.host, () => {
      // Later errors (EMFILE on accept) must not reach the start-up callback, nor go unheard:
      // an 'error' event without a listener would end the process.
      server.off('error', callback);
      server.on('error', (error) =>
        this.log.error(`listener on ${this.address}: ${error.message}`),
      );
      const { address, port } = server.address() as AddressInfo;
      this.address = `${address}:${port}`;
      this.options.tls?.watch();
      this.log.log(
        `listening on ${this.address}${this.options.tls ? ' with TLS' : ''}${this.options.tls?.requireClientCertificate ? ' (client certificates required)' : ''} (max ${this.options.maxConnections} connections, ` +
          `${this.options.maxInFlight} commands in flight, window ${CONNECTION_WINDOW} per connection)`,
      );
      this._status$.next('listening');
      callback();
    });
  }

  /**
   * Plain TCP, or TLS (PULSE_TLS_*): a handshake not finished within the idle timeout is
   * dropped; with a client CA, a client whose certificate does not verify is refused during the
   * handshake, before any command is read.
   */
  private createListener(): NetServer {
    const tls = this.options.tls;
    if (!tls) {
      return createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    }
    const server = createTlsServer(
      {
        ...tls.current,
        allowHalfOpen: true,
        noDelay: true,
        handshakeTimeout: this.options.idleTimeoutMs,
        requestCert: tls.requireClientCertificate,
        rejectUnauthorized: tls.requireClientCertificate,
      },
      (secure) => (this.server ? this.serve(secure) : secure.destroy()),
    );
    server.on('connection', (socket: Socket) => this.admitTcp(socket));
    // A failed or timed-out handshake: nothing to answer. Node reports it and leaves the
    // connection open (a silent client would hold it for ever): closed here.
    server.on('tlsClientError', (_error, socket) => socket.destroy());
    tls.onReload = (options) => server.setSecureContext(options);
    return server;
  }

  /** Made on first use and kept: Nest registers every handler before it calls listen. */
  route(verb: string): LineRoute | undefined {
    const route = this.routes.get(verb);
    if (route !== undefined || !PROTOCOL_VERBS.has(verb)) return route;
    const handler = this.messageHandlers.get(verb);
    if (handler === undefined) return undefined;
    const made = new HandlerRoute(
      verb,
      handler.extras as LinePatternExtras | undefined,
      (commands) => this.callHandler(handler, verb, commands),
      this.log,
    );
    this.routes.set(verb, made);
    return made;
  }

  private async callHandler(
    handler: MessageHandler,
    verb: string,
    commands: string[][],
  ): Promise<unknown> {
    const result: unknown = await handler(commands, new LineContext([verb]));
    // What transformToObservable and lastValueFrom make of it, without their subscriptions for a
    // handler that returned its replies (a promise, already awaited): the LOG path, every turn.
    const replies: unknown = isObservable(result) ? await lastValueFrom(result) : result;
    this.stats.count(verb, replies);
    return replies;
  }

  /** Stops accepting, answers what was read (within the drain timeout), then closes. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.options.tls?.close();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.log.log(`closed listener on ${this.address}`);
    const pending = this.inFlight;
    const drained = await this.drainConnections();
    const count = this.connections.size;
    for (const connection of this.connections.values()) connection.close();
    if (drained)
      this.log.log(`answered ${pending} commands in flight; closing ${count} connections`);
    else
      this.log.warn(
        `drain timeout: ${this.inFlight} commands unanswered; closing ${count} connections`,
      );
    for (const socket of [...this.connections.keys(), ...this.refused, ...this.tcpConnections]) {
      setTimeout(() => socket.destroy(), SHUTDOWN_LINGER_MS).unref();
    }
    await closed;
    this.log.log(`closed ${count} connections`);
    this._status$.next('closed');
  }

  /** True once every connection answered what it had read; false at the drain timeout. */
  private async drainConnections(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.options.drainTimeoutMs);
    });
    const drained = Promise.all([...this.connections.values()].map((c) => c.drain()));
    try {
      return await Promise.race([drained.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  on<K extends keyof LineTransportEvents>(event: K, callback: LineTransportEvents[K]): void {
    this.server?.on(event, callback as (...args: unknown[]) => void);
  }

  unwrap<T>(): T {
    return this.server as T;
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= this.options.maxConnections) {
      this.refused.add(socket);
      this.stats.connectionsRefused++;
      socket.once('close', () => this.refused.delete(socket));
      refuseBusy(socket);
      return;
    }
    this.serve(socket);
  }

  /** TLS: a TCP connection over the limit is closed at once (a 503 would cost a handshake). */
  private admitTcp(socket: Socket): void {
    if (this.tcpConnections.size >= this.options.maxConnections) {
      this.stats.connectionsRefused++;
      socket.destroy();
      return;
    }
    this.tcpConnections.add(socket);
    socket.once('close', () => this.tcpConnections.delete(socket));
  }

  private serve(socket: Socket): void {
    this.connections.set(socket, new LineConnection(socket, this, this, this.options));
    socket.once('close', () => this.connections.delete(socket));
  }
}
