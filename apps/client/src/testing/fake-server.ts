import { Replies } from '@app/protocol';
import { ConnectionLostError } from '../connection/connection-lost.error';
import { LoadConnection } from '../load/load-connection';

interface Pending {
  command: string;
  resolve: (reply: string) => void;
  reject: (error: Error) => void;
}

/** What the fake server answers a command: a reply, or undefined to hold it (answer later). */
export type Responder = (command: string) => string | undefined;

/**
 * A connection to FakeServer. Replies keep the order of the commands, as on the wire: a command
 * is answered at once only if none before it is held.
 */
export class FakeConnection implements LoadConnection {
  readonly held: Pending[] = [];
  readonly commands: string[] = [];
  closed = false;
  destroyedWith: string | undefined;
  private readonly listeners: ((error: Error | undefined) => void)[] = [];

  constructor(private readonly server: FakeServer) {}

  send(command: string): Promise<string> {
    if (this.closed) return Promise.reject(new ConnectionLostError('closed'));
    this.commands.push(command);
    this.server.received.push({ command, at: this.server.now() });
    return new Promise((resolve, reject) => {
      const reply = this.held.length === 0 ? this.server.respond(command) : undefined;
      if (reply !== undefined) resolve(reply);
      else this.held.push({ command, resolve, reject });
    });
  }

  /** Answers the `count` oldest held commands with `reply`. */
  answer(count: number, reply: string = Replies.metricInserted): void {
    for (const pending of this.held.splice(0, count)) pending.resolve(reply);
  }

  onClose(listener: (error: Error | undefined) => void): void {
    this.listeners.push(listener);
  }

  close(): Promise<void> {
    this.drop();
    return Promise.resolve();
  }

  destroy(reason: string): void {
    this.destroyedWith = reason;
    this.drop(new Error(reason));
  }

  /** The connection dies (server killed): held commands are rejected, listeners told. */
  drop(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    const lost = new ConnectionLostError('connection closed', { cause: error });
    for (const pending of this.held.splice(0)) pending.reject(lost);
    for (const listener of this.listeners.splice(0)) listener(error);
  }
}

/**
 * A scripted server for LoadLoop specs: refuses a number of connection attempts, answers with
 * `responder`, and records every attempt and command with the fake clock's time.
 */
export class FakeServer {
  readonly connections: FakeConnection[] = [];
  readonly attempts: number[] = [];
  readonly received: { command: string; at: number }[] = [];
  /** Connection attempts still to refuse. */
  refuse = 0;
  /** What each command is answered with (undefined: held until answer()). */
  respond: Responder = () => Replies.metricInserted;

  constructor(readonly now: () => number) {}

  readonly connect = (): Promise<LoadConnection> => {
    this.attempts.push(this.now());
    if (this.refuse > 0) {
      this.refuse -= 1;
      return Promise.reject(new Error('connect ECONNREFUSED'));
    }
    const connection = new FakeConnection(this);
    this.connections.push(connection);
    return Promise.resolve(connection);
  };

  /** The newest connection. */
  get current(): FakeConnection {
    const connection = this.connections.at(-1);
    if (!connection) throw new Error('FakeServer: no connection yet');
    return connection;
  }

  get commands(): string[] {
    return this.received.map((entry) => entry.command);
  }
}
