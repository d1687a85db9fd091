import { AddressInfo, Server, Socket, createServer } from 'node:net';
import { ConnectionLostError } from './connection-lost.error';
import { LineClient } from './line-client';

/**
 * A tiny scripted TCP server on port 0: `onLine` decides what each received line gets back
 * (undefined: nothing). Every socket is tracked so afterEach can close them all.
 */
class ScriptedServer {
  readonly sockets = new Set<Socket>();
  received: string[] = [];
  onLine: (line: string, socket: Socket) => string | undefined = (line) => `ok ${line}`;
  private readonly server: Server;

  constructor() {
    this.server = createServer({ allowHalfOpen: true }, (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      let buffered = '';
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => {
        buffered += text;
        let newline = buffered.indexOf('\n');
        while (newline !== -1) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          this.received.push(line);
          const reply = this.onLine(line, socket);
          if (reply !== undefined) socket.write(reply);
          newline = buffered.indexOf('\n');
        }
      });
      // Like Pulse, answer what was read before closing after the client's FIN (bounded here).
      socket.on('end', () => setTimeout(() => socket.end(), 100));
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () =>
        resolve((this.server.address() as AddressInfo).port),
      ),
    );
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('LineClient', () => {
  let server: ScriptedServer;
  let port: number;
  const clients: LineClient[] = [];
  const connect = async (replyTimeoutMs?: number) => {
    const client = await LineClient.connect({ host: '127.0.0.1', port, replyTimeoutMs });
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    server = new ScriptedServer();
    port = await server.listen();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await server.close();
  });

  it('pairs pipelined commands with their replies, in order', async () => {
    server.onLine = (line) => `${line.toUpperCase()}\n`;
    const client = await connect();
    const replies = await Promise.all(['a', 'b', 'c'].map((line) => client.send(line)));
    expect(replies).toEqual(['A', 'B', 'C']);
    expect(client.inFlight).toBe(0);
  });

  it('reassembles replies split across packets and several replies in one packet', async () => {
    const client = await connect();
    server.onLine = (line, socket) => {
      if (line !== 'go') return undefined;
      socket.write('first ré');
      setTimeout(() => socket.write('ponse\r\nsecond\nthird\n'), 20);
      return undefined;
    };
    const first = client.send('go');
    const second = client.send('x');
    const third = client.send('y');
    expect(await Promise.all([first, second, third])).toEqual(['first réponse', 'second', 'third']);
  });

  it('rejects every command in flight with ConnectionLostError when the server closes', async () => {
    server.onLine = (line, socket) => {
      if (line === 'bye') socket.destroy();
      return undefined;
    };
    const client = await connect();
    const closed = new Promise<Error | undefined>((resolve) => client.onClose(resolve));
    const pending = [client.send('one'), client.send('bye')];
    for (const result of await Promise.allSettled(pending)) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionLostError);
    }
    await closed;
    expect(client.isClosed).toBe(true);
    await expect(client.send('later')).rejects.toThrow(ConnectionLostError);
  });

  it('tells what the server said when it refused the connection', async () => {
    server.onLine = () => undefined;
    const client = await connect();
    const socket = [...server.sockets][0];
    socket.end('503 The server is busy, try again later\n');
    await new Promise((resolve) => client.onClose(resolve));
    await expect(client.send('LOG a 1')).rejects.toThrow(
      'connection closed by the server (it said: 503 The server is busy, try again later)',
    );
  });

  it('closes gracefully: replies to commands already sent still arrive', async () => {
    server.onLine = (line, socket) => {
      setTimeout(() => socket.write(`done ${line}\n`), 30);
      return undefined;
    };
    const client = await connect();
    const reply = client.send('slow');
    await client.close();
    expect(await reply).toBe('done slow');
  });

  it('destroys the connection when a reply takes longer than the reply timeout', async () => {
    server.onLine = () => undefined;
    const client = await connect(50);
    await expect(client.send('never')).rejects.toThrow('connection closed: no reply within 50 ms');
  });

  it('rejects connect when nothing listens', async () => {
    const closedPort = port;
    await server.close();
    await expect(LineClient.connect({ host: '127.0.0.1', port: closedPort })).rejects.toThrow(
      /ECONNREFUSED/,
    );
    server = new ScriptedServer();
    port = await server.listen();
  });
});
