/**
 * Compaction through FileManager on real files (compaction/ parts run inline here; the e2e tests
 * run the built worker thread): merging, retention on disk, metrics kept without values, an
 * interrupted swap at each step, a thousand flush-and-restart cycles, and a version 1 directory.
 * Over 200 lines because each case needs a whole store on disk and its restarts.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { FileManager } from '../file-manager.service';
import { nodeStorageFs } from '../io/node-storage-fs';
import type { StorageFs } from '../io/storage-fs';
import { RetentionPolicy } from '../retention/retention-policy';
import { FaultyFs } from '../testing/faulty-fs';
import { Collector, ManualClock } from '../testing/scan-collectors';
import { versionOneBlock } from '../testing/version-one-block';
import { baseDir } from '../testing/base-dir';

const T0 = 1_700_000_000_000; // a multiple of every span below

describe('compaction', () => {
  let dir: string;
  let clock: ManualClock;
  const open: FileManager[] = [];

  beforeAll(() => Logger.overrideLogger(process.env.DEBUG_LOG ? ['log', 'warn', 'error'] : false));
  beforeEach(async () => {
    dir = await mkdtemp(join(baseDir(), 'pulse-compaction-'));
    clock = new ManualClock(T0);
  });
  afterEach(async () => {
    for (const fm of open.splice(0)) await fm.onApplicationShutdown().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  interface Options {
    retentionMs?: number;
    flushValues?: number;
    spans?: number[];
    intervalMs?: number;
    fs?: StorageFs;
    at?: string;
  }

  async function start(o: Options = {}): Promise<FileManager> {
    const fm = new FileManager(
      {
        dataDir: o.at ?? dir,
        durability: 'os',
        flushValues: o.flushValues ?? 10,
        retention: new RetentionPolicy(o.retentionMs ?? 0),
        compactionSpansMs: o.spans ?? [10_000, 100_000],
        compactionIntervalMs: o.intervalMs ?? 3_600_000,
      },
      clock,
      o.fs ?? nodeStorageFs,
    );
    await fm.onModuleInit();
    open.push(fm);
    return fm;
  }

  async function stop(fm: FileManager): Promise<void> {
    open.splice(open.indexOf(fm), 1);
    await fm.onApplicationShutdown();
  }

  /** Logs one value per stamp (value = seconds after T0), one append each. */
  async function logAt(fm: FileManager, id: string, stamps: number[]): Promise<void> {
    for (const stamp of stamps) {
      clock.t = stamp;
      await fm.append([id], [(stamp - T0) / 1000]);
    }
  }

  async function valuesOf(fm: FileManager, id: string): Promise<number[] | 'not found'> {
    const c = new Collector();
    return (await fm.scan(id, -Infinity, Infinity, c)) ? c.values : 'not found';
  }

  const blockNames = async (at = dir) =>
    (await readdir(join(at, 'blocks'))).filter((n) => n.endsWith('.blk')).sort();
  /**
   * Flushes run in the background: waits until `fm` has installed `count` blocks and trimmed the
   * WAL (only then does the next flush start: one frozen set at a time).
   */
  async function untilBlocks(fm: FileManager, count: number, at = dir): Promise<void> {
    const flushed = async () =>
      fm.blockFileCount().blocks >= count && (await readdir(join(at, 'wal'))).length === 1;
    // A deadline in real time: a busy machine (CI on two shared cores) may take seconds.
    const deadline = Date.now() + 15_000;
    while (!(await flushed())) {
      if (Date.now() > deadline)
        throw new Error(`still ${fm.blockFileCount().blocks} blocks, not ${count}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const stampsEvery = (from: number, count: number, step: number) =>
    Array.from({ length: count }, (_, i) => from + i * step);
  const secondsOf = (stamps: number[]) => stamps.map((s) => (s - T0) / 1000);

  it('merges the blocks of a window once it has ended: one block, every value once', async () => {
    const fm = await start();
    const stamps = stampsEvery(T0, 35, 100);
    for (let flush = 1; flush <= 3; flush++) {
      await logAt(fm, 'cpu', stamps.slice(10 * (flush - 1), 10 * flush));
      await untilBlocks(fm, flush);
    }
    await logAt(fm, 'cpu', stamps.slice(30)); // 5 values stay in the head
    expect(await blockNames()).toHaveLength(3);
    clock.t = T0 + 10_000;
    await fm.compactNow();
    expect(await blockNames()).toHaveLength(1);
    expect(fm.blockFileCount()).toEqual({ blocks: 1, open: 1 });
    expect(await valuesOf(fm, 'cpu')).toEqual(secondsOf(stamps));
    await stop(fm);
    const again = await start();
    await again.compactNow(); // the shutdown's flush of the 5 merges into the window's block
    expect(await blockNames()).toHaveLength(1);
    expect(await valuesOf(again, 'cpu')).toEqual(secondsOf(stamps));
  });

  it('removes values out of retention from the disk at the next compaction', async () => {
    const fm = await start({ retentionMs: 60_000 });
    const stamps = stampsEvery(T0, 30, 1000);
    await logAt(fm, 'cpu', stamps);
    await stop(fm);
    const sizeBefore = (await blockNames()).length;
    clock.t = T0 + 75_000; // cutoff T0 + 15 s
    const later = await start({ retentionMs: 60_000 });
    await later.compactNow();
    await stop(later);
    expect((await blockNames()).length).toBeLessThanOrEqual(sizeBefore);
    const everything = await start({ retentionMs: 0 }); // reads what is on disk, all of it
    expect(await valuesOf(everything, 'cpu')).toEqual(
      secondsOf(stamps.filter((s) => s >= T0 + 15_000)),
    );
  });

  it('flushes heads holding values out of retention, so that they leave the WAL too', async () => {
    const fm = await start({ retentionMs: 60_000, flushValues: 1_000_000, intervalMs: 20 });
    await logAt(fm, 'cpu', [T0, T0 + 30_000]);
    // The first value is out, the heads were never full; 2 s out is past the slack (1.5 s, a
    // fortieth of the retention) after which compaction rewrites a block to drop values.
    clock.t = T0 + 62_000;
    await untilBlocks(fm, 1);
    await fm.compactNow();
    await stop(fm);
    const everything = await start({ retentionMs: 0 });
    expect(await valuesOf(everything, 'cpu')).toEqual([30]);
  });

  it('keeps a metric whose values all went out (200 []) for one retention period, then forgets it', async () => {
    let fm = await start({ retentionMs: 60_000 });
    await logAt(fm, 'gone', [T0]);
    await logAt(fm, 'live', stampsEvery(T0 + 1000, 12, 1000));
    clock.t = T0 + 61_000;
    await fm.compactNow();
    await stop(fm);
    fm = await start({ retentionMs: 60_000 });
    expect(fm.hasMetric('gone')).toBe(true);
    expect(await valuesOf(fm, 'gone')).toEqual([]);
    clock.t = T0 + 121_000;
    expect(fm.hasMetric('gone')).toBe(false);
    await fm.compactNow();
    await stop(fm);
    clock.t = T0 + 61_000; // even read back earlier, nothing of it is left on disk
    fm = await start({ retentionMs: 60_000 });
    expect(fm.hasMetric('gone')).toBe(false);
  });

  describe.each([
    ['before the new block is in place', { kind: 'rename' as const, path: '0000000005.blk.tmp' }],
    [
      'after the new block, before any old one is removed',
      { kind: 'unlink' as const, path: '0000000001.blk' },
    ],
    ['during the removal of the old blocks', { kind: 'unlink' as const, path: '0000000003.blk' }],
  ])('killed %s', (_, fault) => {
    it('loses nothing and duplicates nothing', async () => {
      const fs = new FaultyFs();
      const hang = fs.inject({ ...fault, hang: true });
      const fm = await start({ fs, spans: [1_000_000] });
      const stamps = stampsEvery(T0, 40, 100); // four flushes: the fourth starts a tier merge
      for (let flush = 1; flush <= 3; flush++) {
        await logAt(fm, 'cpu', stamps.slice(10 * (flush - 1), 10 * flush));
        await untilBlocks(fm, flush);
      }
      const logging = logAt(fm, 'cpu', stamps.slice(30));
      while (hang.hits === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      // What a SIGKILL at this instant leaves: the directory as it is now.
      const killed = join(dir, '..', `${dir.split('/').pop()}-killed`);
      await cp(dir, killed, { recursive: true });
      try {
        const recovered = await start({ at: killed, spans: [1_000_000] });
        expect(await valuesOf(recovered, 'cpu')).toEqual(secondsOf(stamps.slice(0, 40)));
        await stop(recovered);
      } finally {
        await rm(killed, { recursive: true, force: true });
      }
      hang.release();
      await logging;
      await fm.compactNow();
      expect(await valuesOf(fm, 'cpu')).toEqual(secondsOf(stamps));
    });
  });

  it('keeps block files and open files bounded over 1,000 flush-and-restart cycles', async () => {
    const retentionMs = 200_000;
    const spans = [10_000, 100_000];
    // retention / largest span (+1 straddling), the ended small windows of the current large one,
    // and up to three blocks in each size tier of recent blocks (one tier here: 1 value each),
    // plus the block of the current small window.
    const bound = retentionMs / spans[1] + 1 + spans[1] / spans[0] + 3 + 1;
    let most = 0;
    for (let cycle = 0; cycle < 1000; cycle++) {
      const fm = await start({ retentionMs, spans, flushValues: 1_000_000 });
      await logAt(fm, 'cpu', [T0 + cycle * 1000]);
      await fm.compactNow();
      const { blocks, open: files } = fm.blockFileCount();
      most = Math.max(most, blocks, files);
      await stop(fm);
    }
    const fm = await start({ retentionMs, spans });
    await fm.compactNow();
    expect(most).toBeLessThanOrEqual(bound);
    expect((await blockNames()).length).toBeLessThanOrEqual(bound);
    clock.t = T0 + 999_000;
    const kept = stampsEvery(T0, 1000, 1000).filter((s) => s >= clock.t - retentionMs);
    expect(await valuesOf(fm, 'cpu')).toEqual(secondsOf(kept));
  }, 120_000);

  it('reads a version 1 data directory and rewrites it in version 2', async () => {
    await rm(join(dir, 'blocks'), { recursive: true, force: true });
    await import('node:fs/promises').then((f) => f.mkdir(join(dir, 'blocks'), { recursive: true }));
    await writeFile(
      join(dir, 'blocks', '0000000001.blk'),
      versionOneBlock('cpu', [T0, T0 + 1000, T0 + 2000], [0, 1, 2]),
    );
    const fm = await start({ spans: [10_000] });
    expect(await valuesOf(fm, 'cpu')).toEqual([0, 1, 2]);
    await logAt(fm, 'cpu', stampsEvery(T0 + 3000, 10, 100)); // one flush: a second block
    await untilBlocks(fm, 2);
    clock.t = T0 + 10_000;
    await fm.compactNow();
    const names = await blockNames();
    expect(names).toHaveLength(1);
    const bytes = await readFile(join(dir, 'blocks', names[0]));
    expect(bytes.readUInt32LE(bytes.length - 8)).toBe(2); // the footer's version
    expect(await valuesOf(fm, 'cpu')).toEqual([
      0,
      1,
      2,
      ...secondsOf(stampsEvery(T0 + 3000, 10, 100)),
    ]);
  });
});
