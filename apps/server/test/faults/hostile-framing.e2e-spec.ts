/**
 * Hostile bytes on the wire, each on its own connection: empty and blank lines, CRLF, NUL bytes,
 * invalid UTF-8, a 1 MiB line without newline, 10 MiB of random bytes, one-byte writes, and a
 * fast-check byte soup. After each, the server still answers LOG and QUERY correctly.
 */
import fc from 'fast-check';
import { LineClient } from '../support/line-client';
import { REPLY, uniqueId } from '../support/replies';
import {
  freshDataDir,
  PulseServer,
  removeDataDirs,
  withServerOutput,
} from '../support/spawn-server';
import { expectedReplies, firstMisfit } from './reply-model';
import { SeededRandom } from './seeded-random';

const MAX_LINE_BYTES = 16384;
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));
const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))),
  );

describe('hostile framing', () => {
  let server: PulseServer | undefined;
  const logged = <Args extends unknown[]>(fn: (...args: Args) => Promise<void>) =>
    withServerOutput(() => [server], fn);

  beforeAll(async () => {
    server = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { PULSE_MAX_LINE_BYTES: String(MAX_LINE_BYTES) },
    });
  });

  /** After every hostile input: a fresh connection still gets LOG and QUERY right. */
  afterEach(async () => {
    LineClient.destroyAll();
    if (!server || server.hasExited) throw new Error(`the server died\n${server?.tail()}`);
    const id = uniqueId('healthy');
    const client = await LineClient.connect(server.port);
    expect(await client.pipeline([`LOG ${id} 7`, `LOG ${id} 8.5`, `QUERY ${id} MIN 0`])).toEqual([
      REPLY.inserted,
      REPLY.inserted,
      '200 [7.0, 8.5]\n',
    ]);
    client.destroy();
  });

  afterAll(async () => {
    LineClient.destroyAll();
    await server?.stop();
    await PulseServer.killAll();
    await removeDataDirs();
  });

  const id = uniqueId('framing');
  it.each<[string, Buffer, string[]]>([
    ['an empty line', bytes('\n'), [REPLY.unknownCommand]],
    ['blanks only', bytes(' \t  \t \n'), [REPLY.unknownCommand]],
    [
      'CRLF endings and a bare CRLF',
      bytes(`LOG ${id}-crlf 1\r\nQUERY ${id}-crlf MIN 0\r\n\r\n`),
      [REPLY.inserted, '200 [1.0]\n', REPLY.unknownCommand],
    ],
    ['a CR inside a token', bytes(`LOG ${id} 1\r2\n`), [REPLY.logUsage]],
    ['NUL bytes alone', bytes([0, 0, 0, 10]), [REPLY.unknownCommand]],
    ['a NUL in the id', bytes(`LOG ${id}`, [0], ' 1\n'), [REPLY.logUsage]],
    ['a NUL glued to the verb', bytes('LOG', [0], ` ${id} 1\n`), [REPLY.unknownCommand]],
    ['a NUL before the verb', bytes([0], `LOG ${id} 1\n`), [REPLY.unknownCommand]],
    ['a NUL in the value', bytes(`LOG ${id} 1`, [0], '\n'), [REPLY.logUsage]],
    ['a lone 0xff byte', bytes(`LOG ${id}`, [0xff], ' 1\n'), [REPLY.unknownCommand]],
    ['a lone continuation byte', bytes(`LOG ${id} 1`, [0x80], '\n'), [REPLY.unknownCommand]],
    ['a truncated sequence', bytes(`LOG ${id}`, [0xc3], ' 1\n'), [REPLY.unknownCommand]],
    ['an overlong encoding of /', bytes(`LOG ${id}`, [0xc0, 0xaf], ' 1\n'), [REPLY.unknownCommand]],
    ['a UTF-16 surrogate', bytes(`LOG ${id}`, [0xed, 0xa0, 0x80], ' 1\n'), [REPLY.unknownCommand]],
    [
      'a code point over U+10FFFF',
      bytes(`LOG ${id}`, [0xf4, 0x90, 0x80, 0x80], ' 1\n'),
      [REPLY.unknownCommand],
    ],
    ['invalid UTF-8 as the verb', bytes([0xfe, 0xff], '\n'), [REPLY.unknownCommand]],
  ])(
    'answers %s, then serves the same connection',
    logged(async (_name: string, payload: Buffer, expected: string[]) => {
      const probe = uniqueId('after');
      const client = await LineClient.connect(server!.port);
      await client.write(Buffer.concat([payload, bytes(`LOG ${probe} 3\nQUERY ${probe} MIN 0\n`)]));
      expect(await client.nextLines(expected.length + 2)).toEqual([
        ...expected,
        REPLY.inserted,
        '200 [3.0]\n',
      ]);
      // Nothing of the hostile line was stored under the plain id.
      expect(await client.request(`QUERY ${id} COUNT 1e9`)).toBe(REPLY.notFound);
    }),
  );

  it(
    'answers a 1 MiB line without newline with `line too long` and closes',
    logged(async () => {
      const client = await LineClient.connect(server!.port);
      // A LOG whose value runs on for 1 MiB: it must never be executed.
      const longId = uniqueId('mib');
      client.socket.write(`LOG ${longId} 1${'0'.repeat(1024 * 1024)}`);
      expect(await client.nextLine(10000)).toBe(REPLY.lineTooLong);
      await client.closed(10000);
      expect(client.buffered).toBe(0);
      const check = await LineClient.connect(server!.port);
      expect(await check.request(`QUERY ${longId} COUNT 1e9`)).toBe(REPLY.notFound);
    }),
    20000,
  );

  it(
    'answers 10 MiB of random bytes one reply per line, in order, then closes on EOF',
    logged(async () => {
      const random = SeededRandom.fromEnv(20260405);
      const soup = random.bytes(10 * 1024 * 1024);
      const expected = expectedReplies(soup, MAX_LINE_BYTES, true);
      const client = await LineClient.connect(server!.port);
      for (let at = 0; at < soup.length; at += 65536) {
        client.socket.write(soup.subarray(at, at + 65536));
      }
      client.end();
      await client.waitForLines(expected.length, 60000).catch(() => undefined);
      await client.closed(10000);
      const replies = client.takeBuffered();
      expect({ seed: random.seed, misfit: firstMisfit(expected, replies) }).toEqual({
        seed: random.seed,
        misfit: undefined,
      });
      expect(client.partial).toBe('');
    }),
    90000,
  );

  it(
    'reassembles LOG, QUERY and NEW-ALERT written one byte at a time',
    logged(async () => {
      const one = uniqueId('bytewise');
      const client = await LineClient.connect(server!.port);
      client.socket.setNoDelay(true);
      const text = `LOG ${one} 42\r\nQUERY ${one} MAX 1e9\nNEW-ALERT ${one} MAX 60 100\n`;
      for (const byte of Buffer.from(text)) {
        await client.write(Buffer.from([byte]));
        await nextTick();
      }
      expect(await client.nextLines(3)).toEqual([
        REPLY.inserted,
        '200 [42.0]\n',
        REPLY.alertRegistered,
      ]);
    }),
    20000,
  );

  it(
    'answers random byte soup (fast-check) with one fitting reply per line and closes on EOF',
    logged(async () => {
      const fragments = [
        'LOG ',
        'QUERY ',
        'NEW-ALERT ',
        `fz${process.pid}`,
        ' ',
        '\t',
        '\n',
        '\r\n',
        '\r',
        '1',
        '-0',
        '.5',
        'NaN',
        'MIN ',
        'COUNT ',
        'MAX 0 ',
        '1e9',
        '2022-02-30',
        '2022-04-26T10:00Z',
        '\u00e9',
      ].map((text) => Buffer.from(text));
      const piece = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...fragments) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a)) },
      );
      const soup = fc.array(piece, { maxLength: 80 }).map((parts) => Buffer.concat(parts));
      const cuts = fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 8 });
      await fc.assert(
        fc.asyncProperty(soup, cuts, async (data, sizes) => {
          const client = await LineClient.connect(server!.port);
          try {
            let at = 0;
            for (let i = 0; at < data.length; i += 1) {
              const size = sizes[i % sizes.length];
              await client.write(data.subarray(at, at + size));
              at += size;
              if (i % 3 === 0) await nextTick();
            }
            client.end();
            const info = await client.closed(5000);
            const misfit = firstMisfit(
              expectedReplies(data, MAX_LINE_BYTES, true),
              client.takeBuffered(),
            );
            return misfit === undefined && info.ended && !info.error && client.partial === '';
          } finally {
            client.destroy();
          }
        }),
        {
          numRuns: 150,
          seed: SeededRandom.fromEnv(424242).seed,
          interruptAfterTimeLimit: 30000,
        },
      );
    }),
    60000,
  );
});
