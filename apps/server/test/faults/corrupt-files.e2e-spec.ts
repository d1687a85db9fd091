/**
 * Damaged data files at start-up: a torn or truncated WAL tail, a WAL record failing its
 * checksum, blocks with a bad index, cut in half or empty, a leftover temporary block, a chunk
 * failing its checksum, and a torn alert rules log. The server starts, serves everything it
 * can still read, and logs what it dropped.
 */
import { open, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { activeRules } from '../support/active-rules';
import { LineClient } from '../support/line-client';
import { REPLY } from '../support/replies';
import { freshDataDir, PulseServer } from '../support/spawn-server';
import { useServerPool } from '../support/server-pool';
import { blockIndex, sequencedFiles, walRecords } from './data-files';

/** Heads are flushed to a block only by a graceful stop. */
const ENV = { PULSE_FLUSH_VALUES: '1000000' };
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const listing = (values: number[]) => `200 [${values.map((v) => v.toFixed(1)).join(', ')}]\n`;
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function patch(path: string, position: number, bytes: Buffer): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, position);
  } finally {
    await handle.close();
  }
}

async function flipByte(path: string, position: number): Promise<void> {
  const [byte] = (await readFile(path)).subarray(position, position + 1);
  await patch(path, position, Buffer.from([byte ^ 0xff]));
}

