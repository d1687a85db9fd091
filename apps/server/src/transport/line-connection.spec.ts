import { Replies } from '@app/protocol';
import { once } from 'node:events';
import { AddressInfo, Server, Socket, connect, createServer } from 'node:net';
import { LineConnection } from './line-connection';
import { LineRoute, LineRouter, ReplyReceiver } from './line-route';
import { TransportOptions } from './transport-options';

const options: TransportOptions = {
  host: '127.0.0.1',
  port: 0,
  maxConnections: 10,
  maxInFlight: 100_000,
  maxLineBytes: 64,
  idleTimeoutMs: 60_000,
  drainTimeoutMs: 2_000,
};

/** LOG answers `201 <args>` on the next turn and records what it executed; HOLD waits for release. */
class FakeRouter implements LineRouter {
  readonly executed: string[] = [];
  private held: (() => void)[] = [];
  private readonly routes = new Map<string, LineRoute>([
    ['LOG', this.makeRoute('LOG', true, (run, reply) => setImmediate(reply))],
    ['HOLD', this.makeRoute('HOLD', false, (run, reply) => this.held.push(reply))],
  ]);

  route(verb: string): LineRoute | undefined {
    return this.routes.get(verb);
  }

  release(): void {
    this.held.splice(0).forEach((reply) => reply());
  }

  private makeRoute(
    verb: string,
    writeOnly: boolean,
    later: (commands: string[][], reply: () => void) => void,
  ): LineRoute {
    return {
      verb,
      writeOnly,
      execute: (commands: string[][], receiver: ReplyReceiver) => {
        for (const c of commands) this.executed.push(`${verb} ${c.join(' ')}`);
        later(commands, () => receiver.onReplies(commands.map((c) => `2xx ${c.join(' ')}`)));
      },
    };
  }
}

/** A client socket kept open for writing after the server's FIN, and its received text. */
class HalfOpenClient {
  text = '';
  ended = false;
  constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (t: string) => (this.text += t));
    socket.on('end', () => (this.ended = true));
  }
  async lines(count: number): Promise<string[]> {
    while (this.text.split('\n').length <= count && !this.ended) await once(this.socket, 'data');
    return this.text.split('\n').slice(0, count);
  }
}

describe('LineConnection', () => {
  let listener: Server;
  let router: FakeRouter;
  let accepted: Promise<LineConnection>;
  const counter = { inFlight: 0 };

  beforeEach(async () => {
    router = new FakeRouter();
    let onAccept: (c: LineConnection) => void = () => undefined;
    accepted = new Promise((resolve) => (onAccept = resolve));
    listener = createServer({ allowHalfOpen: true }, (socket) =>
      onAccept(new LineConnection(socket, router, counter, options)),
    );
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  });
  const sockets: Socket[] = [];
  afterEach(async () => {
    router.release();
    sockets.splice(0).forEach((s) => s.destroy());
    await new Promise((resolve) => listener.close(resolve));
  });

  async function client(): Promise<[HalfOpenClient, LineConnection]> {
    const port = (listener.address() as AddressInfo).port;
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    sockets.push(socket);
    await once(socket, 'connect');
    return [new HalfOpenClient(socket), await accepted];
  }

  it('drains what it read, executes nothing after, and lingers with FIN', async () => {
    const [c, connection] = await client();
    c.socket.write('HOLD a\nLOG b 1\n');
    await new Promise((r) => setTimeout(r, 20));
    const drained = connection.drain();
    expect(connection.currentState).toBe('draining');
    c.socket.write('LOG sent-while-draining 2\n');
    router.release();
    await drained;
    connection.close();
    await once(c.socket, 'end');
    expect(connection.currentState).toBe('lingering');
    c.socket.write('LOG sent-after-fin 3\n');
    await new Promise((r) => setTimeout(r, 50));
    expect(router.executed).toEqual(['HOLD a', 'LOG b 1']);
    expect(c.text).toBe('2xx a\n2xx b 1\n');
    expect(counter.inFlight).toBe(0);
    c.socket.destroy();
  });

  it('answers the final line after the client FIN, then closes: finishing, closing, lingering', async () => {
    const [c, connection] = await client();
    c.socket.end('HOLD x\nLOG y 1\nLOG last');
    await new Promise((r) => setTimeout(r, 20));
    expect(connection.currentState).toBe('closing');
    router.release();
    expect(await c.lines(3)).toEqual(['2xx x', '2xx y 1', '2xx last']);
    await once(c.socket, 'close');
    expect(router.executed).toEqual(['HOLD x', 'LOG y 1', 'LOG last']);
  });

  it('answers a too-long line, executes nothing after it, and closes', async () => {
    const [c, connection] = await client();
    c.socket.write(`LOG a 1\n${'x'.repeat(65)}`);
    await once(c.socket, 'end');
    c.socket.write('\nLOG after 2\n');
    await new Promise((r) => setTimeout(r, 20));
    expect(c.text).toBe(`2xx a 1\n${Replies.lineTooLong}\n`);
    expect(router.executed).toEqual(['LOG a 1']);
    expect(connection.currentState).not.toBe('reading');
    c.socket.destroy();
  });

  it('pauses while its window is full, and reads on when half of it is answered', async () => {
    const [c, connection] = await client();
    c.socket.write('HOLD h\n' + 'LOG m 1\n'.repeat(3000));
    await new Promise((r) => setTimeout(r, 50));
    expect(connection.currentState).toBe('paused');
    // The LOGs wait behind the HOLD before them; a window of commands is read, no more.
    expect(router.executed).toEqual(['HOLD h']);
    expect(counter.inFlight).toBe(1024);
    router.release();
    expect(await c.lines(3001)).toHaveLength(3001);
    expect(connection.currentState).toBe('reading');
    expect(router.executed).toHaveLength(3001);
    c.socket.destroy();
  });
});
