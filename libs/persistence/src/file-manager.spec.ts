/**
 * FileManager through its public API on a real temporary directory: the lifecycle as a whole
 * (acknowledge, restart, recover, flush, read). Over 200 lines because each case needs the whole
 * store; the parts have their own specs (wal/, block/, series/), the failures file-manager.faults.
 */
import {
  copyFile,
  mkdtemp,
  open as openFile,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { FileManager } from './file-manager.service';
import type { Clock } from './clock';
import { FaultyFs } from './testing/faulty-fs';
import { Collector, ManualClock, Totals } from './testing/scan-collectors';

describe('FileManager', () => {
  let dir: string;
  const open: FileManager[] = [];

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-fm-'));
  });
  afterEach(async () => {
    for (const fm of open.splice(0)) await fm.onApplicationShutdown().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  async function start(flushValues = 1_000_000, clock: Clock = new ManualClock()) {
    const fm = new FileManager({ dataDir: dir, durability: 'fsync', flushValues }, clock);
    await fm.onModuleInit();
    open.push(fm);
    return fm;
  }

  async function scanAll(fm: FileManager, id: string, from = -Infinity, to = Infinity) {
    const c = new Collector();
    const found = await fm.scan(id, from, to, c);
    return { found, ...c };
  }

  async function walFiles(): Promise<string[]> {
    return (await readdir(join(dir, 'wal'))).sort().map((n) => join(dir, 'wal', n));
  }

  it('acknowledges values only once they can be read, in order, with monotonic stamps', async () => {
    const clock = new ManualClock();
    const fm = await start(1_000_000, clock);
    expect(fm.hasMetric('cpu')).toBe(false);
    const first = fm.append(['cpu', 'mem'], [1, 2]);
    expect(fm.hasMetric('cpu')).toBe(false);
    await first;
    clock.t -= 5_000; // the wall clock goes backwards
    await fm.append(['cpu'], [3]);
    expect(fm.hasMetric('cpu')).toBe(true);
    const cpu = await scanAll(fm, 'cpu');
    expect(cpu.values).toEqual([1, 3]);
    expect(cpu.stamps[1]).toBeGreaterThanOrEqual(cpu.stamps[0]);
    expect((await scanAll(fm, 'nope')).found).toBe(false);
  });

  it('keeps every value across a graceful restart, through blocks and the WAL', async () => {
    let fm = await start(100);
    const expected: number[] = [];
    for (let round = 0; round < 25; round++) {
      const values = Array.from({ length: 37 }, (_, i) => round * 37 + i + 0.5);
      expected.push(...values);
      await fm.append(
        values.map(() => 'm'),
        values,
      );
    }
    expect(await readdir(join(dir, 'blocks'))).not.toHaveLength(0);
    expect((await scanAll(fm, 'm')).values).toEqual(expected);
    await fm.onApplicationShutdown();
    open.pop();
    fm = await start(100);
    expect((await scanAll(fm, 'm')).values).toEqual(expected);
  });

  it('cuts a torn last WAL record on start-up and serves the rest', async () => {
    const fs = new FaultyFs();
    const fm = new FileManager(
      { dataDir: dir, durability: 'fsync', flushValues: 1e6 },
      undefined,
      fs,
    );
    await fm.onModuleInit();
    await fm.append(['a', 'a', 'b'], [1, 2, 3]);
    await fm.append(['a'], [4]);
    // A crash: shutdown can touch no file (only the lock is let go), then half a record is
    // written at the end of the segment, as a write cut short by the crash would leave it.
    fs.failAll();
    await fm.onApplicationShutdown();
    const [segment] = (await walFiles()).slice(-1);
    const whole = await readFile(segment);
    let end = whole.length; // the records end where the preallocated zeros begin
    while (end > 0 && whole[end - 1] === 0) end--;
    const firstRecord = whole.subarray(0, 8 + whole.readUInt32LE(0));
    const handle = await openFile(segment, 'r+');
    await handle.write(firstRecord, 0, Math.floor(firstRecord.length / 2), end);
    await handle.close();
    const warnings: string[] = [];
    const recovered = new FileManager({ dataDir: dir, durability: 'fsync', flushValues: 1e6 });
    Logger.overrideLogger({
      log: () => undefined,
      error: () => undefined,
      warn: (m: string) => warnings.push(m),
    });
    await recovered.onModuleInit();
    Logger.overrideLogger(false);
    open.push(recovered);
    expect((await scanAll(recovered, 'a')).values).toEqual([1, 2, 4]);
    expect((await scanAll(recovered, 'b')).values).toEqual([3]);
    expect((await stat(segment)).size).toBe(end);
    expect(warnings.join('\n')).toMatch(/cut \d+ torn bytes/);
  });

  it('does not replay a WAL segment that a block already covers (crash before its removal)', async () => {
    const fm = await start(10);
    await fm.append(Array(5).fill('x'), [1, 2, 3, 4, 5]);
    const [segment] = await walFiles();
    const saved = `${segment}.saved`;
    await copyFile(segment, saved);
    await fm.append(Array(6).fill('x'), [6, 7, 8, 9, 10, 11]); // crosses 10: flush
    await fm.onApplicationShutdown();
    open.pop();
    await copyFile(saved, segment); // as if the removal never happened
    await rm(saved);
    const again = await start(10);
    expect((await scanAll(again, 'x')).values).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('drops a corrupt block at start-up, keeps it aside and serves the other metrics', async () => {
    let fm = await start(4);
    await fm.append(['p', 'p', 'p', 'p'], [1, 2, 3, 4]);
    await fm.onApplicationShutdown();
    open.pop();
    const blocks = await readdir(join(dir, 'blocks'));
    const path = join(dir, 'blocks', blocks[0]);
    const bytes = await readFile(path);
    bytes[bytes.length - 40] ^= 0xff; // inside the index
    await writeFile(path, bytes);
    fm = await start(4);
    await fm.append(['q'], [9]);
    expect(fm.hasMetric('p')).toBe(false);
    expect((await scanAll(fm, 'q')).values).toEqual([9]);
    expect(await readdir(join(dir, 'blocks'))).toContain(`${blocks[0]}.corrupt`);
  });

  it('lets a scan use chunk summaries instead of reading values', async () => {
    const fm = await start(3000);
    const values = Array.from({ length: 5000 }, (_, i) => i);
    await fm.append(
      values.map(() => 's'),
      values,
    );
    const c = new Collector(true);
    await fm.scan('s', -Infinity, Infinity, c);
    expect(c.summaryCount + c.values.length).toBe(5000);
    expect(c.summaries).toBeGreaterThanOrEqual(4);
    // Once the values are in a block (the restart's flush), its run summary stands for all.
    await fm.onApplicationShutdown();
    const reopened = await start(3000);
    const afterRestart = new Collector(true);
    await reopened.scan('s', -Infinity, Infinity, afterRestart);
    expect(afterRestart.summaries).toBe(1);
    expect(afterRestart.summaryCount).toBe(5000);
  });

  it('answers from run summaries, chunk summaries and values alike, wherever a range cuts', async () => {
    const clock = new ManualClock(1_000_000);
    const fm = await start(3000, clock);
    const all: { t: number; v: number }[] = [];
    for (let b = 0; b < 80; b++) {
      clock.t = 1_000_000 + b * 10; // 100 values per stamp, 80 stamps, blocks of >= 3,000
      const values = Array.from({ length: 100 }, (_, i) => ((b * 100 + i) * 7919) % 1000);
      await fm.append(
        values.map(() => 'w'),
        values,
      );
      values.forEach((v) => all.push({ t: clock.t, v }));
    }
    const ranges = [
      [-Infinity, Infinity],
      [1_000_000, 1_000_790],
      [1_000_005, 1_000_555],
      [1_000_300, 1_000_300],
      [1_000_310, 1_000_790],
    ];
    const check = async (store: FileManager) => {
      for (const [from, to] of ranges) {
        const inRange = all.filter(({ t }) => t >= from && t <= to).map(({ v }) => v);
        const totals = new Totals();
        await store.scan('w', from, to, totals);
        expect(totals.count).toBe(inRange.length);
        expect(totals.sum).toBe(inRange.reduce((a, v) => a + v, 0));
        expect(totals.min).toBe(Math.min(...inRange));
        expect(totals.max).toBe(Math.max(...inRange));
      }
    };
    await check(fm); // heads and blocks as ingestion left them
    await fm.onApplicationShutdown();
    await check(await start(3000, clock)); // everything in blocks, with their run summaries
  });

  it('filters by stamp range inclusively', async () => {
    const clock = new ManualClock(1000);
    const fm = await start(1e6, clock);
    for (let t = 1000; t <= 1010; t++) {
      clock.t = t;
      await fm.append(['r'], [t]);
    }
    expect((await scanAll(fm, 'r', 1003, 1005)).values).toEqual([1003, 1004, 1005]);
  });

  it('gives a reader a consistent snapshot while writes go on', async () => {
    const fm = await start(500);
    await fm.append(
      Array(2000).fill('w'),
      Array.from({ length: 2000 }, (_, i) => i),
    );
    const writes = Array.from({ length: 20 }, (_, k) =>
      fm.append(
        Array(100).fill('w'),
        Array.from({ length: 100 }, (_, i) => 2000 + k * 100 + i),
      ),
    );
    const read = scanAll(fm, 'w');
    await Promise.all(writes);
    const seen = (await read).values;
    expect(seen.length).toBeGreaterThanOrEqual(2000);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i));
    expect((await scanAll(fm, 'w')).values).toHaveLength(4000);
  });

  it('refuses appends once it is closed', async () => {
    const fm = await start();
    await fm.append(['e'], [1]);
    await fm.onApplicationShutdown();
    open.pop();
    await expect(fm.append(['e'], [2])).rejects.toThrow(/closed/);
  });
});