describe('damaged data files at start-up', () => {
  const pool = useServerPool();
  const logged = <Args extends unknown[]>(fn: (...args: Args) => Promise<void>) =>
    pool.logged(fn, 2);
  const start = (dataDir: string) => pool.start({ dataDir, env: ENV });

  /** Sends each batch as its own pipelined write and waits for its acknowledgements. */
  async function logBatches(server: PulseServer, id: string, batches: number[][]): Promise<void> {
    const client = await LineClient.connect(server.port);
    for (const batch of batches) {
      const replies = await client.pipeline(batch.map((value) => `LOG ${id} ${value}`));
      expect(replies).toEqual(batch.map(() => REPLY.inserted));
    }
    client.destroy();
  }

  async function ask(server: PulseServer, lines: string[]): Promise<string[]> {
    const client = await LineClient.connect(server.port);
    const replies = await client.pipeline(lines, 10000);
    client.destroy();
    return replies;
  }

  /** 100 values of `id` in ten WAL records of ten, left in the WAL by a SIGKILL. */
  async function walOfTenRecords(id: string): Promise<{ dataDir: string; segment: string }> {
    const dataDir = await freshDataDir();
    const server = await start(dataDir);
    const batches = Array.from({ length: 10 }, (_, b) => range(b * 10 + 1, b * 10 + 10));
    await logBatches(server, id, batches);
    await server.kill();
    const [segment] = await sequencedFiles(dataDir, 'wal', '.wal');
    return { dataDir, segment };
  }

  it(
    'cuts a torn WAL tail with a warning and keeps every complete record',
    logged(async () => {
      const { dataDir, segment } = await walOfTenRecords('torn');
      const records = await walRecords(segment);
      const end = records[records.length - 1].end;
      // The start of a record whose body never made it: a length, a checksum, 20 body bytes.
      const torn = Buffer.concat([
        Buffer.from([64, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef]),
        Buffer.alloc(20, 0x5a),
      ]);
      await patch(segment, end, torn);

      const second = await start(dataDir);
      expect(second.output).toMatch(
        new RegExp(`cut ${torn.length} torn bytes from ${escape(segment)} at offset ${end}`),
      );
      expect(await ask(second, ['QUERY torn MIN 0', 'LOG torn 101'])).toEqual([
        listing(range(1, 100)),
        REPLY.inserted,
      ]);
      await second.kill();
      const third = await start(dataDir);
      expect(third.output).not.toMatch(/torn bytes/);
      expect(await ask(third, ['QUERY torn MIN 0'])).toEqual([listing(range(1, 101))]);
    }),
    30000,
  );

  it(
    'drops only the last record of a WAL cut in the middle of it, and says so',
    logged(async () => {
      const { dataDir, segment } = await walOfTenRecords('cut');
      const records = await walRecords(segment);
      const last = records[records.length - 1];
      const lastCount = (await readFile(segment)).readUInt32LE(last.start + 8);
      await truncate(segment, last.start + 14);

      const second = await start(dataDir);
      expect(second.output).toMatch(
        new RegExp(`cut \\d+ torn bytes from ${escape(segment)} at offset ${last.start}`),
      );
      expect(await ask(second, ['QUERY cut MIN 0'])).toEqual([listing(range(1, 100 - lastCount))]);
    }),
    30000,
  );

  it(
    'stops replay at a record failing its checksum, keeps the records before it, and says so',
    logged(async () => {
      const { dataDir, segment } = await walOfTenRecords('crc');
      const records = await walRecords(segment);
      const file = await readFile(segment);
      const kept = records.slice(0, 4);
      const keptValues = kept.reduce((sum, r) => sum + file.readUInt32LE(r.start + 8), 0);
      await flipByte(segment, records[4].end - 3); // inside the values of the fifth record

      const second = await start(dataDir);
      expect(second.output).toMatch(
        new RegExp(`cut \\d+ torn bytes from ${escape(segment)} at offset ${records[4].start}`),
      );
      expect(await ask(second, ['QUERY crc MIN 0', 'LOG crc 1000'])).toEqual([
        listing(range(1, keptValues)),
        REPLY.inserted,
      ]);
    }),
    30000,
  );

  it(
    'sets aside blocks with a bad index, cut in half or empty, removes a leftover temporary block, serves the rest',
    logged(async () => {
      const dataDir = await freshDataDir();
      for (const id of ['blk-a', 'blk-b', 'blk-c', 'blk-d']) {
        const server = await start(dataDir);
        await logBatches(server, id, [range(1, 50)]);
        expect((await server.stop()).code).toBe(0); // one block per lifetime
      }
      const blocks = await sequencedFiles(dataDir, 'blocks', '.blk');
      expect(blocks).toHaveLength(4);
      const index = await blockIndex(blocks[0]);
      await flipByte(blocks[0], index.offset + 2);
      const half = (await readFile(blocks[1])).length / 2;
      await truncate(blocks[1], Math.floor(half));
      await truncate(blocks[2], 0);
      const leftover = join(dataDir, 'blocks', '0000000009.blk.tmp');
      await writeFile(leftover, 'half-written block');

      const server = await start(dataDir);
      for (const [path, reason] of [
        [blocks[0], 'index checksum mismatch'],
        [blocks[1], ''],
        [blocks[2], 'file too short for a footer'],
      ]) {
        expect(server.output).toMatch(
          new RegExp(
            `dropped corrupt block ${escape(path)} \\(${escape(reason)}.*kept as ${escape(path)}\\.corrupt`,
          ),
        );
      }
      expect(
        await ask(server, [
          'QUERY blk-a COUNT 1e12',
          'QUERY blk-b COUNT 1e12',
          'QUERY blk-c COUNT 1e12',
          'QUERY blk-d MIN 0',
          'LOG blk-a 99',
        ]),
      ).toEqual([
        REPLY.notFound,
        REPLY.notFound,
        REPLY.notFound,
        listing(range(1, 50)),
        REPLY.inserted,
      ]);
      const names = await readdir(join(dataDir, 'blocks'));
      expect(names.filter((name) => name.endsWith('.corrupt'))).toHaveLength(3);
      expect(names).not.toContain('0000000009.blk.tmp');
      expect((await server.stop()).code).toBe(0);

      const again = await start(dataDir);
      expect(again.output).not.toMatch(/dropped corrupt block/);
      expect(await ask(again, ['QUERY blk-a MIN 0', 'QUERY blk-d MIN 0'])).toEqual([
        listing([99]),
        listing(range(1, 50)),
      ]);
    }),
    40000,
  );

  it(
    'serves the other metrics of a block whose chunk fails its checksum, never a damaged value',
    logged(async () => {
      const dataDir = await freshDataDir();
      const first = await start(dataDir);
      await logBatches(first, 'chunk-a', [range(1, 1000), range(1001, 2000), range(2001, 3000)]);
      await logBatches(first, 'chunk-b', [range(1, 10)]);
      expect((await first.stop()).code).toBe(0);
      const [block] = await sequencedFiles(dataDir, 'blocks', '.blk');
      await flipByte(block, 6); // the first value of chunk-a's first chunk

      const second = await start(dataDir);
      const [intact, damaged, logReply] = await ask(second, [
        'QUERY chunk-b MIN 0',
        'QUERY chunk-a MIN 0',
        'LOG chunk-b 11',
      ]);
      expect(intact).toBe(listing(range(1, 10)));
      expect(logReply).toBe(REPLY.inserted);
      if (damaged !== REPLY.internalError) {
        // Whatever is served must be stored values, in order.
        const served = damaged.slice(5, -2).split(', ').map(Number);
        expect(
          served.every(
            (v, i) => Number.isInteger(v) && v >= 1 && v <= 3000 && (i === 0 || v > served[i - 1]),
          ),
        ).toBe(true);
      }
      expect(second.output).toMatch(/checksum/);
    }),
    30000,
  );

  it(
    'starts with a torn alert rules log, cuts and logs the torn record, keeps the others, and serves',
    logged(async () => {
      const dataDir = await freshDataDir();
      const first = await start(dataDir);
      expect(
        await ask(first, [
          'LOG rules 1',
          'NEW-ALERT rules MAX 60 5',
          'NEW-ALERT rules MIN 60 5',
          'NEW-ALERT rules AVG 60 5',
        ]),
      ).toEqual([
        REPLY.inserted,
        REPLY.alertRegistered,
        REPLY.alertRegistered,
        REPLY.alertRegistered,
      ]);
      expect((await first.stop()).code).toBe(0);
      // The three rules were one append: cut its last record in half, as a crash would have.
      const rulesPath = join(dataDir, 'alerts', 'rules.log');
      const text = await readFile(rulesPath, 'utf8');
      const lastStart = text.lastIndexOf('\n', text.length - 2) + 1;
      await writeFile(rulesPath, text.slice(0, lastStart + (text.length - lastStart) / 2));

      const second = pool.track(PulseServer.spawn({ dataDir, env: ENV }));
      await second.waitForOutput(/listening on [^\s:]+:(\d+)|exited/, 15000).catch(() => undefined);
      const ready = /listening on [^\s:]+:(\d+)/.exec(second.output);
      expect({ started: ready !== null, exited: second.hasExited }).toEqual({
        started: true,
        exited: false,
      });
      second.port = Number(ready![1]);
      expect(second.output).toMatch(/cut \d+ torn bytes off \S*rules\.log at offset/);
      expect((await activeRules(second)).map((rule) => rule.rule)).toEqual([
        'rules MAX 60 5',
        'rules MIN 60 5',
      ]);
      expect(
        await ask(second, ['QUERY rules MIN 0', 'LOG rules 2', 'NEW-ALERT rules AVG 60 5']),
      ).toEqual([listing([1]), REPLY.inserted, REPLY.alertRegistered]);
    }),
    30000,
  );
});
