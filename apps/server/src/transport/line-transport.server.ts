import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { COMMAND_VERBS, Replies } from '@app/protocol';
import { AddressInfo, Server as NetServer, Socket, createServer } from 'node:net';
import { lastValueFrom } from 'rxjs';
import { BATCHED_VERBS, CommandExecutor, ReplyCallback } from './command-executor';
import { CONNECTION_WINDOW, InFlightCounter, LineConnection } from './line-connection';
import { LineContext } from './line-context';
import { TransportOptions } from './transport-options';
import { TurnBatcher } from './turn-batcher';

type LineTransportEvents = {
  listening: (address: AddressInfo) => void;
  error: (error: Error) => void;
};
type LineTransportStatus = 'listening' | 'closed';

const ROUTABLE: ReadonlySet<string> = new Set(COMMAND_VERBS);

/**
 * The Nest transport strategy for the Pulse line protocol: owns the TCP listener, applies the
 * connection and in-flight limits, and routes each run of commands to its @MessagePattern handler.
 * Framing and reply ordering live in LineConnection.
 */
export class LineTransportServer
  extends Server<LineTransportEvents, LineTransportStatus>
  implements CustomTransportStrategy, CommandExecutor, InFlightCounter
{
  inFlight = 0;
  private readonly log = new Logger(LineTransportServer.name);
  private server: NetServer | undefined;
  /** net.Server#close only stops accepting: open connections are tracked to drain and close them. */
  private readonly connections = new Map<Socket, LineConnection>();
  /** Connections refused with 503, waiting for their line: destroyed at close if still open. */
  private readonly refused = new Set<Socket>();
  private address = '';
  /** One batcher per batched verb: a turn's LOG runs of all connections make one handler call. */
  private readonly batchers = new Map<string, TurnBatcher>();

  constructor(private readonly options: TransportOptions) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
      this.accept(socket),
    );
    this.server = server;
    server.maxConnections = Number.MAX_SAFE_INTEGER; // we answer 503 ourselves instead of resetting
    server.once('error', (error) => callback(error));
    server.listen(this.options.port, this.options.host, () => {
      const { address, port } = server.address() as AddressInfo;
      this.address = `${address}:${port}`;
      this.log.log(
        `listening on ${this.address} (max ${this.options.maxConnections} connections, ` +
          `${this.options.maxInFlight} commands in flight, window ${CONNECTION_WINDOW} per connection)`,
      );
      this._status$.next('listening');
      callback();
    });
  }

  canRoute(verb: string): boolean {
    return ROUTABLE.has(verb) && this.messageHandlers.has(verb);
  }

  execute(verb: string, commands: string[][], done: ReplyCallback): void {
    if (BATCHED_VERBS.has(verb)) {
      let batcher = this.batchers.get(verb);
      if (!batcher) {
        batcher = new TurnBatcher((batch) => this.callHandler(verb, batch));
        this.batchers.set(verb, batcher);
      }
      batcher.submit(commands, done);
      return;
    }
    this.callHandler(verb, commands).then(done, () =>
      done(commands.map(() => Replies.internalError)),
    );
  }

  private async callHandler(verb: string, commands: string[][]): Promise<string[]> {
    const handler = this.messageHandlers.get(verb);
    if (!handler) return commands.map(() => Replies.internalError);
    const result = await handler(commands, new LineContext([verb]));
    return (await lastValueFrom(this.transformToObservable(result))) as string[];
  }

  /** Stops accepting, answers what was received (within the drain timeout), then closes. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.log.log(`closed listener on ${this.address}`);
    const pending = this.inFlight;
    const drained = await Promise.race([
      Promise.all([...this.connections.values()].map((c) => c.drain())).then(() => true),
      new Promise<false>((resolve) =>
        setTimeout(() => resolve(false), this.options.drainTimeoutMs).unref(),
      ),
    ]);
    const count = this.connections.size;
    for (const connection of this.connections.values()) connection.close();
    if (drained)
      this.log.log(`answered ${pending} commands in flight; closing ${count} connections`);
    else
      this.log.warn(
        `drain timeout: ${this.inFlight} commands unanswered; closing ${count} connections`,
      );
    for (const socket of [...this.connections.keys(), ...this.refused]) {
      setTimeout(() => socket.destroy(), 500).unref();
    }
    await closed;
    this.log.log(`closed ${count} connections`);
    this._status$.next('closed');
  }

  on<K extends keyof LineTransportEvents>(event: K, callback: LineTransportEvents[K]): void {
    this.server?.on(event, callback as (...args: unknown[]) => void);
  }

  unwrap<T>(): T {
    return this.server as T;
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= this.options.maxConnections) {
      this.refuseBusy(socket);
      return;
    }
    this.connections.set(socket, new LineConnection(socket, this, this, this.options));
    socket.once('close', () => this.connections.delete(socket));
  }

  /** Over the connection limit: read the first line, answer 503, close with FIN (never a reset). */
  private refuseBusy(socket: Socket): void {
    let answered = false;
    this.refused.add(socket);
    socket.once('close', () => this.refused.delete(socket));
    const answer = () => {
      if (answered) return;
      answered = true;
      socket.end(`${Replies.busy}\n`);
      setTimeout(() => socket.destroy(), 2_000).unref();
    };
    socket.setTimeout(this.options.idleTimeoutMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      if (chunk.includes(10)) answer();
    });
    socket.on('end', answer);
    socket.on('error', () => socket.destroy());
  }
}
