/**
 * Shutdown against the built server: once SIGTERM starts the drain, commands already received are
 * answered and nothing sent later is executed, not even during the linger after the server's FIN.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { LineClient } from './support/line-client';
import { REPLY, uniqueId } from './support/replies';
import { useServerPool } from './support/server-pool';
import { freshDataDir } from './support/spawn-server';
import { within } from './support/timing';

/** A raw socket that keeps its write side open after the server's FIN (allowHalfOpen). */
class HalfOpenClient {
  text = '';

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (this.text += chunk));
  }

  static async connect(port: number): Promise<HalfOpenClient> {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    await once(socket, 'connect');
    return new HalfOpenClient(socket);
  }

  /** The complete reply lines received so far, without their newlines. */
  get lines(): string[] {
    return this.text.split('\n').slice(0, -1);
  }

  /** Resolves once `count` complete lines have arrived. */
  async waitForLines(count: number): Promise<void> {
    while (this.lines.length < count) await once(this.socket, 'data');
  }
}

describe('shutdown', () => {
  const pool = useServerPool();

  it(
    'never executes a line sent after the FIN that ends the drain, and keeps every 201',
    pool.logged(async () => {
      const dataDir = await freshDataDir();
      const first = await pool.start({ dataDir });
      const id = uniqueId('late');
      const client = await HalfOpenClient.connect(first.port);
      const { socket } = client;
      const ended = once(socket, 'end');

      socket.write(`LOG ${id} 1\n`);
      await within(client.waitForLines(1), 5000, 'the first reply');
      // LOGs in flight when the signal arrives: values 2..2001, answered in order.
      socket.write(Array.from({ length: 2000 }, (_, i) => `LOG ${id} ${i + 2}\n`).join(''));
      const exited = first.stop();
      await within(ended, 10000, "the server's FIN");
      const replies = client.lines;
      // The server lingers now, reading and discarding until the socket closes: a late line,
      // and the write side kept open so that the linger lasts while storage is still open.
      socket.write(`LOG ${id} 1000000\n`);
      expect(await exited).toEqual({ code: 0, signal: null });
      socket.destroy();
      expect(client.lines).toEqual(replies); // the late line is not answered either

      expect(replies.filter((reply) => `${reply}\n` !== REPLY.inserted)).toEqual([]);
      const answered = replies.length;
      const second = await pool.start({ dataDir });
      const check = await LineClient.connect(second.port);
      // Exactly the answered prefix 1..answered is stored: nothing executed went unanswered.
      expect(
        await check.pipeline([
          `QUERY ${id} COUNT 1e9`,
          `QUERY ${id} MAX 1e9`,
          `QUERY ${id} MIN 1e9`,
        ]),
      ).toEqual([`200 [${answered}]\n`, `200 [${answered}.0]\n`, '200 [1.0]\n']);
    }),
    30000,
  );
});
