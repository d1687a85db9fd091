import { Logger } from '@nestjs/common';
import { Replies } from '@app/protocol';
import { AddressInfo, Socket, connect } from 'node:net';
import { LineTransportServer } from './line-transport.server';
import { TransportOptions } from './transport-options';

const options: TransportOptions = {
  host: '127.0.0.1',
  port: 0,
  maxConnections: 3,
  maxInFlight: 100_000,
  maxLineBytes: 64,
  idleTimeoutMs: 60_000,
  drainTimeoutMs: 2_000,
};

/** Reads whole reply lines from a raw socket. */
class RawClient {
  lines: string[] = [];
  ended = false;
  private buffered = '';
  private waiters: (() => void)[] = [];
  constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (t: string) => {
      this.buffered += t;
      const parts = this.buffered.split('\n');
      this.buffered = parts.pop() ?? '';
      this.lines.push(...parts);
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('end', () => {
      this.ended = true;
      this.waiters.splice(0).forEach((w) => w());
    });
  }
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((r) => this.waiters.push(r));
  }
  async lineCount(n: number): Promise<string[]> {
    await this.until(() => this.lines.length >= n || this.ended);
    return this.lines.slice(0, n);
  }
}

describe('LineTransportServer', () => {
  let server: LineTransportServer;
  let port: number;
  const sockets: Socket[] = [];
  let releaseQueries: () => void = () => undefined;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    server = new LineTransportServer(options);
    // LOG echoes its value after a tick; QUERY waits until the test releases it.
    server.addHandler('LOG', async (commands: string[][]) => {
      await new Promise((r) => setImmediate(r));
      return commands.map((c) => `201 ${c.join(' ')}`);
    });
    let gate = new Promise<void>((r) => (releaseQueries = r));
    server.addHandler('QUERY', async (commands: string[][]) => {
      await gate;
      gate = Promise.resolve();
      return commands.map((c) => `200 [${c.join(',')}]`);
    });
    await new Promise<void>((resolve, reject) => server.listen((e) => (e ? reject(e) : resolve())));
    port = (server.unwrap<import('node:net').Server>().address() as AddressInfo).port;
  });
  afterEach(async () => {
    releaseQueries();
    sockets.splice(0).forEach((s) => s.destroy());
    await server.close();
  });

  async function client(): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    await new Promise((r) => socket.once('connect', r));
    return new RawClient(socket);
  }

  it('answers pipelined commands in order even when a later run completes first', async () => {
    const c = await client();
    c.socket.write('QUERY a\nLOG x 1\nFOO\n\n"LOG" x 1\nLOG x 2\n');
    await new Promise((r) => setTimeout(r, 20));
    expect(c.lines).toEqual([]);
    releaseQueries();
    expect(await c.lineCount(6)).toEqual([
      '200 [a]',
      '201 x 1',
      Replies.unknownCommand,
      Replies.unknownCommand,
      Replies.unknownCommand,
      '201 x 2',
    ]);
  });

  it('answers invalid UTF-8 with the unknown-command reply and keeps serving', async () => {
    const c = await client();
    c.socket.write(Buffer.from([0x4c, 0x4f, 0x47, 0x20, 0xff, 0xfe, 0x0a]));
    c.socket.write('LOG ok 1\r\n');
    expect(await c.lineCount(2)).toEqual([Replies.unknownCommand, '201 ok 1']);
  });

  it('answers a final line without newline after a half-close, then closes', async () => {
    const c = await client();
    c.socket.end('LOG last 7');
    await c.until(() => c.ended);
    expect(c.lines).toEqual(['201 last 7']);
  });

  it('answers a too-long line at once, before its newline, and closes gracefully', async () => {
    const c = await client();
    c.socket.write(`LOG a 1\n${'x'.repeat(65)}`);
    await c.until(() => c.ended);
    expect(c.lines).toEqual(['201 a 1', Replies.lineTooLong]);
  });

  it('answers 503 over the connection limit at accept, without a line, and serves again after', async () => {
    const held = [await client(), await client(), await client()];
    await Promise.all(held.map((c) => (c.socket.write('LOG h 1\n'), c.lineCount(1))));
    const extra = await client();
    const errors: Error[] = [];
    extra.socket.on('error', (e) => errors.push(e));
    await extra.until(() => extra.ended); // it sent nothing
    expect(extra.lines).toEqual([Replies.busy]);
    expect(errors).toEqual([]);
    held[0].socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const again = await client();
    again.socket.write('LOG b 2\n');
    expect(await again.lineCount(1)).toEqual(['201 b 2']);
  });

  it('answers 500 for a handler that throws, rejects or miscounts its replies, and serves on', async () => {
    server.addHandler('NEW-ALERT', (commands: string[][]) => {
      if (commands[0][0] === 'throw') throw new Error('handler bug');
      return commands[0][0] === 'reject'
        ? Promise.reject(new Error('disk on fire'))
        : Promise.resolve(['too', 'many', 'replies']);
    });
    const c = await client();
    c.socket.write(
      'NEW-ALERT throw\nLOG a 1\nNEW-ALERT reject\nLOG b 2\nNEW-ALERT wrong-count\nLOG c 3\n',
    );
    expect(await c.lineCount(6)).toEqual([
      Replies.internalError,
      '201 a 1',
      Replies.internalError,
      '201 b 2',
      Replies.internalError, // three replies for one command would shift every later reply
      '201 c 3',
    ]);
  });

  it('routes only protocol verbs with a handler, scheduled as their pattern extras declare', () => {
    server.addHandler('NEW-ALERT', async () => [], false, { writeOnly: true });
    expect(server.route('LOG')?.writeOnly).toBe(false); // added without extras
    expect(server.route('NEW-ALERT')?.writeOnly).toBe(true);
    server.addHandler('STATS', async () => []);
    expect(server.route('STATS')).toBeUndefined(); // not a verb of PROTOCOL.md
  });

  it('logs listener errors after start-up (EMFILE on accept) and serves on', async () => {
    const listener = server.unwrap<import('node:net').Server>();
    // Without a listener of its own, the second of these would end the process.
    expect(() => {
      listener.emit('error', new Error('accept EMFILE'));
      listener.emit('error', new Error('accept EMFILE'));
    }).not.toThrow();
    const c = await client();
    c.socket.write('LOG ok 1\n');
    expect(await c.lineCount(1)).toEqual(['201 ok 1']);
  });

  it('stops reading from a client that does not read its replies, and catches up later', async () => {
    const c = await client();
    c.socket.pause();
    const total = 100_000;
    const payload = Buffer.from('LOG m 1\n'.repeat(total));
    c.socket.write(payload);
    await new Promise((r) => setTimeout(r, 300));
    // Bounded: the server holds at most a window of commands plus its socket buffers.
    expect(server.inFlight).toBeLessThanOrEqual(2048);
    c.socket.resume();
    await c.lineCount(total);
    expect(c.lines).toHaveLength(total);
    expect(c.lines.every((l) => l === '201 m 1')).toBe(true);
  });

  it('drains commands already received when closing', async () => {
    const c = await client();
    c.socket.write('QUERY q\n');
    await new Promise((r) => setTimeout(r, 20));
    const closing = server.close();
    releaseQueries();
    await closing;
    await c.until(() => c.ended);
    expect(c.lines).toEqual(['200 [q]']);
    server = new LineTransportServer(options); // afterEach closes a fresh one
  });
});
