/**
 * Line framing over real TCP: pipelining, reassembly, half-close, the line-length limit, the idle
 * timeout and many connections at once.
 */
import { LineClient } from './support/line-client';
import { firstMismatch, REPLY, uniqueId } from './support/replies';
import {
  freshDataDir,
  PulseServer,
  removeDataDirs,
  withServerOutput,
} from './support/spawn-server';

/** Waits for the next turn of the event loop, so consecutive writes leave as separate packets. */
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('framing', () => {
  let server: PulseServer | undefined;
  const logged = <Args extends unknown[]>(fn: (...args: Args) => Promise<void>) =>
    withServerOutput(() => [server], fn);

  afterEach(() => LineClient.destroyAll());

  afterAll(async () => {
    LineClient.destroyAll();
    await PulseServer.killAll();
    await removeDataDirs();
  });

  describe('with default limits', () => {
    beforeAll(async () => {
      server = await PulseServer.start({ dataDir: await freshDataDir() });
    });

    afterAll(async () => {
      LineClient.destroyAll();
      await server?.stop();
    });

    it(
      'answers 5,000 mixed commands sent in one write, each in order',
      logged(async () => {
        const ids = [uniqueId('pipe-a'), uniqueId('pipe-b')];
        const counts = [0, 0];
        const commands: string[] = [];
        const expected: string[] = [];
        for (let i = 0; i < 5000; i += 1) {
          const which = i % 2;
          const id = ids[which];
          switch (i % 7) {
            case 3:
              commands.push(`QUERY ${id} COUNT 1000000`);
              expected.push(counts[which] === 0 ? REPLY.notFound : `200 [${counts[which]}]\n`);
              break;
            case 5:
              commands.push(i % 2 ? 'FOO' : `LOG ${id} NaN`);
              expected.push(i % 2 ? REPLY.unknownCommand : REPLY.logUsage);
              break;
            default:
              commands.push(`LOG ${id} ${i}`);
              counts[which] += 1;
              expected.push(REPLY.inserted);
          }
        }
        const client = await LineClient.connect(server!.port);
        await client.write(commands.map((command) => `${command}\n`).join(''));
        const replies = await client.nextLines(commands.length, 30000);
        expect(firstMismatch(commands, expected, replies)).toBeUndefined();
        expect(await client.request(`QUERY ${ids[0]} COUNT 1000000`)).toBe(`200 [${counts[0]}]\n`);
        expect(client.buffered).toBe(0);
      }),
      60000,
    );

    it(
      'reassembles commands written one byte at a time',
      logged(async () => {
        const id = uniqueId('bytes');
        const client = await LineClient.connect(server!.port);
        client.socket.setNoDelay(true);
        // `é` is two bytes: split across writes it must still decode (a LOG usage, not the
        // invalid-UTF-8 unknown-command reply).
        const text = `LOG ${id} 12.5\nQUERY ${id} MAX 1000000\r\nLOG caf\u00e9 1\n`;
        for (const byte of Buffer.from(text)) {
          await client.write(Buffer.from([byte]));
          await nextTick();
        }
        expect(await client.nextLines(3)).toEqual([REPLY.inserted, '200 [12.5]\n', REPLY.logUsage]);
        expect(await client.request('FOO')).toBe(REPLY.unknownCommand);
        expect(client.buffered).toBe(0);
      }),
    );

    it(
      'answers a final line without newline after the client half-closes, then closes',
      logged(async () => {
        const id = uniqueId('eof');
        const client = await LineClient.connect(server!.port);
        await client.write(`LOG ${id} 1\nLOG ${id} 2`);
        client.end();
        expect(await client.nextLines(2)).toEqual([REPLY.inserted, REPLY.inserted]);
        expect(await client.closed()).toEqual({ ended: true, error: undefined });
        expect(client.partial).toBe('');

        const check = await LineClient.connect(server!.port);
        expect(await check.request(`QUERY ${id} MIN 0`)).toBe('200 [1.0, 2.0]\n');
      }),
    );

    it(
      'closes a connection that half-closes with nothing pending',
      logged(async () => {
        const client = await LineClient.connect(server!.port);
        expect(await client.request(`LOG ${uniqueId('eof-empty')} 1`)).toBe(REPLY.inserted);
        client.end();
        expect(await client.closed()).toEqual({ ended: true, error: undefined });
      }),
    );

    it(
      'serves 50 connections at once, each doing a few commands',
      logged(async () => {
        const shared = uniqueId('shared');
        const clients = await Promise.all(
          Array.from({ length: 50 }, () => LineClient.connect(server!.port)),
        );
        await Promise.all(
          clients.map(async (client, index) => {
            const own = uniqueId(`conn-${index}`);
            expect(await client.request(`LOG ${own} ${index}`)).toBe(REPLY.inserted);
            expect(await client.request(`LOG ${shared} ${index}`)).toBe(REPLY.inserted);
            expect(
              await client.pipeline([`LOG ${own} ${index + 1}`, `QUERY ${own} COUNT 1000000`]),
            ).toEqual([REPLY.inserted, '200 [2]\n']);
            expect(await client.request(`QUERY ${own} MAX 1000000`)).toBe(`200 [${index + 1}.0]\n`);
          }),
        );
        expect(await clients[0].request(`QUERY ${shared} COUNT 1000000`)).toBe('200 [50]\n');
      }),
      30000,
    );
  });

  describe('with PULSE_MAX_LINE_BYTES=64', () => {
    const limit = 64;

    beforeAll(async () => {
      server = await PulseServer.start({
        dataDir: await freshDataDir(),
        env: { PULSE_MAX_LINE_BYTES: String(limit) },
      });
    });

    afterAll(async () => {
      LineClient.destroyAll();
      await server?.stop();
    });

    /** `LOG <id> 1` padded with id characters to exactly `length` bytes. */
    const logLineOf = (length: number) => {
      const id = uniqueId('len');
      return `LOG ${id.padEnd(length - 'LOG  1'.length, 'x')} 1`;
    };

    it(
      'processes a line of exactly the limit, with LF or CRLF',
      logged(async () => {
        const client = await LineClient.connect(server!.port);
        const line = logLineOf(limit);
        expect(Buffer.byteLength(line)).toBe(limit);
        expect(await client.request(line)).toBe(REPLY.inserted);
        await client.write(`${logLineOf(limit)}\r\n`);
        expect(await client.nextLine()).toBe(REPLY.inserted);
      }),
    );

    it(
      'answers a line one byte over the limit before its newline, then closes',
      logged(async () => {
        const client = await LineClient.connect(server!.port);
        await client.write('X'.repeat(limit + 1));
        expect(await client.nextLine()).toBe(REPLY.lineTooLong);
        expect((await client.closed()).ended).toBe(true);
        expect(client.partial).toBe('');
      }),
    );

    it(
      'answers earlier pipelined commands first, and never executes the long line',
      logged(async () => {
        const id = uniqueId('long');
        // A valid LOG (value 1 with leading zeros) that is one byte over the limit.
        const prefix = `LOG ${id} `;
        const line = `${prefix}${'1'.padStart(limit + 1 - prefix.length, '0')}`;
        expect(Buffer.byteLength(line)).toBe(limit + 1);
        const client = await LineClient.connect(server!.port);
        await client.write(`FOO\n${line}\nQUERY ${id} COUNT 1\n`);
        expect(await client.nextLines(2)).toEqual([REPLY.unknownCommand, REPLY.lineTooLong]);
        expect((await client.closed()).ended).toBe(true);
        expect(client.buffered).toBe(0);

        const check = await LineClient.connect(server!.port);
        expect(await check.request(`QUERY ${id} COUNT 1`)).toBe(REPLY.notFound);
      }),
    );
  });

  describe('with PULSE_IDLE_TIMEOUT_SECONDS=1', () => {
    beforeAll(async () => {
      server = await PulseServer.start({
        dataDir: await freshDataDir(),
        env: { PULSE_IDLE_TIMEOUT_SECONDS: '1' },
      });
    });

    afterAll(async () => {
      LineClient.destroyAll();
      await server?.stop();
    });

    it(
      'closes an idle connection within about 3 s, but not a busy one',
      logged(async () => {
        const silent = await LineClient.connect(server!.port);
        const idle = await LineClient.connect(server!.port);
        const busy = await LineClient.connect(server!.port);
        const id = uniqueId('idle');
        expect(await idle.request(`LOG ${id} 1`)).toBe(REPLY.inserted);
        const idleSince = Date.now();

        // The busy connection sends a command every 250 ms for 2.5 s: never idle for 1 s.
        const busyRun = async () => {
          for (let i = 0; i < 10; i += 1) {
            expect(await busy.request(`LOG ${id} ${i}`)).toBe(REPLY.inserted);
            await new Promise((resolve) => setTimeout(resolve, 250));
            expect(busy.isClosed).toBe(false);
          }
        };
        const closedAt = async (client: LineClient) => {
          const info = await client.closed(3500);
          return { ...info, after: Date.now() - idleSince };
        };

        const [silentClose, idleClose] = await Promise.all([
          closedAt(silent),
          closedAt(idle),
          busyRun(),
        ]);
        expect(silentClose.ended || silentClose.error !== undefined).toBe(true);
        expect(idleClose.ended || idleClose.error !== undefined).toBe(true);
        expect(idleClose.after).toBeGreaterThanOrEqual(900);
        expect(busy.isClosed).toBe(false);
        expect(await busy.request(`QUERY ${id} COUNT 1000000`)).toBe('200 [11]\n');
        // Once it stops sending, the busy connection times out too.
        await busy.closed(3500);
      }),
      15000,
    );
  });
});
